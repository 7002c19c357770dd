"""The native baseline of the shop load: DuckDB copying the same SQLite tables itself.

Uses DuckDB's sqlite_scanner extension from PyPI (`duckdb-extension-sqlite-scanner`, loaded from
the wheel's file, no network); without it, a pyarrow copy (sqlite3 cursor -> Arrow -> DuckDB).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa

from benchmarks.measure import Sample, measured

SHOP_TABLES = ("customers", "categories", "products", "orders", "order_items", "payments")
CHUNK = 200_000


def sqlite_scanner_path() -> Path | None:
    try:
        import duckdb_extension_sqlite_scanner as ext  # type: ignore[import-not-found]
    except ImportError:
        return None
    found = sorted(Path(ext.__file__).parent.glob("extensions/*/sqlite_scanner.duckdb_extension"))
    return found[-1] if found else None


def method() -> str:
    return "duckdb sqlite_scanner" if sqlite_scanner_path() else "pyarrow (sqlite3 -> Arrow)"


def source_rows(shop_db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{shop_db}?mode=ro", uri=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SHOP_TABLES}  # noqa: S608


def _copy_with_scanner(con: duckdb.DuckDBPyConnection, shop_db: Path, ext: Path) -> None:
    con.execute(f"LOAD '{ext}'")
    con.execute(f"ATTACH '{shop_db}' AS shop (TYPE sqlite, READ_ONLY)")
    for table in SHOP_TABLES:
        con.execute(f"CREATE TABLE raw_shop.{table} AS SELECT * FROM shop.{table}")  # noqa: S608


def _copy_with_arrow(con: duckdb.DuckDBPyConnection, shop_db: Path) -> None:
    with sqlite3.connect(f"file:{shop_db}?mode=ro", uri=True) as src:
        for table in SHOP_TABLES:
            cursor = src.execute(f"SELECT * FROM {table}")  # noqa: S608
            names = [d[0] for d in cursor.description]
            created = False
            while rows := cursor.fetchmany(CHUNK):
                batch = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])
                con.register("batch", batch)
                verb = "INSERT INTO" if created else "CREATE TABLE"
                how = "BY NAME" if created else "AS"
                con.execute(f"{verb} raw_shop.{table} {how} SELECT * FROM batch")  # noqa: S608
                con.unregister("batch")
                created = True


def copy(shop_db: Path, destination: Path) -> Sample:
    """Copy the six shop tables into a fresh DuckDB file; measured."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.unlink(missing_ok=True)
    ext = sqlite_scanner_path()
    with measured() as sample, duckdb.connect(str(destination)) as con:
        con.execute("CREATE SCHEMA raw_shop")
        if ext is not None:
            _copy_with_scanner(con, shop_db, ext)
        else:
            _copy_with_arrow(con, shop_db)
        con.execute("CHECKPOINT")
    return sample
