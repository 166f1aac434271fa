"""Journey: the frame. Page config, navigation and the global filters; no SQL here."""

import streamlit as st

from journey import ui

st.set_page_config(page_title="Journey", page_icon=":material/route:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/journey.py", title="Journey", icon=":material/route:"),
    st.Page("pages/agents.py", title="Agents", icon=":material/support_agent:"),
    st.Page("pages/pipeline.py", title="Pipeline", icon=":material/filter_alt:"),
    st.Page("pages/weekly_review.py", title="Weekly review", icon=":material/event_note:"),
    st.Page("pages/customers.py", title="Customers", icon=":material/groups:"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/monitor_heart:"),
]

page = st.navigation(PAGES)
ui.new_run()
if ui.start():
    with ui.guarded(page.title):
        page.run()
    ui.footer()
