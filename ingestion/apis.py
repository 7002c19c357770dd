"""The events and marketing HTTP APIs -> `raw_web` and `raw_marketing`, with dlt's `rest_api`.

Each endpoint is a declarative `rest_api` resource (the "feed": bearer auth, `next`-link
pagination, incremental cursor in dlt state bound to the endpoint's filter parameter). A
processing step type-checks every record before the incremental step sees it: good records get
their typed values, bad ones become `Rejected` markers without a cursor field, which the
incremental passes through (`on_cursor_value_missing="include"`) without moving the cursor. The
feed itself is not loaded; two transformers split its pages into the raw table and
`_quarantine`, so both land in the same load package as the cursor. The raw table gets one Arrow
table per page: dlt writes it to parquet as it is, where record dicts would go through dlt's
JSON normaliser (measured ~2,200 events per CPU-second) and insert statements.

Retries (429 honouring Retry-After, 5xx, timeouts, dropped connections) with exponential backoff
come from dlt's requests client, configured by the `[runtime]` http settings in config.toml.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import dlt
import orjson
import pyarrow as pa
from dlt.common.configuration.resolve import resolve_configuration
from dlt.common.configuration.specs import RuntimeConfiguration
from dlt.common.normalizers.json.helpers import get_row_hash
from dlt.common.schema.utils import dlt_id_column, dlt_load_id_column
from dlt.sources.helpers.requests import Client
from dlt.sources.rest_api import rest_api_resources

from ingestion.quarantine import quarantine_hints, quarantine_row, record_json

# ad spend of the last 3 days is restated (contract); re-read from 3 days before the cursor
RESTATEMENT_DAYS = 3
LOADED_AT = "_loaded_at"
DLT_LOAD_ID, DLT_ID = "_dlt_load_id", "_dlt_id"
# the Arrow types of the checked fields: what dlt's JSON path gave them on DuckDB and Postgres
ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "decimal": pa.decimal128(38, 9),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

# field -> (dlt data type, required): the critical fields whose type is checked
FieldTypes = dict[str, tuple[str, bool]]


@dataclass(frozen=True)
class Feed:
    table: str
    path: str
    cursor: str  # record field the incremental cursor follows
    param: str  # request parameter the cursor is sent in
    to_param: Callable[[dt.datetime | None], str | None]
    fields: FieldTypes
    primary_key: tuple[str, ...]
    write_disposition: dict[str, str]
    first_delivery_wins: bool = False  # drop repeats of a key within a run


def _iso_z(cursor: dt.datetime | None) -> str | None:
    if cursor is None:
        return None
    return cursor.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _restatement_window(cursor: dt.datetime | None) -> str | None:
    """A row restated after the cursor has `date >= date(updated_at) - 3 days`."""
    if cursor is None:
        return None
    return (cursor.astimezone(dt.UTC).date() - dt.timedelta(days=RESTATEMENT_DAYS)).isoformat()


# delete-insert de-duplicates the staged rows by key, so a load job that dlt replays after a
# crash can not double rows; the newest `updated_at` wins
LATEST_WINS = {"disposition": "merge", "strategy": "delete-insert"}

EVENTS = Feed(
    table="events",
    path="/api/v1/events",
    cursor="received_at",
    param="since",
    to_param=_iso_z,
    fields={
        "event_id": ("text", True),
        "event_type": ("text", True),
        "anonymous_id": ("text", False),
        "customer_id": ("bigint", False),
        "session_id": ("text", False),
        "page": ("text", False),
        "product_id": ("bigint", False),
        "order_id": ("bigint", False),
        "utm_source": ("text", False),
        "utm_medium": ("text", False),
        "utm_campaign": ("text", False),
        "device": ("text", False),
        "country": ("text", False),
        "occurred_at": ("timestamp", True),
        "received_at": ("timestamp", True),
    },
    primary_key=("event_id",),
    # a duplicate delivery never replaces the first one (crash replays: see replays.py)
    write_disposition={"disposition": "merge", "strategy": "insert-only"},
    first_delivery_wins=True,
)
CAMPAIGNS = Feed(
    table="campaigns",
    path="/api/v1/campaigns",
    cursor="updated_at",
    param="updated_since",
    to_param=_iso_z,
    fields={
        "campaign_id": ("bigint", True),
        "name": ("text", True),
        "channel": ("text", True),
        "utm_source": ("text", False),
        "utm_medium": ("text", False),
        "utm_campaign": ("text", True),
        "status": ("text", True),
        "start_date": ("date", True),
        "end_date": ("date", False),
        "daily_budget": ("decimal", True),
        "currency": ("text", True),
        "created_at": ("timestamp", True),
        "updated_at": ("timestamp", True),
    },
    primary_key=("campaign_id",),
    write_disposition=LATEST_WINS,
)
AD_SPEND = Feed(
    table="ad_spend",
    path="/api/v1/ad_spend",
    # rows change only through restatement, which sets updated_at: the cursor follows it and the
    # request re-reads the restatement window, so unchanged rows are filtered, not rewritten
    cursor="updated_at",
    param="since",
    to_param=_restatement_window,
    fields={
        "date": ("date", True),
        "campaign_id": ("bigint", True),
        "channel": ("text", True),
        "impressions": ("bigint", True),
        "clicks": ("bigint", True),
        "spend": ("decimal", True),
        "currency": ("text", True),
        "updated_at": ("timestamp", True),
    },
    primary_key=("date", "campaign_id"),
    write_disposition=LATEST_WINS,
)
FEEDS = {"web": (EVENTS,), "marketing": (CAMPAIGNS, AD_SPEND)}


class Rejected(dict[str, Any]):
    """A record that failed its type checks; empty as a dict, so it carries no cursor value."""

    def __init__(self, record: dict[str, Any], reason: str) -> None:
        super().__init__()
        self.record = record
        self.reason = reason


def _parse(value: Any, data_type: str) -> Any:
    """The typed value, or raise ValueError when `value` is not of `data_type`."""
    if data_type == "text":
        if isinstance(value, str):
            return value
    elif data_type == "bigint":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif data_type == "decimal":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Decimal(str(value))
        if isinstance(value, str):
            try:
                number = Decimal(value)
            except InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
    elif data_type == "timestamp":
        if isinstance(value, str) and len(value) >= 19:
            parsed = dt.datetime.fromisoformat(value)
            return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed
    elif data_type == "date" and isinstance(value, str) and len(value) == 10:
        return dt.date.fromisoformat(value)
    raise ValueError


# JSON values that `_parse` returns unchanged (`type() is`: a bool is no bigint)
PASS_THROUGH: dict[str, type] = {"text": str, "bigint": int}


def check_record(feed: Feed, record: dict[str, Any]) -> dict[str, Any]:
    """The record with typed critical fields, or `Rejected` with every failing field."""
    typed = dict(record)
    problems = []
    for name, (data_type, required) in feed.fields.items():
        value = record.get(name)
        if value is None:
            if required:
                problems.append(f"{name}: required, missing")
            continue
        if type(value) is PASS_THROUGH.get(data_type):  # already typed: most fields of a page
            continue
        try:
            typed[name] = _parse(value, data_type)
        except ValueError:
            problems.append(f"{name}: expected {data_type}, got {value!r:.80}")
    return Rejected(record, "; ".join(problems)) if problems else typed


def _columns(feed: Feed) -> dict[str, dict[str, Any]]:
    columns: dict[str, dict[str, Any]] = {
        name: {"data_type": data_type, "nullable": not required}
        for name, (data_type, required) in feed.fields.items()
    }
    for column in columns.values():
        if column["data_type"] == "timestamp":
            column["timezone"] = True
    if feed.write_disposition is LATEST_WINS:
        columns[feed.cursor]["dedup_sort"] = "desc"
    columns[LOADED_AT] = {"data_type": "timestamp", "timezone": True, "nullable": True}
    # dlt's own columns, in the order its JSON normaliser created them
    columns[DLT_LOAD_ID] = dlt_load_id_column()
    columns[DLT_ID] = dlt_id_column()
    return columns


def _arrow_fields(feed: Feed) -> pa.Schema:
    return pa.schema(
        pa.field(name, ARROW_TYPES[data_type], nullable=not required)
        for name, (data_type, required) in feed.fields.items()
    )


def _inferred(values: list[Any]) -> pa.Array:
    """A column of new fields (schema drift): Arrow's inferred type, text when the types mix."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        as_text = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        return pa.array(as_text, pa.string())


