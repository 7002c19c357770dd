"""Streamlit dashboards over the warehouse's marts (`make bi`).

See docs/bi-tools.md.
"""
