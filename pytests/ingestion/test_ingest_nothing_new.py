"""A run with nothing new: it succeeds, loads nothing, and moves no cursor backwards."""

from __future__ import annotations

from typing import Any

import dlt

from ingestion import settings


def _cursors(pipeline_name: str) -> dict[str, Any]:
    """{resource: last_value} of every incremental cursor in the pipeline's dlt state."""
    pipeline = dlt.attach(pipeline_name, pipelines_dir=str(settings.pipelines_dir("duckdb")))
    found: dict[str, Any] = {}
    for source in pipeline.state.get("sources", {}).values():
        for resource, state in source.get("resources", {}).items():
            for incremental in state.get("incremental", {}).values():
                found[resource] = incremental["last_value"]
    return found


def test_a_rerun_with_nothing_new_succeeds_and_keeps_every_cursor(
    ingest, api_server, oracle
) -> None:
    with api_server() as url:
        first = ingest(url)
        before = oracle.snapshot()
        cursors = {name: _cursors(name) for name in ("web", "marketing")}
        again = ingest(url)

    assert first.succeeded and again.succeeded
    assert all(cursors.values()), cursors  # the first run did record cursors
    for name, previous in cursors.items():
        now = _cursors(name)
        assert now.keys() == previous.keys(), name
        for resource, value in previous.items():
            assert now[resource] >= value, (name, resource)
    assert oracle.snapshot() == before  # nothing duplicated, nothing lost
