"""The shop OLTP database -> `raw_shop`, with dlt's `sql_table` on the pyarrow backend.

Each table loads incrementally on `updated_at` and is merged on its primary key. The
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
from dlt.common.configuration.container import Container
from dlt.common.destination import DestinationCapabilitiesContext
from dlt.common.libs.pyarrow import get_py_arrow_datatype
from dlt.destinations.sql_client import SqlClientBase
from dlt.sources.sql_database import TableLoader, sql_table

from ingestion.quarantine import quarantine_hints, quarantine_row, record_json

SHOP_TABLES = ("customers", "categories", "products", "orders", "order_items", "payments")
# the contract's Postgres flavour keeps the tables in schema `shop`
POSTGRES_SCHEMA = "shop"
CURSOR = "updated_at"
HARD_DELETED_AT = "_hard_deleted_at"
LOADED_AT = "_loaded_at"
FRACTION_ONLY = "*[^0-9.]*"  # matches a tail that is more than fractional seconds
BELOW_TIMESTAMPS, ABOVE_DIGITS = "0000-", ":"  # text sorting below / above "2025-01-31 ..."
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
        # SQLAlchemy's text format "YYYY-MM-DD HH:MM:SS[.ffffff]" (SQLite's datetime() gives the
        # part before the fraction back unchanged only for such text); no zone offset. `IS`:
        # datetime() of other values is NULL, and a NULL check would hide the row from both the
        # extract and the quarantine
        text = sa.type_coerce(column, sa.String)
        return (
            sa.and_(
                sa.func.datetime(text).is_not_distinct_from(sa.func.substr(text, 1, 19)),
                sa.not_(sa.func.substr(text, 20).op("GLOB")(FRACTION_ONLY)),
            ),
            "timestamp",
        )
    if isinstance(sql_type, sa.Date):
        text = sa.type_coerce(column, sa.String)
        return sa.func.date(text).is_not_distinct_from(text), "date"
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
        # an INTEGER PRIMARY KEY is the rowid, always an integer: one check less per row
        rowid = [c for c in table.primary_key if isinstance(c.type, sa.Integer)]
        found = []
        for column in table.columns:
            check = _value_check(column)
            if check is not None and not (len(rowid) == 1 and column is rowid[0]):
                predicate, label = check
                if column.nullable:  # SQLite enforces NOT NULL
                    predicate = sa.or_(column.is_(None), predicate)
                found.append((column, predicate, label))
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


# how SQLite hands over values of these Arrow types (the rest arrive as they are)
SQLITE_STORAGE = {
    pa.types.is_timestamp: pa.string(),
    pa.types.is_date32: pa.string(),
    pa.types.is_decimal: pa.float64(),
    pa.types.is_boolean: pa.int64(),
}
SQLITE_TYPES = (pa.types.is_integer, pa.types.is_string, pa.types.is_floating, *SQLITE_STORAGE)


def _sqlite_storage(arrow_type: pa.DataType) -> pa.DataType:
    for is_type, storage in SQLITE_STORAGE.items():
        if is_type(arrow_type):
            return storage
    return arrow_type


def _from_sqlite(column: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(arrow_type):  # naive text holding UTC
        return column.cast(pa.timestamp(arrow_type.unit)).cast(arrow_type)
    return column.cast(arrow_type)


class SqliteArrowLoader(TableLoader):
    """Builds the Arrow tables from raw SQLite values, a whole column per conversion.

    The pyarrow backend's default path converts every value in SQLAlchemy first (DATETIME text
    via fromisoformat, NUMERIC via Decimal): measured on the bench preset, that more than
    doubles the CPU of the extract. The type checks of the query guarantee each value's storage
    class, so Arrow's casts (which raise rather than coerce) do the same conversions in bulk.
    """

    def _load_rows(self, query: Any, backend_kwargs: dict[str, Any]) -> Iterator[Any]:
        names = [c.name for c in query.selected_columns]
        types = self._arrow_types(names)
        if types is None:  # a column type without a bulk conversion: the default path
            yield from super()._load_rows(query, backend_kwargs)
            return
        storage = pa.struct(
            [pa.field(n, _sqlite_storage(t)) for n, t in zip(names, types, strict=True)]
        )
        schema = pa.schema(
            pa.field(n, t, nullable=self.columns[n].get("nullable", True))
            for n, t in zip(names, types, strict=True)
        )
        raw = query.with_only_columns(
            *(sa.type_coerce(c, sa.types.NullType()).label(c.name) for c in query.selected_columns)
        )
        with self.engine.connect() as conn:
            result = conn.execute(raw)
            try:
                while rows := result.cursor.fetchmany(self.chunk_size):
                    columns = pa.array(rows, type=storage).flatten()
                    arrays = [_from_sqlite(c, t) for c, t in zip(columns, types, strict=True)]
                    yield pa.Table.from_arrays(arrays, schema=schema)
            finally:
                result.close()

    def _arrow_types(self, names: list[str]) -> list[pa.DataType] | None:
        caps = Container().get(DestinationCapabilitiesContext)
        caps = caps or DestinationCapabilitiesContext.generic_capabilities()
        types = []
        for name in names:
            column = self.columns.get(name, {})
            if "data_type" not in column:
                return None
            arrow_type = get_py_arrow_datatype(column, caps, "UTC")
            if not any(is_type(arrow_type) for is_type in SQLITE_TYPES):
                return None
            types.append(arrow_type)
        return types


def _add_raw_columns(loaded_at: dt.datetime) -> Any:
    """`_loaded_at` and a null `_hard_deleted_at` (a row read from the source is not deleted).

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
            table_loader_class=SqliteArrowLoader if checks.enabled else None,
            incremental=dlt.sources.incremental(CURSOR),
            # delete-insert de-duplicates the staged rows by key (latest `updated_at` wins), so
            # a load job that dlt replays after a crash can not double rows
            write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        )
        resource.apply_hints(columns={CURSOR: {"dedup_sort": "desc"}})
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
    """Rows failing their type checks, among those changed since the previous scan.

    The scan keeps its own window start per table in resource state (saved with the load
    package): the newest `updated_at` seen that starts with a digit. Rows whose `updated_at` is
    itself not a timestamp sort outside the timestamps (numbers and text below "0000-", other
    text above the window start), so the scan always includes them; the insert-only merge of
    `_quarantine` keeps them once. The bounds are text that SQLite can not read as a number:
    compared with the NUMERIC-affinity column, "0" would become the number 0. Each window part
    is its own query, so SQLite reads it through the `updated_at` index (an OR of the parts
    makes it scan the whole table).
    """
    scanned = dlt.current.resource_state().setdefault("scanned_from", {})
    for name in SHOP_TABLES:
        table = metadata.tables[f"{metadata.schema}.{name}" if metadata.schema else name]
        cursor = sa.type_coerce(table.c[CURSOR], sa.String)
        # raw driver values: typed result processors would fail on exactly these rows
        raw = [sa.type_coerce(c, sa.types.NullType()).label(c.name) for c in table.columns]
        query = sa.select(*raw, checks.reason(table).label("_reason"))
        query = query.where(sa.not_(checks.valid(table)))
        since = scanned.get(name)
        windows = (
            [query]
            if since is None
            else [
                query.where(cursor >= since),
                query.where(cursor < BELOW_TIMESTAMPS),
            ]
        )
        with engine.connect() as conn:
            newest = conn.execute(
                sa.select(sa.func.max(cursor)).where(
                    cursor >= BELOW_TIMESTAMPS, cursor < ABOVE_DIGITS
                )
            ).scalar()
            rows = [
                quarantine_row(
                    name,
                    record_json({k: v for k, v in row.items() if k != "_reason"}),
                    row["_reason"].rstrip("; "),
                    quarantined_at,
                )
                for window in windows
                for row in conn.execute(window).mappings()
            ]
        if newest is not None:
            scanned[name] = newest
        if rows:
            yield rows


def _source_keys(engine: sa.Engine, table: sa.Table, key: str) -> pa.Array:
    """All primary keys of a source table, read in bulk from the driver."""
    single = pa.struct([pa.field(key, pa.int64())])
    chunks = []
    with engine.connect() as conn:
        result = conn.execute(sa.select(sa.type_coerce(table.c[key], sa.types.NullType())))
        while rows := result.cursor.fetchmany(1_000_000):
            chunks.append(pa.array(rows, type=single).field(0))
        result.close()
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.int64())


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
