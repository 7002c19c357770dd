"""placeholder"""

import streamlit as st

st.title("marketing")
st.metric("x", 1)
