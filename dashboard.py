"""Journey: the frame. Sign-in, page config, navigation and the global filters; no SQL here."""

import importlib
import pkgutil

import streamlit as st


@st.cache_resource(show_spinner=False)
def import_library() -> bool:
    """Import the library and its dependencies once, in one thread: the first sessions of a fresh server
    importing them all at once can meet half-initialised modules (seen with 20 sessions and SQLAlchemy)."""
    import journey

    for module in pkgutil.walk_packages(journey.__path__, "journey."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    return True


import_library()

from journey import ui  # noqa: E402 - after the one-thread import above

st.set_page_config(page_title="Journey", page_icon=":material/route:", layout="wide")

ui.leave_folder_mode()
ui.new_run()
user = ui.sign_in()  # until someone is signed in, the sign-in form; no page runs

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/journey.py", title="Journey", icon=":material/route:"),
    st.Page("pages/agents.py", title="Agents", icon=":material/support_agent:"),
    st.Page("pages/pipeline.py", title="Pipeline", icon=":material/filter_alt:"),
    st.Page("pages/weekly_review.py", title="Weekly review", icon=":material/event_note:"),
    st.Page("pages/customers.py", title="Customers", icon=":material/groups:"),
    st.Page("pages/data_health.py", title="Data health", icon=":material/monitor_heart:",
            visibility=ui.health_in_menu(user)),
]
# navigation is always declared (so no page can be reached around it); before sign-in it is hidden
page = st.navigation(PAGES, position="sidebar" if user else "hidden")
if user and ui.start():
    with ui.guarded(page.title):
        page.run()
    ui.footer()
