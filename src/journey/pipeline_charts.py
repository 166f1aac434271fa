"""Plotly figures of the Pipeline page; each takes a frame from journey.pipeline or pipeline_flow."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from journey.pipeline import METHODS

COLORS = {"weighted": "#8c8c8c", "timing": "#1f77b4", "actual": "#2ca02c", "lost": "#d62728"}
LAYOUT = {"height": 360, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
          "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}}


def funnel(stages: pl.DataFrame) -> go.Figure:
    """Open amount per stage as of the day, with the deal count."""
    figure = go.Figure(go.Funnel(
        y=stages["stage"].to_list(), x=stages["open_amount"].to_list(), textinfo="value",
        texttemplate="%{x:,.0f}<br>%{customdata} deals", customdata=stages["open_count"].to_list(),
        marker={"color": COLORS["timing"]}))
    return figure.update_layout(**LAYOUT)


def forecast_months(months: pl.DataFrame, quota: pl.DataFrame) -> go.Figure:
    """Each method's forecast per month with its 90% interval; the quota as a marker."""
    figure = go.Figure()
    for name, label in METHODS.items():
        rows = months.filter(pl.col("method") == label)
        figure.add_bar(x=rows["period"].to_list(), y=rows["forecast"].to_list(), name=label,
                       marker_color=COLORS[name], error_y={
                           "type": "data", "symmetric": False,
                           "array": (rows["forecast_high"] - rows["forecast"]).to_list(),
                           "arrayminus": (rows["forecast"] - rows["forecast_low"]).to_list()})
    if quota.height and quota["quota"].null_count() < quota.height:
        figure.add_scatter(x=quota["period"].to_list(), y=quota["quota"].to_list(), name="quota", mode="markers",
                           marker={"symbol": "line-ew-open", "size": 40, "line": {"width": 3}, "color": "black"})
    return figure.update_layout(barmode="group", yaxis_title="amount", xaxis_type="category", **LAYOUT)


def backtest(table: pl.DataFrame) -> go.Figure:
    """Actual won amount per past month against each method's forecast as of the month's first day."""
    figure = go.Figure()
    figure.add_bar(x=table["month"].to_list(), y=table["actual_won"].to_list(), name="actual won",
                   marker_color=COLORS["actual"], opacity=0.6)
    for name, label in METHODS.items():
        figure.add_scatter(x=table["month"].to_list(), y=table[f"{name}_forecast"].to_list(), name=label,
                           mode="lines+markers", line={"color": COLORS[name], "width": 3})
    return figure.update_layout(yaxis_title="amount", xaxis_type="category", **LAYOUT)


def waterfall(steps: pl.DataFrame) -> go.Figure:
    """Last week's on-schedule weighted pipeline to this week's, step by step."""
    shown = steps.filter((pl.col("weighted_change") != 0) | pl.col("step").is_in(["open a week ago", "open now"]))
    names = shown["step"].to_list()
    measures = ["absolute" if n == "open a week ago" else "total" if n == "open now" else "relative" for n in names]
    values = shown["weighted_change"].to_list()  # plotly sums up to a total itself; its value is the label
    figure = go.Figure(go.Waterfall(
        x=names, y=values, measure=measures, texttemplate="%{y:,.0f}", textposition="outside",
        customdata=shown["deal_count"].to_list(), hovertemplate="%{x}: %{y:,.0f} (%{customdata} deals)<extra></extra>",
        increasing={"marker": {"color": COLORS["actual"]}}, decreasing={"marker": {"color": COLORS["lost"]}},
        totals={"marker": {"color": COLORS["timing"]}}))
    return figure.update_layout(showlegend=False, yaxis_title="weighted amount", **LAYOUT)


def win_loss(table: pl.DataFrame, key: str) -> go.Figure:
    """Won and lost deals per value, the win rate written on the bar."""
    labels = table[key].to_list()
    figure = go.Figure()
    figure.add_bar(y=labels, x=table["won_count"].to_list(), name="won", orientation="h",
                   marker_color=COLORS["actual"], text=[f"{r:.0%}" if r is not None else "" for r in table["win_rate"]])
    figure.add_bar(y=labels, x=table["lost_count"].to_list(), name="lost", orientation="h",
                   marker_color=COLORS["lost"])
    return figure.update_layout(barmode="stack", xaxis_title="deals closed", yaxis={"autorange": "reversed"},
                                **LAYOUT)


def pareto(reasons: pl.DataFrame) -> go.Figure:
    """Lost deals per reason, most frequent first, and the cumulative share."""
    figure = go.Figure()
    figure.add_bar(x=reasons["lost_reason"].to_list(), y=reasons["lost_count"].to_list(), name="lost deals",
                   marker_color=COLORS["lost"])
    figure.add_scatter(x=reasons["lost_reason"].to_list(), y=reasons["cumulative_share"].to_list(), yaxis="y2",
                       name="cumulative share", mode="lines+markers", line={"color": "black"})
    return figure.update_layout(yaxis={"title": "lost deals"}, yaxis2={
        "title": "cumulative share", "overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.05],
        "dtick": 0.25, "showgrid": False},
        **LAYOUT)
