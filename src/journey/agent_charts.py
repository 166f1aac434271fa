"""The Agents page's figures (plotly), built from the frames of journey.agents and journey.agent_detail."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

RANKED, UNRANKED = "#1f77b4", "#b0b0b0"


def _name(row: dict[str, object]) -> str:
    return f"{row['agent_name']} ({row['agent_id']})" if row.get("agent_name") else str(row["agent_id"])


def volume_quality(card: pl.DataFrame, overall: float | None, min_contacts: int) -> go.Figure:
    """Contacts handled (x) against mix-adjusted FCR (y) with its 95% interval; grey = below min_contacts."""
    figure = go.Figure()
    shown = card.filter(pl.col("fcr_adjusted").is_not_null())
    for ranked, color, label in ((True, RANKED, "ranked"), (False, UNRANKED, f"under {min_contacts} contacts")):
        part = shown.filter((pl.col("contacts") >= min_contacts) == ranked)
        figure.add_trace(go.Scatter(
            x=part["contacts"].to_list(), y=part["fcr_adjusted"].to_list(), mode="markers", name=label,
            marker={"color": color, "size": 9}, text=[_name(r) for r in part.to_dicts()],
            error_y={"type": "data", "symmetric": False, "color": color, "thickness": 1,
                     "array": (part["fcr_adjusted_high"] - part["fcr_adjusted"]).to_list(),
                     "arrayminus": (part["fcr_adjusted"] - part["fcr_adjusted_low"]).to_list()},
            hovertemplate="%{text}<br>%{x:,} contacts<br>adjusted FCR %{y:.1%}<extra></extra>"))
    if shown.height:
        busiest = shown.sort("contacts", descending=True).row(0, named=True)
        figure.add_annotation(x=busiest["contacts"], y=busiest["fcr_adjusted"], text=f"busiest: {_name(busiest)}",
                              showarrow=True, arrowhead=2, ay=-40)
    if overall is not None:
        figure.add_hline(y=overall, line_dash="dot", annotation_text=f"all agents {overall:.1%}",
                          annotation_position="top left")
    figure.update_layout(xaxis_title="contacts handled", yaxis_title="mix-adjusted FCR", yaxis_tickformat=".0%",
                         height=420, margin={"t": 30, "b": 40}, legend={"orientation": "h", "y": 1.08})
    return figure


def raw_vs_adjusted(table: pl.DataFrame) -> go.Figure:
    """Each agent's raw FCR (hollow) and mix-adjusted FCR (filled), joined by a line, best adjusted on top."""
    rows = table.sort("fcr_adjusted").to_dicts()
    names = [_name(r) for r in rows]
    figure = go.Figure()
    for row, name in zip(rows, names, strict=True):
        figure.add_trace(go.Scatter(x=[row["fcr"], row["fcr_adjusted"]], y=[name, name], mode="lines",
                                    line={"color": "#cccccc"}, showlegend=False, hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=[r["fcr"] for r in rows], y=names, mode="markers", name="raw FCR",
                                marker={"symbol": "circle-open", "size": 9, "color": "#7f7f7f"}))
    figure.add_trace(go.Scatter(x=[r["fcr_adjusted"] for r in rows], y=names, mode="markers", name="adjusted FCR",
                                marker={"size": 9, "color": RANKED}))
    figure.update_layout(xaxis_tickformat=".0%", height=max(300, 22 * len(rows) + 80), margin={"t": 30, "b": 40},
                         legend={"orientation": "h", "y": 1.04})
    return figure


def best_heatmap(matrix: pl.DataFrame) -> go.Figure:
    """Reason × agent shrunk FCR where the agent has enough contacts of the reason; ★ = recommended."""
    eligible = matrix.filter(pl.col("eligible") & pl.col("fcr_shrunk").is_not_null())
    reasons = sorted(eligible["reason"].unique().to_list())
    agent_ids = sorted(eligible["agent_id"].unique().to_list())
    value = {(r["reason"], r["agent_id"]): r for r in eligible.to_dicts()}
    z = [[value[(reason, a)]["fcr_shrunk"] if (reason, a) in value else None for a in agent_ids] for reason in reasons]
    text = [["★" if (reason, a) in value and value[(reason, a)]["best"] else "" for a in agent_ids]
            for reason in reasons]
    figure = go.Figure(go.Heatmap(z=z, x=agent_ids, y=reasons, text=text, texttemplate="%{text}", colorscale="Blues",
                                  colorbar={"title": "shrunk FCR", "tickformat": ".0%"}, hoverongaps=False,
                                  hovertemplate="%{y} · %{x}<br>shrunk FCR %{z:.1%}<extra></extra>"))
    figure.update_layout(height=max(300, 32 * len(reasons) + 120), margin={"t": 20, "b": 40},
                         xaxis={"type": "category"}, yaxis={"type": "category"})
    return figure


def trend(weekly: pl.DataFrame) -> go.Figure:
    """One agent's weekly rates (top) and contacts (bottom)."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
    weeks = weekly["week_start"].to_list()
    for column, label in (("fcr", "FCR"), ("fcr_adjusted", "adjusted FCR"), ("repeat_7d", "7-day repeat"),
                          ("csat_pct", "CSAT %")):
        figure.add_trace(go.Scatter(x=weeks, y=weekly[column].to_list(), mode="lines+markers", name=label),
                         row=1, col=1)
    figure.add_trace(go.Bar(x=weeks, y=weekly["contacts"].to_list(), name="contacts", marker_color=UNRANKED),
                     row=2, col=1)
    figure.update_yaxes(tickformat=".0%", row=1, col=1)
    figure.update_layout(height=420, margin={"t": 30, "b": 40}, legend={"orientation": "h", "y": 1.1})
    return figure


def mix(table: pl.DataFrame, dimension: str) -> go.Figure:
    """The agent's share of contacts per reason or channel beside the team's."""
    values = table[dimension].to_list()
    figure = go.Figure([
        go.Bar(x=values, y=table["agent_share"].to_list(), name="agent"),
        go.Bar(x=values, y=table["team_share"].to_list(), name="team", marker_color=UNRANKED),
    ])
    figure.update_layout(barmode="group", yaxis_tickformat=".0%", height=300, margin={"t": 30, "b": 40},
                         xaxis_title=f"{dimension}: share of contacts", legend={"orientation": "h", "y": 1.15})
    return figure
