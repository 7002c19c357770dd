"""The erasure suppression list on the events feed's Arrow path: suppressed people stay out of
`raw_web.events`, everyone else is loaded."""

from __future__ import annotations

import datetime as dt

import duckdb

from governance import pii, tables


def _suppress(warehouse, kind: str, token: str) -> None:
    with duckdb.connect(str(warehouse)) as conn:
        for statement in tables.DDL:
            conn.execute(statement)
        conn.execute(
            f"INSERT INTO {tables.SUPPRESSION_LIST} VALUES (?, ?, ?, 'test', ?)",  # noqa: S608
            [kind, token, pii.key_fingerprint(), dt.datetime.now(dt.UTC)],
        )


def test_suppressed_people_stay_out_of_events(warehouse, ingest, api_server, oracle):
    with api_server() as url:
        events = oracle.api_records(url, "events")
        customer_id = next(e["customer_id"] for e in events if e["customer_id"] is not None)
        # an anonymous visitor: suppressed by anonymous_id only where no customer_id is set
        anonymous_id = next(e["anonymous_id"] for e in events if e["customer_id"] is None)
        _suppress(warehouse, "customer_id", pii.customer_token(customer_id))
        _suppress(warehouse, "anonymous_id", pii.anonymous_token(anonymous_id))
        report = ingest(url, sources=("web",))

    def dropped(e: dict) -> bool:
        if e["customer_id"] is not None:
            return e["customer_id"] == customer_id
        return e["anonymous_id"] == anonymous_id

    expected = {e["event_id"] for e in events if not dropped(e)}
    assert len(expected) < len({e["event_id"] for e in events})
    loaded = {event_id for (event_id,) in oracle.query("SELECT event_id FROM raw_web.events")}
    assert loaded == expected
    assert report.rows_loaded["raw_web.events"] == len(expected)
