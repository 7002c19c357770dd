"""The HTTP APIs over a real uvicorn server: auth, pagination, filters, ordering, concurrency."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx
import pytest

import simulator
from pytests.simulator.conftest import AUTH, TOKEN, fetch_all, rows
from simulator import server, store
from simulator.clock import iso_z

EVENT_KEYS = ["event_id", "received_at"]


def db_events(world: Path, where: str = "", params: tuple = ()) -> list[tuple[str, str]]:
    got = rows(
        world / store.API_DB,
        store.select(
            "events", ["event_id", "received_at"], f"{where} ORDER BY received_at, event_id"
        ),
        params,
    )
    return [(e, iso_z(r)) for e, r in got]


@pytest.mark.parametrize("limit", [97, 500, 5000])
def test_event_pages_cover_every_record_exactly_once_in_order(
    api: str, world: Path, limit: int
) -> None:
    records = fetch_all(f"{api}/api/v1/events", {"limit": limit})
    assert [(r["event_id"], r["received_at"]) for r in records] == db_events(world)


def test_event_records_have_the_contract_fields(api: str) -> None:
    body = httpx.get(f"{api}/api/v1/events", headers=AUTH).json()
    assert len(body["data"]) == 500  # default limit
    assert body["next"].startswith(f"{api}/api/v1/events?")
    for r in body["data"]:
        assert list(r) == store.EVENT_FIELDS
        assert r["occurred_at"].endswith("Z") and r["received_at"].endswith("Z")
        assert r["received_at"] >= r["occurred_at"]


def test_since_filters_events(api: str, world: Path) -> None:
    since = "2025-02-01T00:00:00Z"
    records = fetch_all(f"{api}/api/v1/events", {"since": since, "limit": 300})
    assert records and all(r["received_at"] >= "2025-02-01T00:00:00.000000Z" for r in records)
    assert [(r["event_id"], r["received_at"]) for r in records] == db_events(
        world, "WHERE received_at >= ?", (1738368000000000,)
    )


def test_campaigns_paginate_and_filter(api: str, world: Path) -> None:
    everything = fetch_all(f"{api}/api/v1/campaigns", {"limit": 3})
    db = rows(
        world / store.API_DB, "SELECT campaign_id FROM campaigns ORDER BY updated_at, campaign_id"
    )
    assert [r["campaign_id"] for r in everything] == [c for (c,) in db]
    assert list(everything[0]) == store.CAMPAIGN_FIELDS
    cutoff = everything[len(everything) // 2]["updated_at"]
    recent = fetch_all(f"{api}/api/v1/campaigns", {"updated_since": cutoff, "limit": 2})
    assert recent == [r for r in everything if r["updated_at"] >= cutoff]


def test_ad_spend_paginates_and_filters_by_date(api: str, world: Path) -> None:
    everything = fetch_all(f"{api}/api/v1/ad_spend", {"limit": 50})
    db = rows(
        world / store.API_DB, "SELECT date, campaign_id FROM ad_spend ORDER BY date, campaign_id"
    )
    assert [(r["date"], r["campaign_id"]) for r in everything] == db
    assert list(everything[0]) == store.AD_SPEND_FIELDS
    recent = fetch_all(f"{api}/api/v1/ad_spend", {"since": "2025-02-01", "limit": 7})
    assert recent == [r for r in everything if r["date"] >= "2025-02-01"]
    assert {r["date"] for r in recent} == {"2025-02-01", "2025-02-02"}


def test_concurrent_clients_get_identical_results(api: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: fetch_all(f"{api}/api/v1/events", {"limit": 400}), range(4))
        )
    assert all(r == results[0] for r in results[1:])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "dev-token"},
        {"Authorization": "Basic dev-token"},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/campaigns", "/api/v1/ad_spend"])
def test_missing_or_wrong_token_is_401(api: str, path: str, headers: dict) -> None:
    r = httpx.get(f"{api}{path}", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 0}, 422),
        ({"limit": 5001}, 422),
        ({"limit": 5000}, 200),
        ({"cursor": "garbage"}, 400),
        ({"since": "yesterday"}, 400),
    ],
)
def test_bad_parameters_are_rejected(api: str, params: dict, status: int) -> None:
    assert httpx.get(f"{api}/api/v1/events", params=params, headers=AUTH).status_code == status


def test_last_page_has_null_next(api: str) -> None:
    body = httpx.get(
        f"{api}/api/v1/events", params={"since": "2025-02-02T18:00:00Z"}, headers=AUTH
    ).json()
    assert 0 < len(body["data"]) < 500 and body["next"] is None


def test_openapi_describes_the_endpoints(api: str) -> None:
    spec = httpx.get(f"{api}/openapi.json").json()
    assert {"/api/v1/events", "/api/v1/campaigns", "/api/v1/ad_spend"} <= set(spec["paths"])


def test_token_comes_from_the_environment(generated: Path) -> None:
    with server.running(generated, token="s3cret") as url:
        assert httpx.get(f"{url}/api/v1/campaigns", headers=AUTH).status_code == 401
        ok = httpx.get(f"{url}/api/v1/campaigns", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_a_running_server_serves_days_added_later_without_skips_or_repeats(
    world_copy: Path,
) -> None:
    with server.running(world_copy) as url, httpx.Client(headers=AUTH) as client:
        seen: list[tuple[str, str]] = []
        body = client.get(f"{url}/api/v1/events", params={"limit": 1000}).json()
        seen += [(r["event_id"], r["received_at"]) for r in body["data"]]
        simulator.advance(world_copy, 1)  # new data arrives while the client is paging
        nxt = body["next"]
        while nxt:
            body = client.get(nxt).json()
            seen += [(r["event_id"], r["received_at"]) for r in body["data"]]
            nxt = body["next"]
        assert seen == db_events(world_copy)
        assert max(r for _, r in seen) >= "2025-01-31"
        health = client.get(f"{url}/health").json()
        assert health["current_date"] == "2025-02-01"


LIST_ENDPOINTS = [
    ("events", "since", "2999-01-01T00:00:00Z"),
    ("campaigns", "updated_since", "2999-01-01T00:00:00Z"),
    ("ad_spend", "since", "2999-01-01"),
]


@pytest.mark.parametrize(("endpoint", "param", "after_newest"), LIST_ENDPOINTS)
def test_a_filter_past_the_newest_row_answers_an_empty_page(
    api: str, endpoint: str, param: str, after_newest: str
) -> None:
    r = httpx.get(f"{api}/api/v1/{endpoint}", params={param: after_newest}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": [], "next": None}


@pytest.mark.parametrize(("endpoint", "param", "after_newest"), LIST_ENDPOINTS)
def test_an_empty_table_answers_an_empty_page(
    world_copy: Path, endpoint: str, param: str, after_newest: str
) -> None:
    with closing(sqlite3.connect(world_copy / store.API_DB)) as conn, conn:
        conn.execute(f"DELETE FROM {endpoint}")  # noqa: S608 - constant table names
    with server.running(world_copy, token=TOKEN) as url:
        for params in ({}, {param: after_newest}, {"limit": 1}):
            r = httpx.get(f"{url}/api/v1/{endpoint}", params=params, headers=AUTH)
            assert r.status_code == 200, r.text
            assert r.json() == {"data": [], "next": None}
