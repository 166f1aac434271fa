"""Customers: not built yet; the navigation lists it so people know it is coming."""

import streamlit as st

from journey import ui

st.title("Customers")
ui.coming_soon(
    "customer value against cost-to-serve, "
    "the voice of the customer and contact coordination across departments."
)
