"""Data health: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Data health")
ui.coming_soon(
    "rows and freshness of every table, import history with rejected rows, "
    "and stale customer records."
)
