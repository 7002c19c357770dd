"""A throwaway PostgreSQL server for the test suite.

Uses the system's server binaries (Debian's /usr/lib/postgresql/<v>/bin) when present, else the
binaries bundled by `pgserver` from PyPI. The cluster lives in a temp dir, listens on 127.0.0.1 on
a free port, and requires a password over TCP so credential errors and per-role access are real.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2


def _find_bin_dir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    import pgserver  # only needed where the system has no server binaries

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    """A running cluster; `env` holds the libpq variables that reach it as the superuser."""

    data_dir: Path
    port: int
    password: str
    bin_dir: Path
    run_as: str | None
    user: str = "postgres"
    database: str = "warehouse"

    @property
    def env(self) -> dict[str, str]:
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }

    def connect(self, **overrides: str):
        params = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.database,
        }
        params.update(overrides)
        return psycopg2.connect(**params)

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create database `name` (empty, or a copy of database `template`) if missing."""
        conn = self.connect(dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                copy = f' template "{template}"' if template else ""
                cur.execute(f'create database "{name}"{copy}')
        conn.close()

    def _ctl(self, *args: str) -> None:
        cmd = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args]
        _run(cmd, self.run_as)

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast", "-w")
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _run(cmd: list[str], run_as: str | None) -> None:
    if run_as:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start_postgres() -> PostgresServer:
    """initdb + start a new cluster; the caller stops it."""
    bin_dir = _find_bin_dir()
    # Postgres refuses to run as root; on CI machines we are root, so use the `postgres` account.
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        pwd.getpwnam(run_as)  # fails loudly when the account is missing
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data_dir = root / "data"
    password = secrets.token_urlsafe(16)
    pwfile = root / "pwfile"
    pwfile.write_text(password)
    if run_as:
        shutil.chown(root, run_as)
        shutil.chown(pwfile, run_as)
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "--encoding=UTF8",
            "--no-instructions",
        ],
        run_as,
    )
    server = PostgresServer(
        data_dir=data_dir, port=_free_port(), password=password, bin_dir=bin_dir, run_as=run_as
    )
    options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    server._ctl("start", "-w", "-t", "60", "-l", str(root / "server.log"), "-o", options)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.create_database(server.database)
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return server
