"""Customers: cohort retention, lifetime value and RFM segments.

Marts: cohort_retention, customer_lifetime_value.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bi import queries, ui


def retention_heatmap(cohorts: pd.DataFrame) -> alt.LayerChart:
    frame = cohorts.assign(
        cohort=pd.to_datetime(cohorts["cohort_month"]).dt.strftime("%Y-%m")
        + " ("
        + cohorts["cohort_size"].astype(int).astype(str)
        + ")",
        retention=cohorts["retention_rate"].astype(float),
    )
    base = alt.Chart(frame).encode(
        x=alt.X("months_since_first_order:O", title="Months since first order"),
        y=alt.Y("cohort:N", title="Cohort (size)", sort="ascending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention:Q", title="Retention", scale=alt.Scale(scheme="blues", domain=[0, 1])
        ),
        tooltip=[
            "cohort:N",
            "months_since_first_order:O",
            "active_customers:Q",
            alt.Tooltip("retention:Q", format=".1%"),
        ],
    )
    labels = base.mark_text(baseline="middle").encode(
        text=alt.Text("retention:Q", format=".0%"),
        color=alt.condition("datum.retention > 0.5", alt.value("white"), alt.value("black")),
    )
    # Streamlit fits the whole chart, axes included, in `height`.
    return (cells + labels).properties(height=110 + 36 * frame["cohort"].nunique())


def render() -> None:
    ui.header(
        "Customers",
        "Active customer = placed a revenue order (paid, shipped or delivered). Lifetime value "
        "= lifetime revenue in USD. RFM scores and segments as defined in the dbt docs (`rfm`).",
    )
    summary = ui.load(queries.CUSTOMER_SUMMARY)
    if summary is None or summary.empty:
        return
    row = summary.iloc[0]
    purchasers = int(row["purchasers"] or 0)
    col1, col2, col3, col4 = st.columns(4)
    col1.metric("Customers with a purchase", ui.count(purchasers))
    col2.metric(
        "Average lifetime value",
        ui.money(ui.safe_div(float(row["net_revenue_usd"] or 0), purchasers)),
        help="Lifetime revenue / customers with a revenue order.",
    )
    col3.metric(
        "Repeat purchase rate",
        ui.percent(ui.safe_div(float(row["repeat_purchasers"] or 0), purchasers)),
        help="Customers with 2+ revenue orders / customers with a revenue order.",
    )
    col4.metric("Customer accounts", ui.count(row["customers"]))

    st.subheader("Cohort retention")
    st.caption(
        "Share of each acquisition cohort (month of first revenue order) active in each "
        "following month."
    )
    cohorts = ui.load(queries.COHORT_RETENTION)
    if cohorts is not None and not cohorts.empty:
        ui.chart(retention_heatmap(cohorts))

    left, right = st.columns(2)
    with left:
        st.subheader("RFM segments")
        segments = ui.load(queries.CUSTOMER_SEGMENTS)
        if segments is not None and not segments.empty:
            ui.chart(
                alt.Chart(segments)
                .mark_bar()
                .encode(
                    x=alt.X("customers:Q", title="Customers"),
                    y=alt.Y("rfm_segment:N", title=None, sort="-x"),
                    color=alt.Color(
                        "net_revenue_usd:Q", title="Revenue (USD)", scale=alt.Scale(scheme="teals")
                    ),
                    tooltip=[
                        "rfm_segment",
                        "customers:Q",
                        alt.Tooltip("net_revenue_usd:Q", format=",.2f"),
                        alt.Tooltip("avg_recency_days:Q", format=".0f"),
                        alt.Tooltip("avg_orders:Q", format=".2f"),
                    ],
                )
                .properties(height=260)
            )
            ui.table(segments)
    with right:
        st.subheader("Lifetime value")
        buckets = ui.load(queries.CUSTOMER_LTV_BUCKETS)
        if buckets is not None and not buckets.empty:
            ui.chart(
                alt.Chart(buckets.assign(ltv_bucket_usd=buckets["ltv_bucket_usd"].astype(float)))
                .mark_bar()
                .encode(
                    x=alt.X("ltv_bucket_usd:O", title="Lifetime revenue (USD, 100s; 2000 = 2000+)"),
                    y=alt.Y("sum(customers):Q", title="Customers"),
                    color=alt.Color(
                        "spend_tier:N",
                        title="Spend tier",
                        scale=alt.Scale(domain=["Basic", "Standard", "Premium"]),
                    ),
                    tooltip=["ltv_bucket_usd:O", "spend_tier:N", "customers:Q"],
                )
                .properties(height=260)
            )
        grid = ui.load(queries.RFM_GRID)
        if grid is not None and not grid.empty:
            st.caption("Customers by recency and frequency score (5 = best)")
            ui.chart(
                alt.Chart(grid)
                .mark_rect()
                .encode(
                    x=alt.X("frequency_score:O", title="Frequency score"),
                    y=alt.Y("recency_score:O", title="Recency score", sort="descending"),
                    color=alt.Color("customers:Q", scale=alt.Scale(scheme="greens")),
                    tooltip=[
                        "recency_score:O",
                        "frequency_score:O",
                        "customers:Q",
                        alt.Tooltip("net_revenue_usd:Q", format=",.2f"),
                    ],
                )
                .properties(height=200)
            )


render()
