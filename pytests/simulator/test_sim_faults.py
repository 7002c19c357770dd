"""Each API fault fires (deterministically) when switched on, and never when off."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pytests.simulator.conftest import AUTH
from simulator import server
from simulator.faults import Faults

ENDPOINTS = ["/api/v1/events", "/api/v1/campaigns", "/api/v1/ad_spend"]


def statuses(url: str, n: int, path: str = "/api/v1/campaigns") -> list[int]:
    with httpx.Client(headers=AUTH) as client:
        return [client.get(f"{url}{path}", params={"limit": 5}).status_code for _ in range(n)]


def test_no_fault_fires_when_off(api: str) -> None:
    with httpx.Client(headers=AUTH) as client:
        for i in range(12):
            path = ENDPOINTS[i % 3]
            r = client.get(f"{api}{path}", params={"limit": 50})
            assert r.status_code == 200
            for rec in r.json()["data"]:
                assert (
                    "consent_status" not in rec
                    and "objective" not in rec
                    and "conversions" not in rec
                )
                if path.endswith("events"):
                    dt.datetime.fromisoformat(rec["occurred_at"])
                    assert rec["customer_id"] is None or isinstance(rec["customer_id"], int)
                elif path.endswith("campaigns"):
                    assert isinstance(rec["daily_budget"], float)
                else:
                    assert isinstance(rec["spend"], float)


def test_rate_limit_every_nth_request_with_retry_after(generated: Path) -> None:
    with server.running(
        generated, thread=True, faults=Faults(frozenset({"rate_limit"}), every=3, retry_after=2)
    ) as url:
        with httpx.Client(headers=AUTH) as client:
            got = [client.get(f"{url}/api/v1/events", params={"limit": 1}) for _ in range(6)]
        assert [r.status_code for r in got] == [200, 200, 429, 200, 200, 429]
        assert got[2].headers["retry-after"] == "2"
        assert httpx.get(f"{url}/health").status_code == 200  # health is never faulted


def test_server_errors_are_intermittent(generated: Path) -> None:
    with server.running(
        generated, thread=True, faults=Faults(frozenset({"server_error"}), every=3)
    ) as url:
        assert statuses(url, 6) == [200, 200, 500, 200, 200, 503]


def test_rate_limit_and_server_error_together_hit_different_requests(generated: Path) -> None:
    with server.running(generated, thread=True, faults="rate_limit,server_error") as url:  # every 5
        got = statuses(url, 10)
    assert got == [200, 200, 200, 200, 429, 200, 500, 200, 200, 429]


def test_outage_fails_every_request(generated: Path) -> None:
    with server.running(generated, thread=True, faults="outage") as url:
        for path in ENDPOINTS:
            assert statuses(url, 3, path) == [503] * 3
        assert httpx.get(f"{url}/health").status_code == 200


def test_slow_responses(generated: Path) -> None:
    with (
        server.running(
            generated, thread=True, faults=Faults(frozenset({"slow"}), every=2, slow_seconds=1.5)
        ) as url,
        httpx.Client(headers=AUTH, timeout=10) as client,
    ):
        took = []
        for _ in range(2):
            t0 = time.monotonic()
            assert client.get(f"{url}/api/v1/campaigns").status_code == 200
            took.append(time.monotonic() - t0)
    assert took[0] < 1.0 and took[1] >= 1.5


def test_malformed_records(generated: Path) -> None:
    with (
        server.running(
            generated, thread=True, faults=Faults(frozenset({"malformed"}), every=2)
        ) as url,
        httpx.Client(headers=AUTH) as client,
    ):

        def first(path: str) -> dict:
            return client.get(f"{url}{path}", params={"limit": 3}).json()["data"][0]

        assert isinstance(first("/api/v1/events")["customer_id"], int | None)  # request 1: clean
        assert first("/api/v1/events")["customer_id"] == "abc"  # request 2
        clean = client.get(f"{url}/api/v1/events", params={"limit": 3}).json()["data"]  # 3
        assert all(r["occurred_at"] != "not-a-timestamp" for r in clean)
        bad = client.get(f"{url}/api/v1/events", params={"limit": 3}).json()["data"]  # 4
        assert bad[0]["occurred_at"] == "not-a-timestamp"
        assert bad[1]["occurred_at"] != "not-a-timestamp"  # only one record per page
        first("/api/v1/campaigns")  # 5
        assert first("/api/v1/campaigns")["daily_budget"] == "n/a"  # 6
        first("/api/v1/ad_spend")  # 7
        assert first("/api/v1/ad_spend")["spend"] == "n/a"  # 8


def test_schema_drift_adds_fields(generated: Path) -> None:
    with (
        server.running(generated, thread=True, faults="drift") as url,
        httpx.Client(headers=AUTH) as client,
    ):
        events = client.get(f"{url}/api/v1/events").json()["data"]
        campaigns = client.get(f"{url}/api/v1/campaigns").json()["data"]
        spend = client.get(f"{url}/api/v1/ad_spend").json()["data"]
    assert {r["consent_status"] for r in events} == {"granted", "denied"}
    assert all(r["objective"] in {"awareness", "conversions"} for r in campaigns)
    assert all(isinstance(r["conversions"], int) for r in spend)


def test_faults_can_be_switched_on_by_environment(generated: Path, tmp_path: Path) -> None:
    port = server.free_port()
    env = {
        **os.environ,
        "SIM_FAULTS": "outage",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    err = tmp_path / "stderr"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--dir", str(generated), "--port", str(port)],
        env=env,
        stderr=err.open("wb"),
    )
    try:
        with err.open("rb") as f:
            server._wait_until_up(proc, f"http://127.0.0.1:{port}", 30, f)
        assert statuses(f"http://127.0.0.1:{port}", 2) == [503, 503]
    finally:
        proc.terminate()
        proc.wait(10)


def test_unknown_fault_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse("rate_limit,meteor_strike")
