"""Pipeline: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Pipeline")
ui.coming_soon(
    "the weighted pipeline, forecast against quota, "
    "and the backtested accuracy of past forecasts."
)
