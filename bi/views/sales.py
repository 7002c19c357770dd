"""Sales overview: revenue, orders and average order value over time, by channel and country."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bi import queries, ui

# pandas period aliases; weeks run Monday to Sunday (ISO).
GRAINS = {"Day": "D", "Week": "W-SUN", "Month": "M"}


def over_time(daily: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Revenue, orders and AOV per period (periods labelled by their first day)."""
    dates = pd.to_datetime(daily["order_date"])
    period = dates.dt.to_period(GRAINS[grain]).dt.start_time
    frame = daily.assign(period=period).groupby("period", as_index=False)[
        ["revenue_usd", "orders"]
    ].sum()
    frame["aov_usd"] = frame["revenue_usd"] / frame["orders"].where(frame["orders"] > 0)
    return frame


def by(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    frame = daily.groupby(column, as_index=False)[["revenue_usd", "orders"]].sum()
    frame["aov_usd"] = frame["revenue_usd"] / frame["orders"].where(frame["orders"] > 0)
    return frame.sort_values("revenue_usd", ascending=False)


def render() -> None:
    ui.header(
        "Sales overview",
        "Revenue = merchandise net of discounts (no shipping or tax) of orders now paid, shipped "
        "or delivered, on the UTC order date, in USD. Orders = orders carrying revenue.",
    )
    daily = ui.load(queries.SALES_DAILY)
    if daily is None or daily.empty:
        st.info("No orders in the warehouse yet.")
        return
    period = ui.date_range(daily, "order_date", key="sales_dates")
    grain = st.sidebar.radio("Grain", list(GRAINS), index=0, horizontal=True, key="sales_grain")
    selected = ui.between(daily, "order_date", period)

    revenue = float(selected["revenue_usd"].sum())
    orders = int(selected["orders"].sum())
    col1, col2, col3 = st.columns(3)
    col1.metric("Revenue", ui.money(revenue))
    col2.metric("Orders", ui.count(orders))
    col3.metric("Average order value", ui.money(ui.safe_div(revenue, orders)))

    trend = over_time(selected, grain)
    st.subheader("Over time")
    left, middle, right = st.columns(3)
    with left:
        st.caption("Revenue (USD)")
        ui.chart(
            alt.Chart(trend)
            .mark_area(opacity=0.8)
            .encode(
                x=alt.X("period:T", title=None),
                y=alt.Y("revenue_usd:Q", title="Revenue"),
                tooltip=["period:T", alt.Tooltip("revenue_usd:Q", format=",.2f")],
            )
        )
    with middle:
        st.caption("Orders")
        ui.chart(
            alt.Chart(trend)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:T", title=None),
                y=alt.Y("orders:Q", title="Orders"),
                tooltip=["period:T", "orders:Q"],
            )
        )
    with right:
        st.caption("Average order value (USD)")
        ui.chart(
            alt.Chart(trend)
            .mark_line(point=True, color="#ff7f0e")
            .encode(
                x=alt.X("period:T", title=None),
                y=alt.Y("aov_usd:Q", title="AOV"),
                tooltip=["period:T", alt.Tooltip("aov_usd:Q", format=",.2f")],
            )
        )

    channel_col, country_col = st.columns(2)
    with channel_col:
        st.subheader("By channel")
        channels = by(selected, "sales_channel")
        ui.chart(
            alt.Chart(channels)
            .mark_bar()
            .encode(
                x=alt.X("revenue_usd:Q", title="Revenue (USD)"),
                y=alt.Y("sales_channel:N", title=None, sort="-x"),
                color=alt.Color("sales_channel:N", legend=None),
                tooltip=[
                    "sales_channel",
                    alt.Tooltip("revenue_usd:Q", format=",.2f"),
                    "orders:Q",
                    alt.Tooltip("aov_usd:Q", format=",.2f"),
                ],
            )
        )
        st.dataframe(channels, hide_index=True)
    with country_col:
        st.subheader("By country")
        countries = by(selected, "country_code")
        ui.chart(
            alt.Chart(countries.head(15))
            .mark_bar()
            .encode(
                x=alt.X("revenue_usd:Q", title="Revenue (USD)"),
                y=alt.Y("country_code:N", title=None, sort="-x"),
                tooltip=[
                    "country_code",
                    alt.Tooltip("revenue_usd:Q", format=",.2f"),
                    "orders:Q",
                    alt.Tooltip("aov_usd:Q", format=",.2f"),
                ],
            )
        )
        st.dataframe(countries, hide_index=True)


render()
