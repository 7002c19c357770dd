"""Streamlit dashboards over the warehouse's marts (`make bi`).

See README, "Dashboards and lineage".
"""
