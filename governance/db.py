"""One small connection wrapper over DuckDB and Postgres for the governance commands.

SQL is written with `%s` placeholders (psycopg2 style) and double-quoted identifiers, which both
engines accept; DuckDB gets `?` placeholders. Postgres connects with the libpq variables (PG*),
DuckDB opens DUCKDB_PATH (default `warehouse.duckdb`, like the dbt profile).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.config import GovernanceError

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")


@dataclass
class Relation:
    schema: str
    name: str
    kind: str  # 'BASE TABLE' or 'VIEW'
    columns: dict[str, str] = field(default_factory=dict)  # name -> data type

    @property
    def is_table(self) -> bool:
        return self.kind == "BASE TABLE"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}"


def postgres_location() -> str:
    """user@host:port/database of the PG* variables (never the password)."""
    return (
        f"{os.environ.get('PGUSER', '?')}@{os.environ.get('PGHOST', 'localhost')}:"
        f"{os.environ.get('PGPORT', '5432')}/{os.environ.get('PGDATABASE', '?')}"
    )


def connect_postgres(autocommit: bool = False, **overrides: Any):
    """A psycopg2 connection from the PG* variables; one clear line when it fails."""
    import psycopg2

    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing and not overrides:
        raise GovernanceError(
            "Postgres needs PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE; "
            f"not set: {', '.join(missing)}"
        )
    try:
        conn = psycopg2.connect(connect_timeout=10, **overrides)
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        where = postgres_location()
        raise GovernanceError(f"cannot connect to Postgres {where}: {reason}") from exc
    conn.autocommit = autocommit
    return conn


def duckdb_path() -> Path:
    return Path(os.environ.get("DUCKDB_PATH", "warehouse.duckdb")).resolve()


class Database:
    """A transaction-per-unit-of-work connection; call commit() or rollback(), then close()."""

    def __init__(self, engine: str, connection: Any = None) -> None:
        self.engine = engine
        if connection is not None:  # an open Postgres connection the caller manages
            self._conn = connection
        elif engine == "duckdb":
            import duckdb

            path = duckdb_path()
            if not path.exists():
                raise GovernanceError(f"no DuckDB warehouse at {path} (DUCKDB_PATH)")
            try:
                self._conn = duckdb.connect(str(path))
            except duckdb.IOException as exc:
                raise GovernanceError(
                    f"cannot open {path}: {exc} (is ingestion or dbt running on it?)"
                ) from exc
            self._conn.execute("begin transaction")
        elif engine == "postgres":
            self._conn = connect_postgres()
        else:
            raise GovernanceError(f"unknown target {engine!r}; choose duckdb or postgres")

    # --- statements --------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.engine == "duckdb" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the affected row count where the engine reports it."""
        if self.engine == "duckdb":
            result = self._conn.execute(self._sql(sql), list(params))
            try:
                row = result.fetchone()
            except Exception:  # statements without a result set
                return 0
            return int(row[0]) if row and isinstance(row[0], int) else 0
        with self._conn.cursor() as cur:
            cur.execute(sql, tuple(params) or None)
            return max(cur.rowcount, 0)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if self.engine == "duckdb":
            return self._conn.execute(self._sql(sql), list(params)).fetchall()
        with self._conn.cursor() as cur:
            cur.execute(sql, tuple(params) or None)
            return cur.fetchall()

    def commit(self) -> None:
        if self.engine == "duckdb":
            self._conn.execute("commit")
            self._conn.execute("checkpoint")
            self._conn.execute("begin transaction")
        else:
            self._conn.commit()

    def rollback(self) -> None:
        if self.engine == "duckdb":
            self._conn.execute("rollback")
            self._conn.execute("begin transaction")
        else:
            self._conn.rollback()

    def close(self) -> None:
        try:
            if self.engine == "duckdb":
                self._conn.execute("rollback")
        finally:
            self._conn.close()

    # --- catalog -----------------------------------------------------------------------------
    def relations(self, schemas: Iterable[str] | None = None) -> dict[tuple[str, str], Relation]:
        """Tables and views with their columns, in the given schemas (default: all user schemas)."""
        rows = self.query(
            """
            select c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type
            from information_schema.columns as c
            inner join information_schema.tables as t
                on c.table_catalog = t.table_catalog
                and c.table_schema = t.table_schema
                and c.table_name = t.table_name
            where c.table_catalog = current_database()
            order by c.table_schema, c.table_name, c.ordinal_position
            """
        )
        wanted = set(schemas) if schemas is not None else None
        found: dict[tuple[str, str], Relation] = {}
        for schema, name, kind, column, data_type in rows:
            if schema in SYSTEM_SCHEMAS or schema.startswith("pg_temp"):
                continue
            if wanted is not None and schema not in wanted:
                continue
            relation = found.setdefault((schema, name), Relation(schema, name, kind))
            relation.columns[column] = data_type.lower()
        return found

    def schema_exists(self, schema: str) -> bool:
        return bool(
            self.query(
                "select 1 from information_schema.schemata"
                " where catalog_name = current_database() and schema_name = %s",
                (schema,),
            )
        )
