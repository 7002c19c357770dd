"""The HTTP APIs (events, campaigns, ad_spend) over `<dir>/api.sqlite`.

Every request opens the store read-only, so a running server serves whatever `advance` has
committed since it started. Pagination is keyset-based on the endpoint's sort key: a page's
`next` link carries the last key seen, so pages never skip or repeat while data is appended.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from . import store
from .clock import iso_z, parse_iso
from .faults import Faults, add_drift, corrupt
from .state import State

DEFAULT_LIMIT, MAX_LIMIT = 500, 5000
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(description="opaque position from a previous page's `next`")]


def _encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, types: tuple[type, ...]) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if len(key) != len(types) or not all(
            isinstance(k, t) for k, t in zip(key, types, strict=True)
        ):
            raise ValueError
    except ValueError:
        raise HTTPException(400, "invalid cursor") from None
    return key


def _iso_z_column(values: list[int]) -> list[str]:
    """`clock.iso_z` of a whole column at once (numpy), for pages of thousands of records."""
    text = np.datetime_as_string(np.asarray(values, dtype="datetime64[us]"), unit="us")
    return [f"{t}Z" for t in text.tolist()]


def _json(body: dict) -> Response:
    """The page as JSON, encoded by orjson: FastAPI's own encoding of a returned dict validates
    and converts every value in Python (the events feed serves pages of 5,000 records)."""
    return Response(orjson.dumps(body), media_type="application/json")


def _parse_since(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise HTTPException(400, f"invalid {name}: expected an ISO-8601 timestamp") from None


def create_app(directory: Path, faults: Faults | None = None, token: str | None = None) -> FastAPI:
    faults = faults or Faults()
    token = token or os.environ.get("SIM_API_TOKEN") or "dev-token"
    app = FastAPI(
        title="Simulated retailer APIs",
        version="1",
        description="Events (clickstream) and marketing (campaigns, ad spend) of the simulated "
        "shop. Bearer-token auth; cursor pagination via the absolute `next` link.",
    )
    counter = {"n": 0}
    lock = threading.Lock()

    @app.middleware("http")
    async def inject_faults(request: Request, call_next: Callable):
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        with lock:
            counter["n"] += 1
            n = counter["n"]
        request.state.request_number = n
        delay = faults.delay_for(n)
        if delay:
            await asyncio.sleep(delay)
        status = faults.status_for(n)
        if status == 429:
            return JSONResponse(
                {"detail": "rate limited"}, 429, headers={"Retry-After": str(faults.retry_after)}
            )
        if status:
            headers = {"Retry-After": str(faults.retry_after)} if status == 503 else {}
            return JSONResponse({"detail": "simulated server error"}, status, headers=headers)
        return await call_next(request)

    def authorize(request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            raise HTTPException(
                401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    def query(sql: str, params: tuple) -> list[tuple]:
        conn = store.connect(directory / store.API_DB, readonly=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def page(
        request: Request, endpoint: str, records: list[dict], limit: int, last_key: list[Any] | None
    ) -> dict:
        n = request.state.request_number
        if records and faults.corrupts(n):
            corrupt(endpoint, records[0], n, faults.every)
        if faults.drift:
            for r in records:
                add_drift(endpoint, r)
        nxt = None
        if last_key is not None:
            nxt = str(
                request.url.include_query_params(cursor=_encode_cursor(last_key), limit=limit)
            )
        return {"data": records, "next": nxt}

    auth = [Depends(authorize)]

    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        st = State.load(directory)
        return {"status": "ok", "preset": st.preset, "current_date": st.current_date}

    def keyset_page(
        request: Request,
        table: str,
        fields: tuple[str, ...],
        key: tuple[str, ...],
        key_types: tuple[type, ...],
        lower: tuple[str, Any] | None,
        cursor: str | None,
        limit: int,
        timestamp_fields: tuple[str, ...],
    ) -> Response:
        """One page of `table` in `key` order after the cursor (keyset pagination: stable while
        rows are appended); one extra row is read to know whether another page follows."""
        where, params = ["1 = 1"], []
        if lower is not None:
            where.append(f"{lower[0]} >= ?")
            params.append(lower[1])
        if cursor:
            where.append(f"({', '.join(key)}) > ({', '.join('?' for _ in key)})")
            params += _decode_cursor(cursor, key_types)
        rows = query(
            store.select(
                table, fields, f"WHERE {' AND '.join(where)} ORDER BY {', '.join(key)} LIMIT ?"
            ),
            (*params, limit + 1),
        )
        # Column-wise for the timestamp conversion; an empty page still has one (empty) column
        # per field, so it answers `{"data": [], "next": null}` like any other page.
        columns = [list(column) for column in zip(*rows[:limit], strict=True)] or [
            [] for _ in fields
        ]
        for name in timestamp_fields:
            index = fields.index(name)
            columns[index] = _iso_z_column(columns[index])
        records = [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]
        last = [rows[limit - 1][fields.index(c)] for c in key] if len(rows) > limit else None
        return _json(page(request, table, records, limit, last))

    @app.get(
        "/api/v1/events",
        dependencies=auth,
        summary="Clickstream events, ordered by (received_at, event_id)",
    )
    def list_events(
        request: Request,
        since: Annotated[
            str | None, Query(description="ISO timestamp; received_at >= since")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        lo = _parse_since("since", since)
        lower = None if lo is None else ("received_at", lo)
        return keyset_page(
            request,
            "events",
            store.EVENT_FIELDS,
            ("received_at", "event_id"),
            (int, str),
            lower,
            cursor,
            limit,
            ("occurred_at", "received_at"),
        )

    @app.get(
        "/api/v1/campaigns",
        dependencies=auth,
        summary="Campaigns, ordered by (updated_at, campaign_id)",
    )
    def list_campaigns(
        request: Request,
        updated_since: Annotated[
            str | None, Query(description="ISO timestamp; updated_at >= updated_since")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        lo = _parse_since("updated_since", updated_since)
        lower = None if lo is None else ("updated_at", lo)
        return keyset_page(
            request,
            "campaigns",
            store.CAMPAIGN_FIELDS,
            ("updated_at", "campaign_id"),
            (int, int),
            lower,
            cursor,
            limit,
            ("created_at", "updated_at"),
        )

    @app.get(
        "/api/v1/ad_spend",
        dependencies=auth,
        summary="Daily ad spend, ordered by (date, campaign_id)",
    )
    def list_ad_spend(
        request: Request,
        since: Annotated[str | None, Query(description="date (YYYY-MM-DD); date >= since")] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        lower = None if since is None else ("date", iso_z(_parse_since("since", since))[:10])
        return keyset_page(
            request,
            "ad_spend",
            store.AD_SPEND_FIELDS,
            ("date", "campaign_id"),
            (str, int),
            lower,
            cursor,
            limit,
            ("updated_at",),
        )

    return app
