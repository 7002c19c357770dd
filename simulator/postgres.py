"""Mirror of the shop database into Postgres schema `shop` (when `--postgres-url` is given).

The SQLite file stays the simulator's working copy; after `generate` the schema is rebuilt and
bulk-copied, after each `advance` day the rows changed that day are upserted and hard-deleted
products deleted, so Postgres holds exactly what `shop.sqlite` holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import psycopg2
from psycopg2 import sql
from psycopg2.extras import execute_values

from . import store
from .clock import day_start_us
from .state import State

SCHEMA = "shop"
BOOLEAN_COLUMNS = {"marketing_opt_in", "is_active"}
_CHUNK = 200_000


def connect(url: str):
    """Accepts SQLAlchemy-style (`postgresql+psycopg2://`) and libpq URLs or DSNs."""
    return psycopg2.connect(re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url))


def _pg_type(decl: str) -> str:
    return decl.replace("DATETIME", "TIMESTAMP")  # naive timestamps holding UTC, as in SQLite


def _columns(table: str, drift: bool) -> list[str]:
    cols = [c for c, _ in store.SHOP_COLUMNS[table]]
    return [*cols, store.DRIFT_COLUMN] if drift and table == store.DRIFT_TABLE else cols


def _ident(*parts: str) -> sql.Composable:
    return sql.Identifier(*parts)


def _create_schema(cur) -> None:
    cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(SCHEMA)))
    cur.execute(sql.SQL("CREATE SCHEMA {}").format(_ident(SCHEMA)))
    for table, cols in store.SHOP_COLUMNS.items():
        body = sql.SQL(", ").join(
            sql.SQL("{} " + _pg_type(decl)).format(_ident(c)) for c, decl in cols
        )
        cur.execute(sql.SQL("CREATE TABLE {} ({})").format(_ident(SCHEMA, table), body))


def _create_indexes(cur) -> None:
    for table in store.SHOP_TABLES:
        cur.execute(
            sql.SQL("CREATE INDEX {} ON {} (updated_at)").format(
                _ident(f"ix_{table}_updated_at"), _ident(SCHEMA, table)
            )
        )


def _add_drift_column(cur) -> None:
    cur.execute(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + store.DRIFT_TYPE).format(
            _ident(SCHEMA, store.DRIFT_TABLE), _ident(store.DRIFT_COLUMN)
        )
    )


def _convert(cols: list[str], rows: list[tuple]) -> list[tuple]:
    flags = [i for i, c in enumerate(cols) if c in BOOLEAN_COLUMNS]
    if not flags:
        return rows
    out = []
    for r in rows:
        r = list(r)
        for i in flags:
            r[i] = None if r[i] is None else bool(r[i])
        out.append(tuple(r))
    return out


def mirror_full(directory: Path, url: str, progress: Callable[[str], None]) -> None:
    """Rebuild schema `shop` from shop.sqlite (after `generate`)."""
    st = State.load(directory)
    src = store.connect(directory / store.SHOP_DB, readonly=True)
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            _create_schema(cur)
            if st.drift:
                _add_drift_column(cur)
            for table in store.SHOP_TABLES:
                cols = _columns(table, st.drift)
                copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
                    _ident(SCHEMA, table), sql.SQL(", ").join(map(sql.Identifier, cols))
                )
                rows = src.execute(store.select(table, cols, f"ORDER BY {cols[0]}"))
                n = 0
                while chunk := rows.fetchmany(_CHUNK):
                    buf = io.StringIO()
                    # None -> empty unquoted field, which CSV COPY reads as NULL
                    csv.writer(buf).writerows(chunk)
                    buf.seek(0)
                    cur.copy_expert(copy.as_string(cur), buf)
                    n += len(chunk)
                progress(f"[postgres] {SCHEMA}.{table}: {n} rows")
            _create_indexes(cur)
    finally:
        conn.close()
        src.close()


def mirror_day(directory: Path, st: State, day: str) -> None:
    """Apply one simulated day (`day`, ISO date) of changes to schema `shop`."""
    since = f"{day} 00:00:00"
    src = store.connect(directory / store.SHOP_DB, readonly=True)
    internal = store.connect(directory / store.INTERNAL_DB, readonly=True)
    conn = connect(st.postgres_url or "")
    try:
        with conn, conn.cursor() as cur:
            if st.drift:
                _add_drift_column(cur)
            for table in store.SHOP_TABLES:
                cols = _columns(table, st.drift)
                rows = src.execute(
                    store.select(table, cols, "WHERE updated_at >= ?"), (since,)
                ).fetchall()
                if not rows:
                    continue
                pk = store.PRIMARY_KEYS[table]
                upsert = sql.SQL(
                    "INSERT INTO {} ({}) VALUES %s ON CONFLICT ({}) DO UPDATE SET {}"
                ).format(
                    _ident(SCHEMA, table),
                    sql.SQL(", ").join(map(sql.Identifier, cols)),
                    _ident(pk),
                    sql.SQL(", ").join(
                        sql.SQL("{} = EXCLUDED.{}").format(_ident(c), _ident(c))
                        for c in cols
                        if c != pk
                    ),
                )
                execute_values(cur, upsert.as_string(cur), _convert(cols, rows), page_size=5000)
            deleted = internal.execute(
                "SELECT product_id FROM product_history WHERE deleted = 1 AND valid_from >= ?",
                (day_start_us(dt.date.fromisoformat(day)),),
            ).fetchall()
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE product_id = ANY(%s)").format(
                    _ident(SCHEMA, "products")
                ),
                ([r[0] for r in deleted],),
            )
            if st.drift:  # the same migration-style backfill as in SQLite (no updated_at change)
                cur.execute(
                    sql.SQL(
                        "UPDATE {} SET loyalty_tier = CASE customer_id % 10 WHEN 0 THEN 'gold' "
                        "WHEN 1 THEN 'silver' WHEN 2 THEN 'silver' ELSE 'bronze' END "
                        "WHERE loyalty_tier IS NULL"
                    ).format(_ident(SCHEMA, "customers"))
                )
    finally:
        conn.close()
        src.close()
        internal.close()
