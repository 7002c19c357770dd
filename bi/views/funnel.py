"""placeholder"""

import streamlit as st

st.title("funnel")
st.metric("x", 1)
