"""Data health: freshness of every source, the last ingestion runs, the last dbt build and tests.

Freshness and runs come from the raw layer's load columns and run logs (`_loaded_at`,
`raw_*._ingestion_runs`); when the raw schemas are not readable (the Postgres `bi_reader`
role reads only `marts`) the page falls back to the load times the facts carry. The dbt part
reads `run_results.json` from the dbt target path (`DBT_TARGET_PATH`).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from bi import db, dbt_artifacts, queries, ui

STATUS_ORDER = ["error", "warn", "pass", "not checked"]


def freshness(now: pd.Timestamp) -> pd.DataFrame | None:
    """Per source table: last load, age and status against the source's freshness rule."""
    frames = [ui.load(query, quiet=True) for query in queries.RAW_FRESHNESS.values()]
    found = [frame for frame in frames if frame is not None]
    from_raw = len(found) == len(frames)
    if not from_raw:
        st.info(
            "The raw layer is not (fully) readable here (expected for the Postgres `bi_reader` "
            "role, which reads only `marts`): freshness below comes from the load times the marts "
            "carry "
            "(`last_loaded_at`); ad spend only shows when the platform last restated its figures, "
            "which is not a load time and is not checked.",
            icon=":material/info:",
        )
        fallback = ui.load(queries.MART_FRESHNESS)
        if fallback is None:
            return None
        found = [fallback]
    table = pd.concat(found, ignore_index=True)
    table["last_loaded_at"] = pd.to_datetime(table["last_loaded_at"], utc=True)
    table["age_hours"] = (now - table["last_loaded_at"]).dt.total_seconds() / 3600
    rules = dbt_artifacts.source_freshness_rules(db.settings().dbt_target_path)

    def status(row: pd.Series) -> str:
        warn, error = rules.get(
            (row["source_name"], row["table_name"]), dbt_artifacts.DEFAULT_FRESHNESS_HOURS
        )
        if row.get("basis", "loaded") != "loaded":
            return "not checked"  # a restatement time in the source's clock, not a load time
        if pd.isna(row["age_hours"]):
            return "error"
        if warn == float("inf") and error == float("inf"):
            return "not checked"
        if row["age_hours"] > error:
            return "error"
        return "warn" if row["age_hours"] > warn else "pass"

    table["status"] = table.apply(status, axis=1) if not table.empty else []
    return table


def ingestion_runs() -> pd.DataFrame | None:
    frames = [ui.load(query, quiet=True) for query in queries.INGESTION_RUNS.values()]
    found = [frame for frame in frames if frame is not None and not frame.empty]
    if not found:
        return None
    runs = pd.concat(found, ignore_index=True)
    for column in ("started_at", "finished_at"):
        runs[column] = pd.to_datetime(runs[column], utc=True)
    runs["rows_loaded"] = runs["rows_loaded"].map(_total_rows)
    runs["rows_quarantined"] = runs["rows_quarantined"].map(_total_rows)
    return runs.sort_values("started_at", ascending=False)


def _total_rows(value: object) -> int:
    """Sum of a run-log JSON map table -> rows."""
    if not isinstance(value, str) or not value:
        return 0
    return int(sum(json.loads(value).values()))


def render() -> None:
    ui.header(
        "Data health",
        "Is the data fresh and did the last build pass? Source freshness from the raw layer's "
        "load times, ingestion runs from the run logs, dbt results from run_results.json.",
    )
    now = pd.Timestamp.now(tz="UTC")
    fresh = freshness(now)
    runs = ingestion_runs()
    results = dbt_artifacts.read_run_results(db.settings().dbt_target_path)

    succeeded = runs[runs["status"] == "succeeded"] if runs is not None else None
    last_load = (
        succeeded["finished_at"].max() if succeeded is not None and not succeeded.empty else None
    )
    if last_load is None and fresh is not None and not fresh.empty:
        loaded = fresh[fresh["basis"] == "loaded"] if "basis" in fresh else fresh
        last_load = loaded["last_loaded_at"].max()
    tests = results.tests() if results is not None and results.is_build else None

    col1, col2 = st.columns(2)
    col1.metric("Last successful load (UTC)", ui.timestamp(last_load))
    col2.metric(
        "Last dbt build (UTC)",
        ui.timestamp(results.generated_at) if results is not None and results.is_build else "n/a",
    )
    col3, col4 = st.columns(2)
    col3.metric(
        "Stale source tables",
        ui.count((fresh["status"].isin(["warn", "error"])).sum()) if fresh is not None else "n/a",
        help="Past the warn_after of the source's dbt freshness rule.",
    )
    col4.metric(
        "dbt tests passed",
        f"{tests['pass']:,} / {sum(tests.values()):,}" if tests is not None else "n/a",
        help="Data tests and unit tests of the last build (run_results.json).",
    )

    st.subheader("Source freshness")
    if fresh is not None and not fresh.empty:
        bars = fresh.assign(table=fresh["source_name"] + "." + fresh["table_name"])
        ui.chart(
            alt.Chart(bars)
            .mark_bar()
            .encode(
                x=alt.X("age_hours:Q", title="Hours since last load"),
                y=alt.Y("table:N", title=None, sort="-x"),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=STATUS_ORDER, range=["#d62728", "#ff7f0e", "#2ca02c", "#9e9e9e"]
                    ),
                ),
                tooltip=["table", "last_loaded_at", alt.Tooltip("age_hours", format=".1f")],
            )
            .properties(height=80 + 26 * len(bars))
        )
        st.dataframe(
            fresh[["source_name", "table_name", "last_loaded_at", "age_hours", "row_count"]]
            .assign(status=fresh["status"])
            .sort_values(["source_name", "table_name"]),
            hide_index=True,
            column_config={"age_hours": st.column_config.NumberColumn(format="%.1f h")},
        )

    st.subheader("Ingestion runs")
    if runs is None:
        st.info(
            "No ingestion run log is readable with these credentials (`raw_*._ingestion_runs`; "
            "the Postgres `bi_reader` role reads only `marts`).",
            icon=":material/info:",
        )
    else:
        latest = runs.groupby("pipeline", as_index=False).first()
        st.dataframe(
            latest[["pipeline", "status", "started_at", "finished_at", "rows_loaded", "error"]],
            hide_index=True,
        )
        with st.expander(f"All {len(runs)} runs"):
            st.dataframe(runs.drop(columns=["run_id"]), hide_index=True)

    st.subheader("Last dbt command")
    if results is None:
        st.info(
            f"No run_results.json in {db.settings().dbt_target_path} (set DBT_TARGET_PATH to the "
            "dbt target directory of the last build).",
            icon=":material/info:",
        )
        return
    st.write(
        f"`{results.invocation or 'dbt ' + results.command}`, finished "
        f"{ui.timestamp(results.generated_at)} in {results.elapsed_seconds:.0f} s."
    )
    if not results.is_build:
        st.warning(
            f"The last dbt command was `{results.command}`, which overwrote run_results.json "
            "with compilation results: there are no build or test outcomes to show until the "
            "next `dbt build`.",
            icon=":material/warning:",
        )
        return
    counts = results.counts()
    st.dataframe(counts)
    failed, warned = results.failed(), results.warned()
    if failed.empty and warned.empty:
        st.success("Every model, snapshot, seed and test of the last build passed.")
    if not failed.empty:
        st.error(f"{len(failed)} node(s) failed in the last build.")
        st.dataframe(failed, hide_index=True)
    if not warned.empty:
        st.warning(f"{len(warned)} node(s) warned or were skipped in the last build.")
        st.dataframe(warned, hide_index=True)


render()
