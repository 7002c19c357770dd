"""One Streamlit page per dashboard; `bi/app.py` routes to them (st.navigation)."""
