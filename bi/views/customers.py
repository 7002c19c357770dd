"""placeholder"""

import streamlit as st

st.title("customers")
st.metric("x", 1)
