"""Journey: how each stage of a purchase feels against our peers, where we peak, and what peaks do."""

import streamlit as st

from journey import curve, curve_charts, curve_detail, definitions, ui
from journey.schema import STAGES

flt = ui.filters()
settings = ui.settings()
result = curve.report(ui.query, flt, settings)
totals = curve_detail.journey_totals(ui.query, flt, settings)

st.title("Journey")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y}: journey events by event time (a journey by its first "
           "event), after the filters; channel filters events (events without a channel drop out), team does not "
           "apply to journeys.")


def experience_curve() -> None:
    st.subheader("Experience curve")
    st.plotly_chart(curve_charts.figure(result.curve, result.peers, result.change), width="stretch")
    ui.caption(f"Score = 100 × mean((rating − 1) / 4) over the stage's rated events. Dotted: each peer's benchmark "
               "(its highest score among benchmarks whose period overlaps the range). ★ = peak: at least "
               f"{settings.peak_margin:g} points above the best peer (margin shown). Under each stage: its ratings "
               "and the change of the range's last 7 days against the 7 before.")
    ui.table(curve.display(result), "journey_curve", key="journey_curve")


def compare() -> None:
    st.subheader("Compare")
    dimension = st.radio("Curve by", curve.COMPARE_DIMENSIONS, horizontal=True, key="journey_compare")
    table = curve.compare(result.cells, str(dimension))
    st.plotly_chart(curve_charts.compare_figure(table), width="stretch")
    ui.caption(f"The stage score per {dimension}; hover a point for its ratings. "
               f"{curve_charts.thin_note(table)}")
    ui.table(curve.for_display(table.rename({"value": str(dimension)})), f"journey_curve_by_{dimension}",
             key="journey_compare_table")


def funnel() -> None:
    st.subheader("Stage funnel")
    conversion = curve_detail.conversion(totals)
    st.metric(definitions.label("journey_conversion"), ui.format_value("journey_conversion", conversion),
              help=definitions.HELP["journey_conversion"])
    stages = curve_detail.funnel(totals)
    st.plotly_chart(curve_charts.funnel_figure(stages), width="stretch")
    ui.table(stages, "journey_funnel", key="journey_funnel")
    ui.caption("Journeys (in range by their first event) with an event of each stage; continued = the share of them "
               "with an event of a later stage (a journey may skip one); abandoned = journeys with an abandoned event "
               "there. Conversion is the Overview's KPI, computed by the same query.")


def peak_impact() -> None:
    st.subheader("Peak impact")
    comparisons = [curve_detail.peak_impact(totals), *curve_detail.repurchase(ui.query, flt, settings)]
    for comparison in comparisons:
        st.markdown(f"**{comparison.name}.** {curve_detail.sentence(comparison)}")
    ui.table(curve_detail.impact_table(comparisons), "journey_peak_impact", key="journey_impact")
    ui.caption("A journey has a peak when one of its find or choose events is rated 5. Repurchase: customers by "
               "their first rated receive (or return) event in the range; repurchased = a completed buy in another "
               f"journey within {curve_detail.REPURCHASE_DAYS} days after it (any time, whatever the filters; "
               "recent ratings have had less time). Difference in points with a 95% interval from the normal "
               "approximation for two proportions; significant when the interval excludes zero.")


def drill_down() -> None:
    st.subheader("Stage drill-down")
    stage = st.selectbox("Stage", STAGES, key="journey_stage")
    weeks = curve.rating_distribution(result.cells, str(stage))
    st.plotly_chart(curve_charts.distribution_figure(weeks), width="stretch")
    ui.caption(f"Share of each rating of the {stage} stage per week (Monday start; the first and last week may be "
               "partial); n = ratings that week (in the hover when the range is long).")
    ui.table(curve.for_display(weeks), f"journey_{stage}_ratings", key="journey_weeks")
    st.markdown(f"**Contact reasons at {stage}**")
    ui.table(curve_detail.stage_reasons(ui.query, flt, settings, str(stage)), f"journey_{stage}_reasons",
             key="journey_reasons")
    ui.caption(f"Contact reasons raised at {stage}: contacts in the range whose stage is {stage} (all filters, "
               "team too); resolved = share resolved among those with resolution known.")
    st.markdown(f"**Worst journeys at {stage}**")
    ui.table(curve_detail.worst_journeys(ui.query, flt, settings, str(stage)), f"journey_{stage}_worst",
             key="journey_worst")
    ui.caption(f"The {curve_detail.WORST_JOURNEYS} journeys rated worst at {stage} in the range (lowest rating "
               "there, most recent first), with all their events; times in UTC.")


if result.ratings == 0 and not totals.get("journeys_count"):
    st.info("No journey events in this range with these filters, so there is no curve to draw. "
            "Widen the date range or clear a filter.")
else:
    for section in (experience_curve, compare, funnel, peak_impact, drill_down):
        section()
