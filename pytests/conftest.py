"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pytests.support.postgres import PostgresServer, start_postgres

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real, throwaway Postgres server for the whole test session."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
