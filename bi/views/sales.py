"""Sales overview: revenue, orders and average order value over time, by channel and country.

Marts: daily_sales (one grain at a time: overall, sales_channel, country),
monthly_revenue_growth, product_performance.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bi import queries, ui

# pandas period aliases; weeks run Monday to Sunday (ISO).
GRAINS = {"Day": "D", "Week": "W-SUN", "Month": "M"}


def with_aov(frame: pd.DataFrame) -> pd.DataFrame:
    """Average order value = revenue / revenue orders (null without orders), to the cent."""
    aov = frame["net_revenue_usd"] / frame["orders"].where(frame["orders"] > 0)
    return frame.assign(average_order_value_usd=aov.round(2))


def over_time(overall: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Revenue, orders and AOV per period (each period labelled by its first day)."""
    period = pd.to_datetime(overall["order_date"]).dt.to_period(GRAINS[grain]).dt.start_time
    frame = overall.assign(period=period).groupby("period", as_index=False)[
        ["net_revenue_usd", "orders"]
    ]
    return with_aov(frame.sum())


def breakdown(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    frame = rows.groupby(column, as_index=False)[["net_revenue_usd", "orders", "units"]].sum()
    return with_aov(frame).sort_values("net_revenue_usd", ascending=False)


def bar(frame: pd.DataFrame, category: str, color: bool = False) -> alt.Chart:
    encoding = {
        "x": alt.X("net_revenue_usd:Q", title="Revenue (USD)"),
        "y": alt.Y(f"{category}:N", title=None, sort="-x"),
        "tooltip": [
            category,
            alt.Tooltip("net_revenue_usd:Q", title="revenue", format=",.2f"),
            "orders:Q",
            alt.Tooltip("average_order_value_usd:Q", title="AOV", format=",.2f"),
        ],
    }
    if color:
        encoding["color"] = alt.Color(f"{category}:N", legend=None)
    return alt.Chart(frame).mark_bar().encode(**encoding).properties(height=260)


def trend_chart(trend: pd.DataFrame, column: str, title: str, mark: str) -> alt.Chart:
    chart = alt.Chart(trend)
    chart = chart.mark_area(opacity=0.8) if mark == "area" else chart.mark_line(point=True)
    return chart.encode(
        x=alt.X("period:T", title=None),
        y=alt.Y(f"{column}:Q", title=title),
        tooltip=[alt.Tooltip("period:T"), alt.Tooltip(f"{column}:Q", format=",.2f")],
    ).properties(height=240)


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
    grain = st.sidebar.radio("Grain", list(GRAINS), horizontal=True, key="sales_grain")
    selected = ui.between(daily, "order_date", period)
    overall = selected[selected["grain"] == "overall"]

    revenue = float(overall["net_revenue_usd"].sum())
    orders = int(overall["orders"].sum())
    col1, col2, col3, col4 = st.columns(4)
    col1.metric("Revenue", ui.money(revenue))
    col2.metric("Orders", ui.count(orders))
    col3.metric("Average order value", ui.money(ui.safe_div(revenue, orders)))
    col4.metric("Units sold", ui.count(overall["units"].sum()))

    st.subheader("Over time")
    trend = over_time(overall, grain)
    left, middle, right = st.columns(3)
    with left:
        st.caption("Revenue (USD)")
        ui.chart(trend_chart(trend, "net_revenue_usd", "Revenue", "area"))
    with middle:
        st.caption("Orders")
        ui.chart(trend_chart(trend, "orders", "Orders", "line"))
    with right:
        st.caption("Average order value (USD)")
        ui.chart(trend_chart(trend, "average_order_value_usd", "AOV", "line"))

    channel_col, country_col = st.columns(2)
    with channel_col:
        st.subheader("By sales channel")
        channels = breakdown(selected[selected["grain"] == "sales_channel"], "sales_channel")
        ui.chart(bar(channels, "sales_channel", color=True))
        ui.table(channels)
    with country_col:
        st.subheader("By customer country")
        countries = breakdown(selected[selected["grain"] == "country"], "country_code")
        ui.chart(bar(countries.head(15), "country_code"))
        ui.table(countries)

    monthly = ui.load(queries.SALES_MONTHLY)
    if monthly is not None and not monthly.empty:
        st.subheader("Monthly revenue and growth")
        monthly = monthly.assign(
            month=pd.to_datetime(monthly["month_start_date"]),
            label=monthly["is_partial_month"].map({True: "month to date", False: "full month"}),
        )
        ui.chart(
            alt.Chart(monthly)
            .mark_bar()
            .encode(
                x=alt.X("yearmonth(month):O", title=None),
                y=alt.Y("net_revenue_usd:Q", title="Revenue (USD)"),
                opacity=alt.Opacity(
                    "label:O",
                    scale=alt.Scale(domain=["full month", "month to date"], range=[1, 0.5]),
                ),
                tooltip=[
                    alt.Tooltip("yearmonth(month):O", title="month"),
                    alt.Tooltip("net_revenue_usd:Q", format=",.2f"),
                    alt.Tooltip("revenue_growth_rate:Q", title="growth", format="+.1%"),
                    "orders:Q",
                    "unique_customers:Q",
                ],
            )
            .properties(height=240)
        )

    products = ui.load(queries.TOP_PRODUCTS, start_date=period[0], end_date=period[1])
    if products is not None:
        st.subheader("Top products by revenue")
        ui.table(products)


render()
