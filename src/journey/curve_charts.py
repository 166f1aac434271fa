"""The Journey page's figures (plotly, no Streamlit), built from the frames of journey.curve and curve_detail.

`figure(...)` is the experience curve; the Overview draws it in small with `compact=True`.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from journey.curve import THIN_RATINGS, CurveReport
from journey.schema import STAGES

OURS, PEAK = "#1f77b4", "#2ca02c"
PEER_COLORS = ("#8c564b", "#9467bd", "#7f7f7f", "#bcbd22", "#17becf")
RATING_COLORS = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")  # 1 … 5
MAX_LABELLED_WEEKS = 16
NO_BENCHMARKS = "No peer benchmarks overlap this range: no stage is called a peak."


def figure(curve: pl.DataFrame, peers: pl.DataFrame, change: pl.DataFrame | None = None,
           compact: bool = False) -> go.Figure:
    """Our stage scores (line with markers) against each peer's benchmark, peaks starred with their margin.

    In: the curve (one row per stage: stage, score, ratings, margin, peak), peers (stage, peer, score) and
    optionally the week-over-week change (stage, score_week_change). Under each stage: its ratings and change.
    """
    fig = go.Figure()
    for number, (peer, benchmarks) in enumerate(peers.sort("peer").group_by("peer", maintain_order=True)):
        scores = dict(zip(benchmarks["stage"].to_list(), benchmarks["score"].to_list(), strict=True))
        fig.add_trace(go.Scatter(
            x=list(STAGES), y=[scores.get(s) for s in STAGES], name=str(peer[0]), mode="lines",
            line={"color": PEER_COLORS[number % len(PEER_COLORS)], "dash": "dot", "width": 2},
            connectgaps=True, hovertemplate=f"{peer[0]}<br>%{{x}}: %{{y:.1f}}<extra></extra>"))
    rows = curve.to_dicts()
    fig.add_trace(go.Scatter(
        x=[r["stage"] for r in rows], y=[r["score"] for r in rows], name="our score", mode="lines+markers",
        line={"color": OURS, "width": 3}, marker={"size": 10 if not compact else 7},
        customdata=[[r["ratings"], _margin(r["margin"])] for r in rows],
        hovertemplate="%{x}: %{y:.1f}<br>%{customdata[0]:,} ratings<br>margin over best peer: %{customdata[1]}"
                      "<extra></extra>"))
    peaks = [r for r in rows if r["peak"]]
    fig.add_trace(go.Scatter(
        x=[r["stage"] for r in peaks], y=[r["score"] for r in peaks], name="peak", mode="markers+text",
        marker={"symbol": "star", "size": 22 if not compact else 15, "color": PEAK},
        text=[f"peak +{r['margin']:.1f}" for r in peaks], textposition="top center",
        textfont={"color": PEAK, "size": 13 if not compact else 11}, hoverinfo="skip", cliponaxis=False))
    _layout(fig, rows, change, compact)
    if peers.height == 0:
        fig.add_annotation(text="No peer benchmarks" if compact else NO_BENCHMARKS, xref="paper", yref="paper",
                           x=0.5, y=1.0, showarrow=False, font={"color": "#b35c00"}, yanchor="bottom")
    return fig


def _margin(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}"


def _layout(fig: go.Figure, rows: list[dict[str, object]], change: pl.DataFrame | None, compact: bool) -> None:
    changes = {} if change is None else dict(zip(change["stage"].to_list(), change["score_week_change"].to_list(),
                                                 strict=True))
    ticks = [_tick(str(r["stage"]), int(str(r["ratings"])), changes.get(r["stage"]), compact) for r in rows]
    fig.update_layout(
        height=220 if compact else 440, margin={"t": 10 if compact else 40, "b": 10 if compact else 90, "l": 10},
        showlegend=not compact, legend={"orientation": "h", "y": 1.12},
        yaxis={"title": None if compact else "score (0–100)", "rangemode": "normal"},
        xaxis={"tickmode": "array", "tickvals": list(STAGES), "ticktext": ticks, "categoryorder": "array",
               "categoryarray": list(STAGES), "range": [-0.4, len(STAGES) - 0.4]})  # room for a peak's label


def _tick(stage: str, ratings: int, change: float | None, compact: bool) -> str:
    if compact:
        return stage
    moved = "" if change is None else f"<br>{'▲' if change >= 0 else '▼'} {change:+.1f} wk/wk"
    return f"<b>{stage}</b><br>{ratings:,} ratings{moved}"


def compare_figure(table: pl.DataFrame) -> go.Figure:
    """The curve per value of a dimension, overlaid; points under THIN_RATINGS ratings are hollow."""
    fig = go.Figure()
    for value, rows in table.group_by("value", maintain_order=True):
        by_stage = {r["stage"]: r for r in rows.to_dicts()}
        cells = [by_stage.get(s) for s in STAGES]
        fig.add_trace(go.Scatter(
            x=list(STAGES), y=[c["score"] if c else None for c in cells], name=str(value[0]), mode="lines+markers",
            marker={"size": 9, "symbol": ["circle-open" if c and c["thin"] else "circle" for c in cells]},
            customdata=[c["ratings"] if c else 0 for c in cells], connectgaps=False,
            hovertemplate=f"{value[0]}<br>%{{x}}: %{{y:.1f}} (%{{customdata:,}} ratings)<extra></extra>"))
    fig.update_layout(height=400, margin={"t": 40, "b": 40}, legend={"orientation": "h", "y": 1.12},
                      yaxis_title="score (0–100)",
                      xaxis={"categoryorder": "array", "categoryarray": list(STAGES)})
    return fig


def funnel_figure(funnel: pl.DataFrame) -> go.Figure:
    """Journeys reaching each stage, with the share of all journeys (journeys may start after find)."""
    shares = ["–" if share is None else f"{share:.0%}" for share in funnel["reached_share"].to_list()]
    fig = go.Figure(go.Funnel(y=funnel["stage"].to_list(), x=funnel["reached_count"].to_list(), text=shares,
                              texttemplate="%{value:,}<br>%{text}", marker={"color": OURS}))
    fig.update_layout(height=320, margin={"t": 10, "b": 10})
    return fig


def distribution_figure(weeks: pl.DataFrame) -> go.Figure:
    """Share of each rating per week, stacked (red = 1 … green = 5), with the ratings count on top and in the hover."""
    fig = go.Figure()
    weeks_shown = [f"{d:%d %b}" for d in weeks["week_start"].to_list()]
    for rating, color in zip(range(1, 6), RATING_COLORS, strict=True):
        share = (weeks[f"rating_{rating}_count"] / weeks["ratings"]).to_list() if weeks.height else []
        fig.add_trace(go.Bar(x=weeks_shown, y=share, name=str(rating), marker_color=color,
                             customdata=list(zip(weeks[f"rating_{rating}_count"].to_list(),
                                                 weeks["ratings"].to_list(), strict=True)),
                             hovertemplate=f"rating {rating}: %{{y:.0%}} (%{{customdata[0]}} of %{{customdata[1]}})"
                                           "<extra></extra>"))
    if weeks.height <= MAX_LABELLED_WEEKS:  # more labels would overlap; the hover still gives the counts
        fig.add_trace(go.Scatter(x=weeks_shown, y=[1.04] * weeks.height, mode="text", showlegend=False,
                                 text=[f"n={n}" for n in weeks["ratings"].to_list()], hoverinfo="skip"))
    fig.update_layout(barmode="stack", height=340, margin={"t": 30, "b": 40}, yaxis_tickformat=".0%",
                      legend={"orientation": "h", "y": 1.15, "title": {"text": "rating"}},
                      xaxis={"title": "week starting (Monday)", "type": "category"})
    return fig


def thin_note(table: pl.DataFrame) -> str:
    """Which points rest on fewer than THIN_RATINGS ratings."""
    thin = table.filter(pl.col("thin"))
    if thin.height == 0:
        return f"Every point rests on at least {THIN_RATINGS} ratings."
    listed = ", ".join(f"{r['value']} {r['stage']} ({r['ratings']})" for r in thin.head(8).to_dicts())
    return f"Hollow points rest on fewer than {THIN_RATINGS} ratings: {listed}{' …' if thin.height > 8 else ''}."


def small(result: CurveReport) -> go.Figure:
    """The experience curve in small, for the Overview: our line, the peers, the peaks; no legend or counts."""
    return figure(result.curve, result.peers, compact=True)
