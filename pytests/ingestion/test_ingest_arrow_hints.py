"""The Arrow pages of the API feeds agree with the dlt schema: dlt warns about no column hint."""

from __future__ import annotations

import logging

import pytest


def test_an_events_ingestion_logs_no_column_hint_warning(
    ingest, api_server, caplog: pytest.LogCaptureFixture
) -> None:
    # dlt logs "when merging arrow schema with dlt schema, several column hints were different"
    # at WARNING, and each differing hint at INFO: capture both from dlt's own logger
    logger = logging.getLogger("dlt")
    logger.addHandler(caplog.handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        with api_server() as url:
            report = ingest(url, sources=("web", "marketing"))
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(previous)

    assert report.succeeded and report.rows_loaded["raw_web.events"] > 0
    merges = [
        r.getMessage() for r in caplog.records if "when merging arrow schema" in r.getMessage()
    ]
    assert merges == []