def to_arrow(
    feed: Feed, fields: pa.Schema, rows: list[dict[str, Any]], loaded_at: dt.datetime
) -> pa.Table:
    """Checked records as one table: typed contract fields, then new fields, `_loaded_at`,
    `_dlt_load_id` and `_dlt_id` (dlt's hash of the primary key: the id its JSON normaliser
    gives insert-only rows)."""
    table = pa.Table.from_pylist(rows, schema=fields)
    for name in sorted(set().union(*rows).difference(fields.names)):
        table = table.append_column(name, _inferred([r.get(name) for r in rows]))
    loaded = pa.repeat(pa.scalar(loaded_at, ARROW_TYPES["timestamp"]), len(rows))
    load_id = pa.repeat(pa.scalar(dlt.current.load_package_state()["load_id"]), len(rows))
    key = list(feed.primary_key)
    ids = pa.array([get_row_hash(r, subset=key) for r in rows], pa.string())
    # `_dlt_load_id` before `_dlt_id`, as the JSON normaliser ordered them (dlt sets its value);
    # both not null, as dlt declares them: a differing hint makes dlt warn on every page
    table = table.append_column(LOADED_AT, loaded)
    table = table.append_column(pa.field(DLT_LOAD_ID, pa.string(), nullable=False), load_id)
    return table.append_column(pa.field(DLT_ID, pa.string(), nullable=False), ids)


