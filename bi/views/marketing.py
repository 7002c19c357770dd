"""Marketing: ad spend, attributed revenue and ROAS by campaign.

Mart: marketing_roas (campaign x day). Attribution is last non-direct touch within the dbt var
attribution_lookback_days; ROAS over a period = sum(attributed revenue) / sum(spend), never the
average of daily ROAS.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bi import queries, ui

SUMS = ["impressions", "clicks", "spend_amount_usd", "attributed_orders", "attributed_revenue_usd"]


def by_campaign(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.groupby(
        ["campaign_id", "campaign_name", "marketing_channel"], as_index=False, dropna=False
    )[SUMS].sum()
    spend = table["spend_amount_usd"].where(table["spend_amount_usd"] > 0)
    table["roas"] = table["attributed_revenue_usd"] / spend
    table["cost_per_order_usd"] = (
        table["spend_amount_usd"] / table["attributed_orders"].where(table["attributed_orders"] > 0)
    ).round(2)
    table["ctr"] = table["clicks"] / table["impressions"].where(table["impressions"] > 0)
    return table.sort_values("spend_amount_usd", ascending=False)


def render() -> None:
    ui.header(
        "Marketing ROAS",
        "Spend and attributed revenue in USD. An order is attributed to its customer's last "
        "non-direct touch within the attribution window; ROAS = attributed revenue / spend.",
    )
    daily = ui.load(queries.MARKETING_ROAS)
    if daily is None or daily.empty:
        st.info("No ad spend or attributed orders in the warehouse yet.")
        return
    period = ui.date_range(daily, "activity_date", key="marketing_dates")
    channels = sorted(daily["marketing_channel"].dropna().unique())
    picked = st.sidebar.multiselect(
        "Marketing channels", channels, default=channels, key="marketing_channels"
    )
    selected = ui.between(daily, "activity_date", period)
    selected = selected[selected["marketing_channel"].isin(picked)]

    spend = float(selected["spend_amount_usd"].sum())
    revenue = float(selected["attributed_revenue_usd"].sum())
    orders = int(selected["attributed_orders"].sum())
    col1, col2, col3, col4 = st.columns(4)
    col1.metric("Ad spend", ui.money(spend))
    col2.metric("Attributed revenue", ui.money(revenue))
    col3.metric("ROAS", ui.ratio(ui.safe_div(revenue, spend)))
    col4.metric("Cost per attributed order", ui.money(ui.safe_div(spend, orders)))

    campaigns = by_campaign(selected)
    st.subheader("ROAS by campaign")
    with_spend = campaigns[campaigns["spend_amount_usd"] > 0]
    bars = (
        alt.Chart(with_spend)
        .mark_bar()
        .encode(
            x=alt.X("roas:Q", title="ROAS (attributed revenue / spend)"),
            y=alt.Y("campaign_name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
            color=alt.Color("marketing_channel:N", title="Channel"),
            tooltip=[
                "campaign_name",
                "marketing_channel",
                alt.Tooltip("spend_amount_usd:Q", title="spend", format=",.2f"),
                alt.Tooltip("attributed_revenue_usd:Q", title="revenue", format=",.2f"),
                alt.Tooltip("roas:Q", format=".2f"),
                "attributed_orders:Q",
            ],
        )
    )
    break_even = (
        alt.Chart(pd.DataFrame({"roas": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="roas:Q")
    )
    ui.chart((bars + break_even).properties(height=max(200, 28 * len(with_spend))))
    ui.table(campaigns, percent=("ctr",))

    st.subheader("Spend and attributed revenue over time")
    per_day = selected.groupby("activity_date", as_index=False)[
        ["spend_amount_usd", "attributed_revenue_usd"]
    ].sum()
    long = per_day.melt(
        id_vars="activity_date",
        value_vars=["spend_amount_usd", "attributed_revenue_usd"],
        var_name="measure",
        value_name="usd",
    )
    long["day"] = pd.to_datetime(long["activity_date"])
    long["measure"] = long["measure"].map(
        {"spend_amount_usd": "Ad spend", "attributed_revenue_usd": "Attributed revenue"}
    )
    ui.chart(
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("usd:Q", title="USD"),
            color=alt.Color("measure:N", title=None),
            tooltip=[alt.Tooltip("day:T"), "measure:N", alt.Tooltip("usd:Q", format=",.2f")],
        )
        .properties(height=260)
    )


render()
