"""Weekly review: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Weekly review")
ui.coming_soon(
    "this week against last week and the 4-week average for every KPI, "
    "why each one moved, and the exported report."
)
