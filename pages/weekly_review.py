"""Weekly review: every KPI against last week and its noise, why the rates moved, notes, the report."""

from datetime import datetime, timedelta

import polars as pl
import streamlit as st

from journey import definitions, report, ui, weekly, weekly_sections
from journey.overlap import together
from journey.store import StoreError, open_store

flt = ui.filters()
settings = ui.settings()
today = datetime.now(settings.zone).date()
week = weekly.default_week(flt.end, today)


def _move_range() -> None:
    # the week is the last complete one of the range: moving the range keeps the choice in the URL
    chosen = weekly.Week.parse(st.session_state["weekly_week"])
    st.session_state["flt_range"] = (chosen.end - timedelta(days=flt.days - 1), chosen.end)


latest = weekly.default_week(today, today)
st.session_state["weekly_week"] = str(week)
st.sidebar.selectbox("Week", [str(w) for w in (week.shift(k) for k in range(26, -27, -1)) if w <= latest],
                     key="weekly_week", on_change=_move_range,
                     help="The last complete ISO week (Monday–Sunday) of the date range; choosing one moves the range")

review, *sections = together(lambda: report.review(ui.query, week, flt, settings),
                                *weekly_sections.builders(ui.query, week, flt, settings))
st.title(f"Weekly review {week}")
ui.caption(f"{week.start:%A %d %B} – {week.end:%A %d %B %Y} ({settings.time_zone}), against the week before and "
           f"the 4 weeks before it. Filters: {report.filters_text(flt)}.")
if report.has_data(review) and (note := review.provisional_note(today)):
    st.warning(note, icon=":material/hourglass_top:")
ui.table(report.display_table(review.table), f"weekly_kpis_{week}", key="weekly_kpis", height="content")
ui.caption(report.NOISE_NOTE)

if not report.has_data(review):
    st.info(f"No contacts, surveys, journeys or orders in {week} or the week before it (after filters): "
            "nothing moved.")
else:
    st.subheader("Why it moved")
    ui.caption(report.MIX_NOTE + " Bold: beyond normal noise.")
    moved = set(review.table.filter(review.table["beyond_noise"])["kpi"])
    for kpi, text in review.sentences.items():
        st.markdown(f"**{report.markdown_safe(text)}**" if kpi in moved else report.markdown_safe(text))
    with st.expander("Every dimension's contributions"):
        kpi = st.selectbox("KPI", list(review.effects), format_func=definitions.label, key="weekly_effects_kpi")
        ui.table(report.effects_table(kpi, review.effects[kpi]), f"weekly_effects_{kpi}_{week}",
                 key="weekly_effects")
        ui.caption("One row per value of each dimension: count last and this week (contacts, surveys, journeys "
                   "or orders with the KPI known), share, the KPI in that cell, and its mix and rate effects.")

    st.subheader("Trend")
    st.plotly_chart(report.trend_figure(review.trend), width="stretch")
    ui.caption("Every KPI per ISO week: the 13 weeks before this one, and this week last.")

for n, section in enumerate(sections):
    st.subheader(section.title)
    ui.caption(section.caption)
    for i, part in enumerate(section.parts):
        st.markdown(f"**{report.markdown_safe(part.heading)}**")
        if isinstance(part.content, pl.DataFrame) and part.content.height:
            ui.table(part.content, f"weekly_{week}_{n}_{i}", key=f"weekly_section_{n}_{i}")
        elif not isinstance(part.content, pl.DataFrame):
            st.plotly_chart(part.content(), width="stretch", key=f"weekly_chart_{n}_{i}")
        if part.note:
            ui.caption(part.note)

st.subheader("Notes")
user = ui.current_user()
writes = user is not None and user.writes_notes
notes = st.text_area("Decisions and owners for this week, saved with the week in the store",
                     value=weekly.read_notes(ui.store().query, week), key=f"weekly_notes_{week}", height=120,
                     disabled=not writes)
if not writes:
    ui.caption("Executives, managers and analysts write the notes; you can read them.")
elif st.button("Save notes", icon=":material/save:"):
    try:
        writer = open_store(ui.database_url())  # a writing connection only for this short save
        weekly.save_notes(writer, week, notes or "")
        writer.engine.dispose()
        ui.record_event("notes_saved", str(week))
        st.success(f"Notes of {week} saved.")
    except StoreError as error:
        st.error(f"The notes could not be saved: {error}")

st.subheader("Report")
folder = ui.reports_folder(report.REPORTS_DIR)  # one per scope: nobody lists a report showing agents they may not see
ui.caption(f"One self-contained HTML file (opens offline, charts included); reports are kept in "
           f"`{report.REPORTS_DIR}/`, one per week and filters.")
if st.button("Build and keep this week's report", icon=":material/description:"):
    html = report.build(ui.query, week, flt, settings, report.store_label(ui.database_url()))
    st.success(f"Kept {report.save(html, report.file_name(week, flt), folder)}.")
past = report.past_reports(folder)
if past.height:
    chosen = st.selectbox("Past reports", past["report"].to_list(), key="weekly_past")
    path = folder / chosen
    st.download_button("Download", data=path.read_bytes, file_name=chosen, mime="text/html", on_click=ui.record_export,
                       args=(chosen,),
                       icon=":material/download:", key="weekly_download")
    ui.table(past, "weekly_reports", key="weekly_reports_table")
else:
    st.info("No reports kept yet.")
