"""Customers: what each one brings against what serving them costs, what they say, and contacts nobody coordinated."""

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from journey import customers, definitions, ui

flt = ui.filters()
settings = ui.settings()
costs = ", ".join(f"{channel} {cost:g}" for channel, cost in settings.cost_per_contact.items())

st.title("Customers")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y}: customers with a non-cancelled order or a contact in the "
           f"range. Cost-to-serve = Σ cost per contact of its channel ({costs}; a channel not configured costs 0); "
           f"margin = revenue × {settings.gross_margin:g} − cost-to-serve. Channel and team filters narrow the "
           "contacts, not the orders.")


def metrics(names: list[str], values: dict[str, float | int | None]) -> None:
    for column, name in zip(st.columns(len(names)), names, strict=True):
        column.metric(definitions.label(name), ui.format_tile(name, values[name]),
                      help=ui.tile_help(name, values[name], definitions.HELP[name]))


def chart(figure: go.Figure, text: str) -> None:
    if any(len(trace.x if trace.x is not None else ()) for trace in figure.data):
        st.plotly_chart(figure, width="stretch")
    else:
        st.info("Nothing to chart in this range with these filters.")
    ui.caption(text)


def on_mondays(figure: go.Figure, weeks: pl.Series) -> go.Figure:
    """Weekly points sit on their Mondays: the ticks too (Plotly's own weekly ticks fall on Sundays), about a dozen."""
    step = max(1, -(-weeks.len() // 12))
    return figure.update_xaxes(tickvals=weeks.to_list()[::step], tickformat="%d %b")


def value_section() -> None:
    # one query gives the cells, the scatter and the list chosen below (its choice is known before it is drawn)
    report_group = st.session_state.get("customers_group") or "most_valuable"
    report = customers.value_report(ui.query, flt, settings, report_group)
    cells = report.cells
    value = customers.value_summary(cells)
    if not value["customers"]:
        st.info("No customer ordered or was contacted in this range with these filters.")
        return
    metrics(["customers_count", "revenue", "cost_to_serve", "margin", "pareto_share"],
            {**value, "customers_count": value["customers"]})
    left, right = st.columns(2)
    with left:
        curve = customers.pareto_curve(cells)
        figure = px.line(curve, x="customer_share", y="margin_share", labels={
            "customer_share": "share of customers (by margin, highest first)", "margin_share": "share of margin"})
        figure.add_hline(y=customers.PARETO_TARGET, line_dash="dot")
        if value["pareto_share"] is not None:
            figure.add_vline(x=value["pareto_share"], line_dash="dot")
        chart(figure.update_layout(xaxis_tickformat=".0%", yaxis_tickformat=".0%"),
              f"Cumulative margin against the share of customers, best first, as a share of the positive margin: "
              f"{ui.format_value('pareto_share', value['pareto_share'])} of customers bring 80% of it; the curve "
              "falls at the end where customers cost more than they bring.")
    with right:
        points = report.points
        chart(px.scatter(points, x="revenue", y="cost_to_serve", color="group", hover_name="customer_id",
                         hover_data=["name", "segment", "margin", "groups"], color_discrete_map=customers.GROUP_COLORS),
              f"Each dot a customer{' (an even sample by margin rank)' if points.height < value['customers'] else ''}"
              ": revenue in the range against cost-to-serve.")
    for column, (group, count, total) in zip(st.columns(3), customers.group_tiles(value), strict=True):
        column.metric(customers.GROUP_LABELS[group], f"{count:,}", total, delta_color="off", delta_arrow="off",
                      help=definitions.HELP[f"{group}_count"])
    group = st.segmented_control("List", list(customers.GROUP_LABELS), default="most_valuable", required=True,
                                 key="customers_group", format_func=customers.GROUP_LABELS.get) or "most_valuable"
    listed = report.listed if group == report_group else customers.customer_list(ui.query, flt, settings, group)
    ui.table(listed.rows, f"customers_{group}", key="customers_list")
    ui.caption(f"{listed.rows.height:,} of {listed.total:,} customers. Growth: revenue in the 6 months up to "
               f"{flt.end:%d %b %Y} minus the 6 months before; fastest growing = the top 20% by growth, growth > 0. "
               "Equal values (to a millionth) are listed by customer id.")
    for dimension in ("segment", "region"):
        ui.table(customers.groups_by(cells, dimension), f"customer_groups_by_{dimension}", key=f"groups_{dimension}")
    ui.caption("The groups by segment and by region: counts and totals of each.")


def voice_section() -> None:
    weekly = customers.survey_weekly(ui.query, flt, settings)
    for column, name in zip(st.columns(3), ("nps", "csat_pct", "ces"), strict=True):
        with column:
            figure = px.line(weekly, x="week_start", y=name, markers=True, title=definitions.label(name),
                             hover_data=["surveys_count"], labels={"week_start": "week", name: ""})
            figure = on_mondays(figure, weekly["week_start"]).update_layout(
                yaxis_tickformat=".0%" if name == "csat_pct" else None)
            chart(figure,
                  definitions.HELP[name] + " Per week (Monday start; the first and last may be partial).")
    search = st.text_input("Search detractor and churn-intent comments", key="customers_search")
    found = customers.comments(ui.query, flt, settings, search)
    ui.table(found.rows, "customer_comments", key="customers_comments")
    ui.caption(f"{found.total:,} surveys with NPS 0–6 or churn intent and a comment containing the search, newest "
               "first (at most 500 shown).")
    late = customers.at_risk(ui.query, flt, settings)
    st.metric("At-risk without follow-up", f"{late.total:,}", help=definitions.HELP["at_risk_without_follow_up"])
    ui.table(late.rows, "at_risk_without_follow_up", key="customers_at_risk")
    ui.caption(f"Customers with a survey in range (NPS 0–6 or churn intent) and no follow-up created at the answer or "
               f"up to {settings.follow_up_window_days:g} days after it; longest waiting first.")
    ui.table(customers.follow_ups(ui.query, flt, settings, scope=ui.scope()), "follow_ups_per_agent",
             key="customers_follow_ups")
    ui.caption("Open follow-ups per agent at the end of the range (or now, if sooner): due = due date still ahead, "
               "overdue = past.")


def coordination_section() -> None:
    daily = customers.coordination_daily(ui.query, flt, settings)
    metrics(["customer_days_outbound", "uncoordinated_days", "coordination_rate"],
            customers.coordination_summary(daily))
    weeks = customers.coordination_weekly(daily)
    chart(on_mondays(px.bar(weeks, x="week_start", y="uncoordinated_count",
                            hover_data=["customer_days_count", "uncoordinated_rate"],
                            labels={"week_start": "week", "uncoordinated_count": "uncoordinated days"}),
                     weeks["week_start"]),
          "Per week: customer days (a customer and a local calendar day) with outbound contacts from two or more "
          "departments.")
    ui.table(customers.department_pairs(ui.query, flt, settings), "department_pairs", key="customers_pairs")
    ui.caption("Department pairs that contacted the same customer on the same day, most frequent first.")
    concerned = customers.uncoordinated_customers(ui.query, flt, settings)
    ui.table(concerned.rows, "uncoordinated_customers", key="customers_concerned")
    ui.caption(f"The {concerned.total:,} customers concerned, most uncoordinated days first.")
    days = customers.uncoordinated_days(ui.query, flt, settings)
    ui.table(days.rows, "uncoordinated_days", key="customers_days")
    ui.caption(f"The newest uncoordinated customer days ({days.rows.height:,} of {days.total:,}) with all that "
               "day's contacts, local time.")


def service_section() -> None:
    frequency = customers.contact_frequency(ui.query, flt, settings)
    chart(px.bar(frequency, x="contacts_per_customer", y="customers_count"),
          "Customers by the number of inbound contacts (service requests) they made in the range; who contacts "
          "most, with what they are worth: the Most contacts list under Value and cost-to-serve.")
    reasons = customers.service_reasons(ui.query, flt, settings)
    chart(px.bar(reasons.head(10), y="reason", x=["repeat_count", "escalated_count"], orientation="h",
                 barmode="group", labels={"value": "contacts", "variable": ""}).update_yaxes(autorange="reversed"),
          "The ten reasons with the most repeats plus escalations.")
    ui.table(reasons, "service_reasons", key="customers_reasons")
    ui.caption(f"Inbound contacts per reason, most repeats plus escalations first: a repeat is followed by a "
               f"contact of the same customer and reason within {settings.repeat_window_days:g} days; escalation "
               "rate among contacts with it recorded.")


SECTIONS = {"Value and cost-to-serve": value_section, "Voice of the customer": voice_section,
            "Contact coordination": coordination_section, "Service requests": service_section}
# only the open tab runs its queries (a million customers: each section costs tenths of a second); the open tab
# is in the URL (?section=...), so a link reopens it
tabs = st.tabs(list(SECTIONS), key="section", on_change="rerun", bind="query-params")
for tab, section in zip(tabs, SECTIONS.values(), strict=True):
    if tab.open:
        with tab:
            section()
