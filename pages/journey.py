"""Journey: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Journey")
ui.coming_soon(
    "the find–choose–buy–receive–return experience curve against peer benchmarks, its peaks, "
    "the stage funnel and what peaks do to conversion."
)
