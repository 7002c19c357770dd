"""What every page shares: cached data access that degrades gracefully, formatting, charts."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from bi import db
from bi.queries import Query

# Last good result of every query in this server process: shown (with a warning) while a writer
# holds the DuckDB lock, instead of an error.
_LAST_GOOD: dict[tuple[str, str, tuple[tuple[str, Any], ...]], pd.DataFrame] = {}


@st.cache_data(ttl=db.cache_ttl_seconds(), show_spinner=False)
def _cached(
    warehouse: str, name: str, sql: str, params: tuple[tuple[str, Any], ...]
) -> pd.DataFrame:
    # `warehouse` (the connection description) and `name` only key the cache.
    return db.run_query(sql, dict(params))


def load(query: Query, *, quiet: bool = False, **params: Any) -> pd.DataFrame | None:
    """Rows of `query`; None when a relation is missing or not readable (said on the page
    unless `quiet`: the caller then explains).

    A warehouse that cannot be opened stops the page with one error line. While DuckDB is being
    written, the last good result is shown with a warning (or the page stops with the warning).
    """
    warehouse = db.settings().description
    key = (warehouse, query.name, tuple(sorted(params.items())))
    try:
        frame = _cached(warehouse, query.name, query.sql, key[2])
    except db.WarehouseBusy as exc:
        if key in _LAST_GOOD:
            st.warning(f"Showing the last data read: {exc}.", icon=":material/sync:")
            return _LAST_GOOD[key]
        st.warning(f"{exc}.", icon=":material/sync:")
        st.stop()
    except db.RelationUnavailable as exc:
        if not quiet:
            st.info(f"`{query.name}` is not available here: {exc}", icon=":material/info:")
        return None
    except db.WarehouseUnavailable as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    _LAST_GOOD[key] = frame
    return frame


def clear_cache() -> None:
    _cached.clear()


# --- formatting -------------------------------------------------------------------------------
def money(value: float | None) -> str:
    """`$12,345.67`: the exact figure, two decimals (tests read it back)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"${value:,.2f}"


def count(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{int(value):,}"


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def ratio(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.2f}x"


def timestamp(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "never"
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M")


def safe_div(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# --- layout -----------------------------------------------------------------------------------
def header(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)


def chart(spec: alt.TopLevelMixin) -> None:
    st.altair_chart(spec)


def table(frame: pd.DataFrame, percent: tuple[str, ...] = ()) -> None:
    """A dataframe with money (`*_usd`) in dollars, `percent` columns as percentages and other
    fractional numbers to two decimals."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        if column in percent:
            config[column] = st.column_config.NumberColumn(format="percent")
        elif str(column).endswith("_usd"):
            config[column] = st.column_config.NumberColumn(format="dollar")
        elif pd.api.types.is_float_dtype(frame[column]):
            config[column] = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(frame, hide_index=True, column_config=config)


def date_range(frame: pd.DataFrame, column: str, key: str) -> tuple[dt.date, dt.date]:
    """A sidebar date range over `frame[column]`, defaulting to everything."""
    first = pd.Timestamp(frame[column].min()).date()
    last = pd.Timestamp(frame[column].max()).date()
    picked = st.sidebar.date_input(
        "Dates", value=(first, last), min_value=first, max_value=last, key=key
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return first, last


def between(frame: pd.DataFrame, column: str, period: tuple[dt.date, dt.date]) -> pd.DataFrame:
    days = pd.to_datetime(frame[column]).dt.date
    return frame[(days >= period[0]) & (days <= period[1])]