def http_session() -> Any:
    """dlt's retrying requests session with the `[runtime]` http settings of config.toml.

    rest_api would otherwise build its client with dlt's built-in defaults.
    """
    client = Client(raise_for_status=False)
    client.update_from_config(resolve_configuration(RuntimeConfiguration()))
    client.session.hooks["response"].append(_decode_json_once)
    return client.session


def _decode_json_once(response: Any, *args: Any, **kwargs: Any) -> Any:
    """Make `response.json()` decode the body once, with orjson.

    rest_api decodes every page twice (the paginator reads the next link, then the data
    selector), each time with requests' simplejson: on the events feed that was a fifth of the
    ingestion's CPU. A body that is not JSON still raises a ValueError when it is read.
    """
    decoded: list[Any] = []

    def json(**_: Any) -> Any:
        if not decoded:
            decoded.append(orjson.loads(response.content))
        return decoded[0]

    response.json = json
    return response


def _rest_config(feed: Feed, base_url: str, token: str, page_size: int) -> dict[str, Any]:
    return {
        "client": {
            "base_url": base_url,
            "auth": {"type": "bearer", "token": token},
            "paginator": {"type": "json_link", "next_url_path": "next"},
            "session": http_session(),
        },
        "resources": [
            {
                "name": f"{feed.table}_feed",
                "selected": False,
                "primary_key": list(feed.primary_key),
                "endpoint": {
                    "path": feed.path,
                    "params": {"limit": page_size},
                    "data_selector": "data",
                    "incremental": {
                        "cursor_path": feed.cursor,
                        "start_param": feed.param,
                        "convert": feed.to_param,
                        "on_cursor_value_missing": "include",
                    },
                },
                "processing_steps": [{"map": partial(check_record, feed)}],
            }
        ],
    }


def _split(feed: Feed, feed_resource: Any, loaded_at: dt.datetime) -> Iterator[Any]:
    seen: set[tuple[Any, ...]] = set()
    fields = _arrow_fields(feed)

    @dlt.transformer(
        data_from=feed_resource,
        name=feed.table,
        write_disposition=feed.write_disposition,
        primary_key=list(feed.primary_key),
        columns=_columns(feed),
    )
    def accepted(page: list[dict[str, Any]]) -> Iterator[pa.Table]:
        rows = []
        for record in page:
            if isinstance(record, Rejected):
                continue
            if feed.first_delivery_wins:
                key = tuple(record[k] for k in feed.primary_key)
                if key in seen:
                    continue
                seen.add(key)
            rows.append(record)
        if rows:
            yield to_arrow(feed, fields, rows, loaded_at)

    @dlt.transformer(data_from=feed_resource, name=f"{feed.table}_quarantine", **quarantine_hints())
    def rejected(page: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        rows = [
            quarantine_row(feed.table, record_json(r.record), r.reason, loaded_at)
            for r in page
            if isinstance(r, Rejected)
        ]
        if rows:
            yield rows

    yield accepted
    yield rejected


def api_source(name: str, base_url: str, token: str, page_size: int, loaded_at: dt.datetime) -> Any:
    """The `web` or `marketing` source: each feed and its two transformers."""

    @dlt.source(name=name)
    def source() -> Iterator[Any]:
        for feed in FEEDS[name]:
            config = _rest_config(feed, base_url, token, page_size)
            (feed_resource,) = rest_api_resources(config)
            yield feed_resource
            yield from _split(feed, feed_resource, loaded_at)

    return source()
