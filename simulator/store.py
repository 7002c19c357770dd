"""Files of a simulated world and their schemas.

<dir>/shop.sqlite      the shop OLTP database (the source contract's tables, nothing else)
<dir>/api.sqlite       what the HTTP APIs serve: events, campaigns, ad_spend (timestamps as int µs)
<dir>/internal.sqlite  simulator-only bookkeeping: entity version history, open-order plans,
                       events not yet delivered (received_at in the future)
<dir>/state.json       preset, seed, simulated clock, id counters

All SQLite files use WAL so the API server (and ingestion) can read while `advance` writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

SHOP_DB = "shop.sqlite"
API_DB = "api.sqlite"
INTERNAL_DB = "internal.sqlite"

SHOP_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("customer_id", "INTEGER PRIMARY KEY"),
        ("email", "VARCHAR(255) NOT NULL"),
        ("first_name", "VARCHAR(100)"),
        ("last_name", "VARCHAR(100)"),
        ("phone", "VARCHAR(40)"),
        ("street_address", "VARCHAR(255)"),
        ("city", "VARCHAR(100)"),
        ("postal_code", "VARCHAR(20)"),
        ("country", "VARCHAR(2)"),
        ("marketing_opt_in", "BOOLEAN NOT NULL"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
        ("deleted_at", "DATETIME"),
    ],
    "categories": [
        ("category_id", "INTEGER PRIMARY KEY"),
        ("name", "VARCHAR(100) NOT NULL"),
        ("parent_category_id", "INTEGER"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
    ],
    "products": [
        ("product_id", "INTEGER PRIMARY KEY"),
        ("sku", "VARCHAR(40) NOT NULL"),
        ("name", "VARCHAR(255) NOT NULL"),
        ("brand", "VARCHAR(100)"),
        ("category_id", "INTEGER NOT NULL"),
        ("list_price", "NUMERIC(12, 2) NOT NULL"),
        ("currency", "VARCHAR(3) NOT NULL"),
        ("is_active", "BOOLEAN NOT NULL"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
    ],
    "orders": [
        ("order_id", "INTEGER PRIMARY KEY"),
        ("order_number", "VARCHAR(32) NOT NULL"),
        ("customer_id", "INTEGER NOT NULL"),
        ("ordered_at", "DATETIME NOT NULL"),
        ("status", "VARCHAR(20) NOT NULL"),
        ("channel", "VARCHAR(20) NOT NULL"),
        ("currency", "VARCHAR(3) NOT NULL"),
        ("subtotal_amount", "NUMERIC(12, 2) NOT NULL"),
        ("discount_amount", "NUMERIC(12, 2) NOT NULL"),
        ("shipping_amount", "NUMERIC(12, 2) NOT NULL"),
        ("tax_amount", "NUMERIC(12, 2) NOT NULL"),
        ("total_amount", "NUMERIC(12, 2) NOT NULL"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
    ],
    "order_items": [
        ("order_item_id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL"),
        ("product_id", "INTEGER NOT NULL"),
        ("quantity", "INTEGER NOT NULL"),
        ("unit_price", "NUMERIC(12, 2) NOT NULL"),
        ("discount_amount", "NUMERIC(12, 2) NOT NULL"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
    ],
    "payments": [
        ("payment_id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL"),
        ("method", "VARCHAR(20) NOT NULL"),
        ("status", "VARCHAR(20) NOT NULL"),
        ("amount", "NUMERIC(12, 2) NOT NULL"),
        ("currency", "VARCHAR(3) NOT NULL"),
        ("created_at", "DATETIME NOT NULL"),
        ("updated_at", "DATETIME NOT NULL"),
    ],
}
SHOP_TABLES = list(SHOP_COLUMNS)
PRIMARY_KEYS = {t: cols[0][0] for t, cols in SHOP_COLUMNS.items()}
# schema drift added by `advance --drift`
DRIFT_TABLE, DRIFT_COLUMN, DRIFT_TYPE = "customers", "loyalty_tier", "VARCHAR(20)"
DRIFT_DDL = "ALTER TABLE customers ADD COLUMN loyalty_tier VARCHAR(20)"

_EVENT_COLUMNS = """
    event_id TEXT NOT NULL, event_type TEXT NOT NULL, anonymous_id TEXT, customer_id INTEGER,
    session_id TEXT, page TEXT, product_id INTEGER, order_id INTEGER, utm_source TEXT,
    utm_medium TEXT, utm_campaign TEXT, device TEXT, country TEXT,
    occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL"""
EVENT_FIELDS = [
    "event_id",
    "event_type",
    "anonymous_id",
    "customer_id",
    "session_id",
    "page",
    "product_id",
    "order_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "device",
    "country",
    "occurred_at",
    "received_at",
]
CAMPAIGN_FIELDS = [
    "campaign_id",
    "name",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "status",
    "start_date",
    "end_date",
    "daily_budget",
    "currency",
    "created_at",
    "updated_at",
]
AD_SPEND_FIELDS = [
    "date",
    "campaign_id",
    "channel",
    "impressions",
    "clicks",
    "spend",
    "currency",
    "updated_at",
]

API_DDL = [
    # clustered on the pagination key, so a page is one contiguous range scan
    f"CREATE TABLE events ({_EVENT_COLUMNS}, PRIMARY KEY (received_at, event_id)) WITHOUT ROWID",
    """CREATE TABLE campaigns (campaign_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
        channel TEXT NOT NULL, utm_source TEXT, utm_medium TEXT, utm_campaign TEXT NOT NULL,
        status TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT, daily_budget REAL NOT NULL,
        currency TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)""",
    """CREATE TABLE ad_spend (date TEXT NOT NULL, campaign_id INTEGER NOT NULL,
        channel TEXT NOT NULL, impressions INTEGER NOT NULL, clicks INTEGER NOT NULL,
        spend REAL NOT NULL, currency TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (date, campaign_id))""",
]

API_INDEXES = ["CREATE INDEX ix_campaigns_updated_at ON campaigns (updated_at, campaign_id)"]

INTERNAL_DDL = [
    # every version of a customer / product, valid from `valid_from` (µs) until the next version
    """CREATE TABLE customer_history (customer_id INTEGER NOT NULL, version INTEGER NOT NULL,
        valid_from INTEGER NOT NULL, change TEXT NOT NULL, email TEXT, first_name TEXT,
        last_name TEXT, phone TEXT, street_address TEXT, city TEXT, postal_code TEXT,
        country TEXT, marketing_opt_in INTEGER, deleted_at INTEGER,
        PRIMARY KEY (customer_id, version))""",
    """CREATE TABLE product_history (product_id INTEGER NOT NULL, version INTEGER NOT NULL,
        valid_from INTEGER NOT NULL, change TEXT NOT NULL, sku TEXT, name TEXT, brand TEXT,
        category_id INTEGER, list_price REAL, is_active INTEGER, deleted INTEGER NOT NULL,
        PRIMARY KEY (product_id, version))""",
    # demand weight of a product and whether it has ever been sold (hard-delete candidates)
    """CREATE TABLE product_meta (product_id INTEGER PRIMARY KEY, popularity REAL NOT NULL,
        sold INTEGER NOT NULL)""",
    # future lifecycle of orders that are not final yet (timestamps in µs, NULL = never)
    """CREATE TABLE order_plan (order_id INTEGER PRIMARY KEY, payment_id INTEGER NOT NULL,
        ordered_at INTEGER NOT NULL, paid_at INTEGER, shipped_at INTEGER, delivered_at INTEGER,
        cancelled_at INTEGER, returned_at INTEGER)""",
    f"CREATE TABLE pending_events ({_EVENT_COLUMNS})",
]
INTERNAL_INDEXES = ["CREATE INDEX ix_pending_events_received_at ON pending_events (received_at)"]


def shop_ddl() -> list[str]:
    stmts = []
    for table, cols in SHOP_COLUMNS.items():
        body = ", ".join(f"{name} {decl}" for name, decl in cols)
        stmts.append(f"CREATE TABLE {table} ({body})")
    return stmts


SHOP_INDEXES = [f"CREATE INDEX ix_{t}_updated_at ON {t} (updated_at)" for t in SHOP_COLUMNS]


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create(path: Path, ddl: Iterable[str]) -> sqlite3.Connection:
    """A new database in bulk-load mode (no journal, big cache) inside an open transaction;
    `finish` it to add the indexes and switch to WAL."""
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    for stmt in ddl:
        conn.execute(stmt)
    return conn


def finish(conn: sqlite3.Connection, indexes: Iterable[str]) -> None:
    """Build indexes after the bulk load (much faster than maintaining them), commit, use WAL."""
    for stmt in indexes:
        conn.execute(stmt)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def select(table: str, columns: Sequence[str], tail: str = "") -> str:
    """SELECT of constant identifiers; values always go into `?` parameters of `tail`."""
    return f"SELECT {', '.join(columns)} FROM {table} {tail}"  # noqa: S608 - identifiers only


def insert(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
) -> None:
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - identifiers only
    conn.executemany(sql, rows)


def insert_columns(conn: sqlite3.Connection, table: str, data: dict[str, object]) -> None:
    """Insert column arrays (numpy arrays or lists, all the same length)."""
    cols = [v.tolist() if hasattr(v, "tolist") else v for v in data.values()]
    insert(conn, table, list(data), zip(*cols, strict=True))
