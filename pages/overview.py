"""Overview: the executive KPIs of the range, each against its target and last week."""

import streamlit as st

from journey import definitions, kpis, ui

flt = ui.filters()
settings = ui.settings()
report = kpis.report(ui.query, flt, settings)

st.title("Overview")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y} ({flt.days} days). "
           "Change compares the last 7 days of the range with the 7 days before.")

for row in (kpis.KPI_NAMES[:6], kpis.KPI_NAMES[6:]):
    for column, name in zip(st.columns(6), row, strict=False):
        value, change, target = report.values[name], report.change(name), settings.targets.get(name)
        status = kpis.target_status(value, target)
        help_text = definitions.HELP[name]
        if target:
            help_text += (f"\n\nTarget: {ui.format_value(name, target.value)} ({target.better} is better)"
                          f" — {status}.")
        column.metric(
            definitions.label(name), ui.format_value(name, value),
            delta=None if change is None else ui.format_change(name, change),
            delta_color=ui.delta_color(target),
            help=help_text, border=True,
        )
        if target:
            column.caption(f"{ui.status_icon(status)} target {ui.format_value(name, target.value)}")
