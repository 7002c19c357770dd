"""Entry point of the dashboards: `streamlit run bi/app.py` (or `make bi`).

A router (st.navigation): the pages live in bi/views/, one file each, served at
http://127.0.0.1:8501/<url_path> (bi/navigation.py; the dbt exposures in
models/marts/_exposures.yml link there).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run bi/app.py` puts bi/ (not the repo root) on sys.path; the pages import `bi.*`.
_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import streamlit as st  # noqa: E402

from bi import db, ui  # noqa: E402
from bi.navigation import DASHBOARDS, HOME  # noqa: E402

# A local favicon: a Material-icon favicon would be fetched from fonts.gstatic.com.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"


def main() -> None:
    st.set_page_config(page_title="E-commerce warehouse", page_icon=str(FAVICON), layout="wide")
    home = st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)
    dashboards = [
        st.Page(page.path, title=page.title, url_path=page.url_path, icon=page.icon)
        for page in DASHBOARDS
    ]
    current = st.navigation({"": [home], "Dashboards": dashboards})
    with st.sidebar:
        try:
            st.caption(f"Reading {db.settings().description}")
        except db.WarehouseError as exc:
            st.error(str(exc))
            st.stop()
        if st.button("Refresh data", icon=":material/refresh:"):
            ui.clear_cache()
    current.run()


if __name__ == "__main__":
    main()
