"""Agents: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Agents")
ui.coming_soon(
    "agent scorecards adjusted for each agent's mix of contact reasons, "
    "with 95% intervals, and the best agent for each reason."
)
