"""Pipeline: where the pipeline stands, what it will close against quota, and how far to trust the forecast."""

import streamlit as st

from journey import definitions, pipeline, pipeline_charts, pipeline_flow, ui
from journey.overlap import together

flt = ui.filters()
settings = ui.settings()
head, picker = st.columns([3, 1], vertical_alignment="bottom")
head.title("Pipeline")
today = pipeline.today(settings)
as_of = picker.date_input("As of", value=ui.day_in_url("as_of", today), key="pipeline_as_of",
                          help="The pipeline at the start of this day: only what happened before it counts.")
ui.keep_day_in_url("as_of", as_of, today)
(result, best), closed, states = together(lambda: pipeline.with_preferred(ui.query, as_of, flt, settings),
                                          lambda: pipeline_flow.closed_cells(ui.query, flt, settings),
                                          lambda: pipeline_flow.week_states(ui.query, as_of, flt, settings))
ui.caption(f"Open pipeline and forecasts as of the start of {as_of:%d %b %Y}; conversion, win/loss and cycle over "
           f"deals closed {flt.start:%d %b %Y} – {flt.end:%d %b %Y}. Segment and region filter deals by their "
           "customer, team by their owner; channel does not apply to opportunities.")
if flt.channel:
    st.info("The channel filter does not apply to opportunities (a deal has no channel); it is ignored here.")


def headline() -> None:
    for column, (label, name, value, help_text) in zip(st.columns(4), pipeline.headline(result, best), strict=True):
        column.metric(label, ui.format_tile(name, value), help=ui.tile_help(name, value, help_text), border=True)


def funnel() -> None:
    st.subheader("Funnel")
    stages = pipeline_flow.funnel(ui.query, result.open_cells, result.probabilities, flt, settings)
    speed = pipeline_flow.velocity(result.open_cells, closed)
    left, right = st.columns([2, 3])
    left.plotly_chart(pipeline_charts.funnel(stages), width="stretch")
    with right:
        ui.table(pipeline.display(stages), "pipeline_funnel", key="pipeline_funnel")
        for column, (name, value) in zip(st.columns(4), speed.values().items(), strict=True):
            column.metric(definitions.label(name), ui.format_tile(name, value),
                          help=ui.tile_help(name, value, definitions.HELP.get(name, "")))
    ui.caption("Open deals and amount per stage as of the day. Conversion: of the deals closed in the range that were "
               "in the stage, the share whose next step was a later stage or a win; days in stage: their mean time in "
               "it. Velocity = open deals × win rate × mean won amount / cycle days (amount per day).")


def forecast() -> None:
    st.subheader("Forecast against quota")
    months = pipeline.side_by_side(result)
    st.plotly_chart(pipeline_charts.forecast_months(months, best.months.with_columns(
        period=best.months["period"].dt.strftime("%Y-%m"))), width="stretch")
    ui.table(pipeline.display(months), "pipeline_forecast", key="pipeline_forecast")
    ui.caption("Forecast = won so far in the month + what open deals are expected to bring. Weighted: amount × stage "
               "probability of deals whose expected close falls in the month (overdue deals count in the current "
               "month). Learned timing: amount × the share of past deals of the same stage and age that were won in "
               "that month. Bars: 90% interval, a normal approximation to the sum of independent all-or-nothing deals.")
    names = list(pipeline.METHODS)
    method = st.radio("Method", names, index=names.index(best.method), horizontal=True, key="pipeline_method",
                      format_func=lambda m: pipeline.METHODS[m])
    for label, keys in (("team", ("team",)), ("owner", ("owner_id", "owner_name"))):
        table = pipeline.against_quota(ui.query, result, flt, settings, method, keys)
        st.markdown(f"**Per {label}**")
        ui.table(pipeline.display(table), f"pipeline_quota_per_{label}", key=f"pipeline_quota_{label}")
    ui.caption("Attainment = won / quota; coverage = open pipeline (unweighted, expected to close in the month) / "
               "(quota − won). Quotas are prorated by day over their period"
               + ("; they belong to owners, so under a segment or region filter they are not compared." if
                  flt.segment or flt.region else "."))


def trust() -> None:
    st.subheader("How far to trust it")
    table = pipeline.backtest_table(result)
    left, right = st.columns(2)
    left.metric("WAPE, weighted", ui.format_value("wape_pct", result.wape), border=True)
    right.metric("WAPE, learned timing", ui.format_value("wape_pct", result.timing_wape), border=True)
    st.success(f"{pipeline.reason(result)} The Overview shows this method.", icon=":material/verified:")
    st.plotly_chart(pipeline_charts.backtest(table), width="stretch")
    ui.table(pipeline.display(table), "pipeline_backtest", key="pipeline_backtest")
    ui.caption(f"For each of the last {settings.backtest_months} months: each method's forecast as of its first day, "
               "learning only from what happened before it, against the amount actually won in the month. "
               f"WAPE = Σ|forecast − actual| / Σ actual. {pipeline.interval_note(table)}")
    with st.expander("Stage probabilities"):
        ui.table(pipeline.display(result.stages), "pipeline_stage_probabilities", key="pipeline_stages")
        ui.caption(f"Learned: share won among deals closed in the 365 days before the day that had entered the stage; "
                   f"with fewer than {settings.min_closed_for_learned} such deals the configured probability is used.")


def changes() -> None:
    st.subheader("Pipeline changes this week")
    st.plotly_chart(pipeline_charts.waterfall(pipeline_flow.bridge(
        states, result.probabilities, settings.pipeline_stages)), width="stretch")
    ui.table(pipeline.display(pipeline_flow.week_summary(states, settings.pipeline_stages)), "pipeline_week_changes",
             key="pipeline_week")
    ui.caption("The 7 days before the as-of day. Waterfall: the weighted amount of deals open and not yet past their "
               "expected close, a week ago to now (today's probabilities at both ends); a deal that slips leaves it. "
               "Table: every change, overdue deals included, in unweighted amounts.")


def win_loss() -> None:
    st.subheader("Win/loss")
    keys = {"product": ("product",), "owner": ("owner_name",), "source": ("source",)}
    by = st.segmented_control("By", list(keys), default="product", key="pipeline_win_loss_by") or "product"
    table = pipeline_flow.win_loss(closed, keys[by])
    reasons = pipeline_flow.lost_reasons(closed)
    left, right = st.columns(2)
    left.plotly_chart(pipeline_charts.win_loss(table, keys[by][0]), width="stretch")
    if pipeline_flow.any_reason_given(reasons):
        right.plotly_chart(pipeline_charts.pareto(reasons), width="stretch")
    else:
        right.info("No lost deal in the range has a lost reason recorded, so there is no Pareto of reasons.")
    ui.table(pipeline.display(table), f"pipeline_win_loss_by_{by}", key="pipeline_win_loss")
    ui.caption("Deals won or lost in the date range; win rate = won / (won + lost). Right: lost deals per reason, most "
               "frequent first, with their cumulative share (Pareto).")


headline()
if result.open_cells.height == 0 and result.won.height == 0 and closed.height == 0:
    st.info("No opportunities: none open as of this day, none won in the backtest months, none closed in the range "
            "(with these filters). Pick another as-of day, widen the range or clear a filter.")
else:
    for section in (funnel, forecast, trust, changes, win_loss):
        section()
