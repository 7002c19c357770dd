"""The shop OLTP database -> `raw_shop`, with dlt's `sql_table` on the pyarrow backend.

Each table loads incrementally on `updated_at` and is merged (upsert) on its primary key. The
cursor is dlt's default closed range (`updated_at >= last value`) with the rows at the boundary
de-duplicated from state, so rows updated in the same instant as the last cursor value are
never missed. Soft deletes are just the `deleted_at` column. Hard deletes are found after the
load by comparing primary keys (`mark_hard_deletes`).

SQLite is dynamically typed, so a row can hold e.g. text in an INTEGER column. The extract query
keeps only rows whose every value matches its declared type; the other rows go to
`raw_shop._quarantine` with the reason (Postgres enforces types, so there nothing is checked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from dlt.destinations.sql_client import SqlClientBase
from dlt.sources.sql_database import sql_table

from ingestion.quarantine import quarantine_hints, quarantine_row, record_json

SHOP_TABLES = ("customers", "categories", "products", "orders", "order_items", "payments")
# the contract's Postgres flavour keeps the tables in schema `shop`
POSTGRES_SCHEMA = "shop"
CURSOR = "updated_at"
HARD_DELETED_AT = "_hard_deleted_at"
LOADED_AT = "_loaded_at"
DATETIME_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"
UPDATE_BATCH = 1000


def make_engine(db_url: str) -> sa.Engine:
    return sa.create_engine(db_url)


def _schema(engine: sa.Engine) -> str | None:
    return POSTGRES_SCHEMA if engine.dialect.name == "postgresql" else None


def _timestamptz(sql_type: Any) -> Any:
    """Source DATETIMEs are UTC without a zone; land them as timestamptz."""
    if isinstance(sql_type, sa.DateTime):
        return sa.DateTime(timezone=True)
    return sql_type


def _value_check(column: sa.Column[Any]) -> tuple[sa.ColumnElement[bool], str] | None:
    """SQLite: (predicate true when the value has the column's declared type, type label)."""
    sql_type = column.type
    storage = sa.func.typeof(column)
    if isinstance(sql_type, sa.Boolean):
        return sa.type_coerce(column, sa.Integer).in_([0, 1]), "boolean 0/1"
    if isinstance(sql_type, sa.Integer):
        return storage == "integer", "integer"
    if isinstance(sql_type, sa.Numeric):
        return storage.in_(["integer", "real"]), "number"
    if isinstance(sql_type, sa.DateTime):
        text = sa.type_coerce(column, sa.String)
        return (
            sa.and_(
                storage == "text",
                text.op("GLOB")(DATETIME_GLOB),
                sa.func.datetime(text).is_not(None),
            ),
            "timestamp",
        )
    if isinstance(sql_type, sa.String):
        return storage == "text", "text"
    return None


class TypeChecks:
    """Per-table validity predicate and reason expression; empty for typed databases."""

    def __init__(self, engine: sa.Engine) -> None:
        self.enabled = engine.dialect.name == "sqlite"

    def checks(self, table: sa.Table) -> list[tuple[sa.Column[Any], sa.ColumnElement[bool], str]]:
        if not self.enabled:
            return []
        found = []
        for column in table.columns:
            check = _value_check(column)
            if check is not None:
                predicate, label = check
                found.append((column, sa.or_(column.is_(None), predicate), label))
        return found

    def valid(self, table: sa.Table) -> sa.ColumnElement[bool] | None:
        checks = self.checks(table)
        return sa.and_(*(predicate for _, predicate, _ in checks)) if checks else None

    def reason(self, table: sa.Table) -> sa.ColumnElement[str]:
        """'quantity: expected integer, got text '2.5'; ' for every failing column."""
        parts = [
            sa.case(
                (
                    sa.not_(predicate),
                    sa.literal(f"{column.name}: expected {label}, got ")
                    + sa.func.typeof(column)
                    + " "
                    + sa.func.substr(sa.func.quote(column), 1, 80)
                    + "; ",
                ),
                else_="",
            )
            for column, predicate, label in self.checks(table)
        ]
        reason: sa.ColumnElement[str] = parts[0]
        for part in parts[1:]:
            reason = reason + part
        return reason


def _add_raw_columns(loaded_at: dt.datetime) -> Any:
    """`_loaded_at` and a null `_hard_deleted_at` (an upserted row exists, so it is not deleted).

    Added to the Arrow data rather than as column hints: `sql_table` only takes hints for
    columns of the source table.
    """
    timestamptz = pa.timestamp("us", tz="UTC")

    def add(table: pa.Table) -> pa.Table:
        rows = table.num_rows
        table = table.append_column(LOADED_AT, pa.repeat(pa.scalar(loaded_at, timestamptz), rows))
        return table.append_column(HARD_DELETED_AT, pa.nulls(rows, timestamptz))

    return add


@dlt.source(name="shop")
def shop_source(
    engine: sa.Engine, loaded_at: dt.datetime, chunk_size: int = 100_000
) -> Iterator[Any]:
    checks = TypeChecks(engine)
    metadata = sa.MetaData(schema=_schema(engine))

    def only_valid_rows(query: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
        valid = checks.valid(table)
        return query if valid is None else query.where(valid)

    for name in SHOP_TABLES:
        resource = sql_table(
            credentials=engine,
            table=name,
            metadata=metadata,
            backend="pyarrow",
            chunk_size=chunk_size,
            reflection_level="full",
            type_adapter_callback=_timestamptz,
            query_adapter_callback=only_valid_rows,
            incremental=dlt.sources.incremental(CURSOR),
            write_disposition={"disposition": "merge", "strategy": "upsert"},
        )
        yield resource.add_map(_add_raw_columns(loaded_at))

    if checks.enabled:
        rejected = _rejected_rows(engine, metadata, checks, loaded_at)
        yield dlt.resource(rejected, name="shop_quarantine", **quarantine_hints())


def widened_tables(pipeline: dlt.Pipeline, source: Any) -> list[str]:
    """Raw tables whose source table gained columns since the last load.

    A new column is typically backfilled without touching `updated_at`, so these tables are
    re-read in full (their cursor is forgotten) for raw to get the values of existing rows.
    """
    if not pipeline.default_schema_name:
        return []
    known = pipeline.default_schema.tables
    return [
        name
        for name in SHOP_TABLES
        if name in known and set(source.resources[name].columns) - set(known[name]["columns"])
    ]


def _rejected_rows(
    engine: sa.Engine, metadata: sa.MetaData, checks: TypeChecks, quarantined_at: dt.datetime
) -> Iterator[list[dict[str, Any]]]:
    """Every row that fails its type checks (a full scan: a bad row may carry a bad cursor)."""
    for name in SHOP_TABLES:
        table = metadata.tables[f"{metadata.schema}.{name}" if metadata.schema else name]
        valid = checks.valid(table)
        # raw driver values: typed result processors would fail on exactly these rows
        raw = [sa.type_coerce(c, sa.types.NullType()).label(c.name) for c in table.columns]
        query = sa.select(*raw, checks.reason(table).label("_reason")).where(sa.not_(valid))
        with engine.connect() as conn:
            rows = [
                quarantine_row(
                    name,
                    record_json({k: v for k, v in row.items() if k != "_reason"}),
                    row["_reason"].rstrip("; "),
                    quarantined_at,
                )
                for row in conn.execute(query).mappings()
            ]
        if rows:
            yield rows


def _source_keys(engine: sa.Engine, table: sa.Table, key: str) -> pa.Array:
    with engine.connect() as conn:
        result = conn.execute(sa.select(table.c[key]))
        return pa.array([row[0] for row in result], type=pa.int64())


def mark_hard_deletes(
    client: SqlClientBase[Any], engine: sa.Engine, raw_tables: set[str], marked_at: dt.datetime
) -> dict[str, int]:
    """Compare primary keys of source and raw; mark raw rows gone from the source.

    Marked rows stay in raw with `_hard_deleted_at` (and `_loaded_at`) set to `marked_at`. A marked
    row that is back in the source is unmarked.
    """
    metadata = sa.MetaData(schema=_schema(engine))
    names = [name for name in SHOP_TABLES if name in raw_tables]
    metadata.reflect(engine, only=names)
    deleted_col = client.escape_column_name(HARD_DELETED_AT)
    loaded_col = client.escape_column_name(LOADED_AT)
    marked: dict[str, int] = {}
    for name in names:
        table = metadata.tables[f"{metadata.schema}.{name}" if metadata.schema else name]
        (key,) = [c.name for c in table.primary_key]
        source_keys = _source_keys(engine, table, key)
        qualified = client.make_qualified_table_name(name)
        key_col = client.escape_column_name(key)
        with client.execute_query(
            f"SELECT {key_col}, {deleted_col} IS NOT NULL FROM {qualified}"  # noqa: S608
        ) as cursor:
            raw = cursor.arrow()
        if raw is None or raw.num_rows == 0:
            continue
        raw_keys, was_marked = raw.column(0), raw.column(1)
        present = pc.is_in(raw_keys, value_set=source_keys)
        gone = pc.filter(raw_keys, pc.and_(pc.invert(present), pc.invert(was_marked)))
        back = pc.filter(raw_keys, pc.and_(present, was_marked))
        # identifiers are escaped by dlt; values are bound parameters
        _update_keys(
            client,
            f"UPDATE {qualified} SET {deleted_col} = %s, {loaded_col} = %s"  # noqa: S608
            f" WHERE {key_col} IN",
            [marked_at, marked_at],
            gone.to_pylist(),
        )
        _update_keys(
            client,
            f"UPDATE {qualified} SET {deleted_col} = NULL, {loaded_col} = %s"  # noqa: S608
            f" WHERE {key_col} IN",
            [marked_at],
            back.to_pylist(),
        )
        if len(gone):
            marked[name] = len(gone)
    return marked


def _update_keys(
    client: SqlClientBase[Any], statement: str, params: list[Any], keys: list[int]
) -> None:
    for start in range(0, len(keys), UPDATE_BATCH):
        batch = keys[start : start + UPDATE_BATCH]
        placeholders = ", ".join(["%s"] * len(batch))
        client.execute_sql(f"{statement} ({placeholders})", *params, *batch)
