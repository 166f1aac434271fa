"""Overview: every KPI against its target and last week, with its 12-week sparkline, and what needs attention."""

import streamlit as st

from journey import definitions, kpis, ui, weekly

flt = ui.filters()
settings = ui.settings()
report, sparklines = weekly.tiles(ui.query, flt, settings)
links = flt.to_query()
# the page that explains each tile
EXPLAINED_BY = {
    "contacts": "weekly_review", "csat_pct": "customers", "nps": "customers", "ces": "customers",
    "fcr": "agents", "repeat_7d": "agents", "aht_seconds": "agents", "journey_conversion": "journey",
    "revenue": "customers", "return_rate": "journey", "on_time_delivery": "journey",
}
TILE_HEIGHT = 190  # pixels: tiles line up whether or not they have a sparkline
PAGE_TITLES = {"weekly_review": "Weekly review", "customers": "Customers", "agents": "Agents", "journey": "Journey",
               "pipeline": "Pipeline", "data_health": "Data health"}

st.title("Overview")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y} ({flt.days} days). Change compares the last 7 days of the "
           "range with the 7 days before; the sparkline shows the 12 such 7-day weeks ending on the range's last day.")
st.page_link("pages/weekly_review.py", label="What moved this week, and why: Weekly review", query_params=links,
             icon=":material/event_note:")


def tile(column: st.delta_generator.DeltaGenerator, name: str) -> None:
    value, change, target = report.values[name], report.change(name), settings.targets.get(name)
    status = kpis.target_status(value, target)
    help_text = definitions.HELP[name]
    if target:
        help_text += f"\n\nTarget: {ui.format_value(name, target.value)} ({target.better} is better) — {status}."
    line = [v for v in sparklines[name] if v is not None]
    column.metric(definitions.label(name), ui.format_value(name, value),
                  delta=None if change is None else ui.format_change(name, change), delta_color=ui.delta_color(target),
                  help=help_text, border=True, chart_data=line if len(line) > 1 else None, chart_type="line",
                  height=TILE_HEIGHT)
    column.caption(f"{ui.status_icon(status)} target {ui.format_value(name, target.value)}" if target
                   else f"{ui.status_icon(status)} no target")
    page = EXPLAINED_BY[name]
    column.page_link(f"pages/{page}.py", label=PAGE_TITLES[page], query_params=links, icon=":material/arrow_forward:")


for row in (kpis.KPI_NAMES[:6], kpis.KPI_NAMES[6:]):
    for column, name in zip(st.columns(6), row, strict=False):
        tile(column, name)

st.subheader("Alerts")
alerts = [(f"{definitions.label(n)} is off target: {ui.format_value(n, report.values[n])} against "
           f"{ui.format_value(n, settings.targets[n].value)} ({settings.targets[n].better} is better)", EXPLAINED_BY[n])
          for n in kpis.KPI_NAMES if kpis.target_status(report.values[n], settings.targets.get(n)) == "off target"]
for text, page in alerts:
    left, right = st.columns([4, 1])
    left.warning(text, icon=":material/warning:")
    right.page_link(f"pages/{page}.py", label=PAGE_TITLES[page], query_params=links, icon=":material/arrow_forward:")
measured = [n for n in settings.targets if report.values.get(n) is not None]
if not alerts and measured:
    st.success("No KPI is off target.")
elif not alerts:
    st.info("No KPI with a target has data in this range.")
ui.caption("A KPI is off target when its value over the range is on the wrong side of its target "
           "(config/journey.toml).")
