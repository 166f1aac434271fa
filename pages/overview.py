"""Overview: every KPI against its target and last week, the forecast against quota, the curve, what needs attention."""

from datetime import UTC, datetime

import streamlit as st

from journey import curve_charts, definitions, kpis, overview, ui, weekly
from journey.overlap import together

flt = ui.filters()
settings = ui.settings()
as_of = overview.forecast_as_of(flt, datetime.now(settings.zone).date())
(report, sparklines), (result, weeks), *forecasts = together(
    lambda: weekly.tiles(ui.query, flt, settings), lambda: overview.curves(ui.query, flt, settings),
    *overview.forecast_parts(ui.query, as_of, flt, settings))
forecast = overview.tile_of(as_of, *forecasts)
links = flt.to_query()
TILE_HEIGHT = 190  # pixels: tiles line up whether or not they have a sparkline

st.title("Overview")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y} ({flt.days} days). Change compares the last 7 days of the "
           "range with the 7 days before; the sparkline shows the 12 such 7-day weeks ending on the range's last day.")
st.page_link("pages/weekly_review.py", label="What moved this week, and why: Weekly review", query_params=links,
             icon=":material/event_note:")


def link(column: st.delta_generator.DeltaGenerator, page: str, **params: str) -> None:
    column.page_link(f"pages/{page}.py", label=overview.PAGE_TITLES[page], query_params={**links, **params},
                     icon=":material/arrow_forward:")


def tile(column: st.delta_generator.DeltaGenerator, name: str) -> None:
    value, change, target = report.values[name], report.change(name), settings.targets.get(name)
    status = kpis.target_status(value, target)
    help_text = definitions.HELP[name]
    if target:
        help_text += f"\n\nTarget: {ui.format_value(name, target.value)} ({target.better} is better) — {status}."
    line = [v for v in sparklines[name] if v is not None]
    column.metric(definitions.label(name), ui.format_tile(name, value),
                  **ui.delta(name, change, ui.delta_color(target)), help=ui.tile_help(name, value, help_text),
                  border=True, chart_data=line if len(line) > 1 else None, chart_type="line", height=TILE_HEIGHT)
    column.caption(f"{ui.status_icon(status)} target {ui.format_value(name, target.value)}" if target
                   else f"{ui.status_icon(status)} no target")
    link(column, overview.EXPLAINED_BY[name])


def forecast_tile(column: st.delta_generator.DeltaGenerator) -> None:
    column.metric(f"Forecast {forecast.period:%b}", ui.format_tile("forecast", forecast.forecast),
                  **ui.delta("forecast", forecast.change, "normal"),
                  help=ui.tile_help("forecast", forecast.forecast, overview.forecast_help(forecast)), border=True,
                  height=TILE_HEIGHT)
    quota = (f"{forecast.to_quota:.0%} of quota {ui.format_tile('quota', forecast.quota)}"
             if forecast.quota and forecast.to_quota is not None else "no quota")
    column.caption(f"{ui.status_icon(forecast.status)} {quota}")
    link(column, overview.EXPLAINED_BY["forecast"], as_of=forecast.as_of.isoformat())  # the same forecast there


first, second = st.columns(6), st.columns(6)
for column, name in zip([*first, *second], kpis.KPI_NAMES, strict=False):
    tile(column, name)
forecast_tile(second[-1])

left, right = st.columns([2, 3])
with left:
    st.subheader("Experience curve")
    if result.ratings:
        st.plotly_chart(curve_charts.small(result), width="stretch")
    else:
        st.info("No stage ratings in this range with these filters, so there is no curve to draw.")
    ui.caption(f"Stage scores (100 × mean of (rating − 1) / 4) over the range against the peers' benchmarks (dotted); "
               f"★ = a peak, at least {settings.peak_margin:g} points above the best peer.")
    link(left, "journey")
with right:
    st.subheader("Alerts")
    alerts = overview.alerts(ui.query, flt, settings, report.values, weeks, datetime.now(UTC).replace(tzinfo=None))
    for alert in alerts:
        text, go = st.columns([3, 1], vertical_alignment="center")
        text.warning(alert.text, icon=":material/warning:")
        link(go, alert.page)
    if not alerts:
        st.success("Nothing needs attention.", icon=":material/check_circle:")
    ui.caption("Checked: " + overview.CHECKED)
