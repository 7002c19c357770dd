"""Landing page: what each dashboard answers, with links."""

from __future__ import annotations

import streamlit as st

from bi.navigation import DASHBOARDS


def render() -> None:
    st.title("E-commerce warehouse")
    st.caption("Dashboards over the dbt marts (schema `marts`), read-only.")
    for page in DASHBOARDS:
        st.page_link(str(page.path), label=page.title, icon=page.icon)
        st.caption(page.summary)


render()
