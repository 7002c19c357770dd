"""Conversion funnel: sessions -> product view -> add to cart -> checkout -> purchase.

Mart: conversion_funnel (session start date x landing channel; counts add up, rates do not,
so every rate here is recomputed from the summed counts).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bi import queries, ui

STAGES = [
    ("sessions", "Sessions"),
    ("product_view_sessions", "Product view"),
    ("add_to_cart_sessions", "Add to cart"),
    ("checkout_sessions", "Checkout"),
    ("purchase_sessions", "Purchase"),
]
COUNTS = [column for column, _ in STAGES]


def funnel(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per stage: sessions that reached it, share of all sessions, step rate."""
    totals = frame[COUNTS].sum()
    rows = []
    previous = None
    for column, label in STAGES:
        reached = float(totals[column])
        rows.append(
            {
                "stage": label,
                "sessions": int(reached),
                "of_all_sessions": ui.safe_div(reached, float(totals["sessions"])),
                "step_rate": ui.safe_div(reached, previous) if previous is not None else None,
            }
        )
        previous = reached
    return pd.DataFrame(rows)


def by_channel(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.groupby("landing_channel", as_index=False)[COUNTS].sum()
    table["conversion_rate"] = table["purchase_sessions"] / table["sessions"].where(
        table["sessions"] > 0
    )
    return table.sort_values("sessions", ascending=False)


def render() -> None:
    ui.header(
        "Conversion funnel",
        "A session reached a stage when its furthest event is that stage or later. Conversion "
        "rate = purchase sessions / sessions. Marketplace orders are not tracked on the web.",
    )
    daily = ui.load(queries.FUNNEL_DAILY)
    if daily is None or daily.empty:
        st.info("No web sessions in the warehouse yet.")
        return
    period = ui.date_range(daily, "session_start_date", key="funnel_dates")
    channels = sorted(daily["landing_channel"].unique())
    picked = st.sidebar.multiselect(
        "Landing channels", channels, default=channels, key="funnel_channels"
    )
    selected = ui.between(daily, "session_start_date", period)
    selected = selected[selected["landing_channel"].isin(picked)]

    stages = funnel(selected)
    sessions = int(stages.loc[0, "sessions"])
    purchases = int(stages.loc[len(stages) - 1, "sessions"])
    col1, col2, col3 = st.columns(3)
    col1.metric("Sessions", ui.count(sessions))
    col2.metric("Purchase sessions", ui.count(purchases))
    col3.metric("Conversion rate", ui.percent(ui.safe_div(purchases, sessions), digits=2))

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Funnel")
        ui.chart(
            alt.Chart(stages)
            .mark_bar()
            .encode(
                x=alt.X("sessions:Q", title="Sessions"),
                y=alt.Y("stage:N", title=None, sort=[label for _, label in STAGES]),
                color=alt.Color("stage:N", legend=None, sort=[label for _, label in STAGES]),
                tooltip=[
                    "stage",
                    "sessions:Q",
                    alt.Tooltip("of_all_sessions:Q", title="of all sessions", format=".1%"),
                    alt.Tooltip("step_rate:Q", title="from previous stage", format=".1%"),
                ],
            )
            .properties(height=260)
        )
    with right:
        st.subheader("Stage by stage")
        ui.table(stages, percent=("of_all_sessions", "step_rate"))

    st.subheader("Conversion rate over time")
    per_day = selected.groupby("session_start_date", as_index=False)[COUNTS].sum()
    per_day["conversion_rate"] = per_day["purchase_sessions"] / per_day["sessions"].where(
        per_day["sessions"] > 0
    )
    ui.chart(
        alt.Chart(per_day.assign(day=pd.to_datetime(per_day["session_start_date"])))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("conversion_rate:Q", title="Conversion rate", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("day:T"),
                "sessions:Q",
                "purchase_sessions:Q",
                alt.Tooltip("conversion_rate:Q", format=".1%"),
            ],
        )
        .properties(height=240)
    )

    st.subheader("By landing channel")
    ui.table(by_channel(selected), percent=("conversion_rate",))


render()
