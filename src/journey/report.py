"""The weekly review as people read it: formatted tables, one self-contained HTML report, its PDF."""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import plotly.graph_objects as go
import plotly.offline
import polars as pl
from plotly.subplots import make_subplots
from sqlalchemy.engine import make_url

from journey import definitions, kpis, weekly, weekly_sections
from journey.filters import DIMENSIONS, Filters
from journey.kpis import Query
from journey.settings import Settings
from journey.weekly import Week
from journey.weekly_sections import Part, Section

REPORTS_DIR = Path("data/reports")  # past reports are kept here, relative to the working directory
CHROMIUM = Path("/usr/bin/chromium")
TOP_EFFECTS = 6


class ReportError(RuntimeError):
    """The report cannot be written or printed; the message says why."""


@dataclass(frozen=True)
class Review:
    week: Week
    flt: Filters
    table: pl.DataFrame                # weekly.compare: one row per KPI
    trend: pl.DataFrame                # weekly.trend: one row per week and KPI
    effects: dict[str, pl.DataFrame]   # rate KPI -> weekly.explain
    sentences: dict[str, str]          # rate KPI -> why it moved, in words
    cells: dict[str, pl.DataFrame]     # weekly.cells: last and this week per dimension value
    settled_on: date                   # repeat and FCR of the week are provisional before this day

    def provisional_note(self, today: date) -> str | None:
        """Why repeat and FCR may still move, while the week's last contacts can still be repeated."""
        if today >= self.settled_on:
            return None
        return (f"7-day repeat and FCR of {self.week} are provisional until {self.settled_on:%d %B}: contacts late "
                f"in the week have not had their full repeat window yet, so repeat looks lower and FCR higher.")


def review(query: Query, week: Week, flt: Filters, settings: Settings) -> Review:
    """Everything the Weekly review page and the report show about `week` (filters apply, range does not)."""
    flt = flt.with_range(week.start, week.end)
    parts = weekly.history(query, week, flt, settings)
    table = weekly.compare(parts, week, settings)
    cells = weekly.cells(query, week, flt, settings)
    effects = weekly.explanations(cells)
    changes = dict(zip(table["kpi"], table["change"], strict=True))
    sentences = {kpi: weekly.sentence(kpi, frame, changes[kpi], weekly.UNITS[weekly.RATE_KPIS[kpi][0]])
                 for kpi, frame in effects.items()}
    return Review(week, flt, table, weekly.trend(parts, week), effects, sentences, cells,
                  weekly.settled_on(week, settings))


def display_table(table: pl.DataFrame) -> pl.DataFrame:
    """The KPI table as people read it: one row per KPI, values formatted, noise in words."""
    rows = []
    for row in table.iter_rows(named=True):
        name, sd = row["kpi"], row["change_sd"]
        rows.append({
            "kpi": definitions.label(name), "this_week": weekly.show(name, row["this_week"]),
            "last_week": weekly.show(name, row["last_week"]), "avg_4w": weekly.show(name, row["avg_4w"]),
            "change": weekly.show_change(name, row["change"]),
            "normal_noise": "–" if sd is None else "± " + weekly.show_change(name, weekly.NOISE_FACTOR * sd)[1:],
            "beyond_noise": {True: "yes", False: "no", None: "–"}[row["beyond_noise"]],
            "target": weekly.show(name, row["target"]), "status": row["status"],
        })
    return pl.DataFrame(rows)


def effects_table(kpi: str, effects: pl.DataFrame, top: int | None = None) -> pl.DataFrame:
    """One KPI's decomposition as people read it, largest total effect first, effects in display units."""
    scale = 100.0 if definitions.kind(kpi) == "rate" else 1.0
    ordered = effects.sort((pl.col("mix") + pl.col("rate")).abs(), descending=True, maintain_order=True)
    return ordered.head(top or ordered.height).select(
        "dimension", "value", last_count=pl.col("n0").cast(pl.Int64), this_count=pl.col("n1").cast(pl.Int64),
        last_share=pl.col("w0"), this_share=pl.col("w1"),
        last_value=pl.col("r0").map_elements(lambda v: weekly.show(kpi, v), return_dtype=pl.String),
        this_value=pl.col("r1").map_elements(lambda v: weekly.show(kpi, v), return_dtype=pl.String),
        mix_effect=_points(pl.col("mix") * scale), rate_effect=_points(pl.col("rate") * scale),
    )


def _points(effect: pl.Expr) -> pl.Expr:
    rounded = effect.round(2)
    return pl.when(rounded == 0).then(0.0).otherwise(rounded)  # no "−0.00"


def trend_figure(trend: pl.DataFrame, height: int = 520) -> go.Figure:
    """Small multiples: every KPI per week, the review week last."""
    names = [n for n in kpis.KPI_NAMES if n in set(trend["kpi"])]
    figure = make_subplots(rows=3, cols=4, subplot_titles=[definitions.label(n) for n in names],
                           vertical_spacing=0.12, horizontal_spacing=0.06)
    for i, name in enumerate(names):
        series = trend.filter(pl.col("kpi") == name)
        figure.add_trace(go.Scatter(x=series["week"].to_list(), y=series["value"].to_list(), name=name,
                                    mode="lines+markers", line={"width": 2}, marker={"size": 4},
                                    showlegend=False), row=i // 4 + 1, col=i % 4 + 1)
        if definitions.kind(name) == "rate":
            figure.update_yaxes(tickformat=".0%", row=i // 4 + 1, col=i % 4 + 1)
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(height=height, margin={"l": 40, "r": 10, "t": 40, "b": 20})
    return figure


def filters_text(flt: Filters) -> str:
    """The filters as printed on the report: 'channel: voice · segment: all · …'."""
    return " · ".join(f"{d}: {', '.join(getattr(flt, d)) or 'all'}" for d in DIMENSIONS)


def file_name(week: Week, flt: Filters) -> str:
    """weekly-2026-W47.html, or weekly-2026-W47-channel-voice.html with filters."""
    parts = [f"{d}-{'+'.join(getattr(flt, d))}" for d in DIMENSIONS if getattr(flt, d)]
    slug = re.sub(r"[^A-Za-z0-9_+.-]", "_", "-".join(parts))[:80]
    return f"weekly-{week}{'-' + slug if slug else ''}.html"


# --- the self-contained HTML file ------------------------------------------------------------------

NOISE_NOTE = (f"Change is this week minus last week. The 4-week average is pooled over the four weeks before this "
              f"week (their counts and sums added, never an average of weekly averages). A change is beyond "
              f"normal noise when it exceeds {weekly.NOISE_FACTOR:g} × the standard deviation of the "
              f"{weekly.NOISE_WEEKS} week-over-week changes before this week (at least "
              f"{weekly.MIN_NOISE_CHANGES} needed).")
MIX_NOTE = ("Each rate's change is split, one dimension at a time, into a mix effect (more or fewer contacts of a "
            "kind whose rate differs from last week's average: (w1 − w0)(r0 − R0)) and a rate effect (the kind's "
            "own rate moved: w1 (r1 − r0)); in each dimension they add up exactly to the change. Effects are in "
            "points for rates and NPS, seconds for AHT.")
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #1f2933; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #d9e2ec; padding-bottom: 0.2rem; margin-top: 2rem; }
.meta, .caption { color: #52606d; font-size: 0.9rem; margin: 0.2rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d9e2ec; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f0f4f8; } td:first-child, th:first-child { text-align: left; }
.moved { font-weight: 600; } pre { white-space: pre-wrap; background: #f8fafc; padding: 0.8rem;
       border: 1px solid #d9e2ec; font-family: inherit; }
table, .plotly-graph-div { break-inside: avoid; } h2, h3 { break-after: avoid; }
"""


def to_html(review: Review, notes: str, sections: list[Section] | None = None, source: str = "",
            generated_at: datetime | None = None) -> str:
    """One HTML file that opens offline: plotly's JavaScript inlined once, no external address."""
    week, generated = review.week, generated_at or datetime.now(UTC)
    moved = set(review.table.filter(pl.col("beyond_noise"))["kpi"])
    why = "".join(
        f"<h3>{_e(definitions.label(kpi))}</h3><p class=\"{'moved' if kpi in moved else ''}\">{_e(text)}</p>"
        + _table(effects_table(kpi, review.effects[kpi], TOP_EFFECTS))
        for kpi, text in review.sentences.items() if review.effects[kpi].height)
    body = [
        f"<h1>Weekly review {week}</h1>",
        f"<p class=\"meta\">{week.start:%A %d %B %Y} – {week.end:%A %d %B %Y}, local days · "
        f"Filters: {_e(filters_text(review.flt))}</p>",
        f"<p class=\"meta\">Generated {generated:%Y-%m-%d %H:%M} UTC{' from ' + _e(source) if source else ''}</p>",
        "<section><h2>KPIs</h2>", f"<p class=\"caption\">{_e(NOISE_NOTE)}</p>",
        f"<p class=\"moved\">{_e(note)}</p>" if (note := review.provisional_note(generated.date())) else "",
        _table(display_table(review.table)), "</section>",
        "<section><h2>Why it moved</h2>", f"<p class=\"caption\">{_e(MIX_NOTE)}</p>",
        why or "<p>Not enough data in this week and the last to explain a change.</p>", "</section>",
        "<section><h2>Trend</h2><p class=\"caption\">Every KPI per ISO week, the 13 weeks before this one and this "
        "week last.</p>", _figure(trend_figure(review.trend)), "</section>",
        *(_section(s) for s in sections or []),
        "<section><h2>Notes</h2>", f"<pre>{_e(notes)}</pre>" if notes.strip() else "<p>No notes saved.</p>",
        "</section>",
    ]
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Weekly review {week}</title>"
            f"<style>{_STYLE}</style><script type=\"text/javascript\">{plotly.offline.get_plotlyjs()}</script>"
            f"</head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _section(section: Section) -> str:
    return (f"<section><h2>{_e(section.title)}</h2><p class=\"caption\">{_e(section.caption)}</p>"
            + "".join(_part(part) for part in section.parts) + "</section>")


def _part(part: Part) -> str:
    shown = (_table(part.content) if part.content.height else "") if isinstance(part.content, pl.DataFrame) else (
        _figure(part.content()))
    note = f"<p class=\"caption\">{_e(part.note)}</p>" if part.note else ""
    return f"<h3>{_e(part.heading)}</h3>{shown}{note}"


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{_e(c.replace('_', ' '))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_e(_cell(c, v))}</td>" for c, v in zip(frame.columns, row, strict=True))
                   + "</tr>" for row in frame.rows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _cell(column: str, value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        kind = definitions.kind(column)
        return f"{100 * value:.1f}%" if kind == "rate" else f"{value:,.0f}" if kind == "money" else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _figure(figure: go.Figure) -> str:
    config = {"displaylogo": False, "displayModeBar": False}
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config=config))


def _e(text: str) -> str:
    return html.escape(str(text))


# --- kept reports and the PDF ----------------------------------------------------------------------

def save(text: str, name: str, folder: Path | None = None) -> Path:
    """Keep a report in the reports folder (a report of the same week and filters is replaced)."""
    folder = folder or REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def past_reports(folder: Path | None = None) -> pl.DataFrame:
    """The kept reports, newest first: report (file name), week, saved_at (UTC), size_kb."""
    folder = folder or REPORTS_DIR
    files = sorted(folder.glob("weekly-*.html"), key=lambda p: p.stat().st_mtime, reverse=True)
    return pl.DataFrame([{
        "report": p.name, "week": p.name[len("weekly-"):len("weekly-2026-W47")],
        "saved_at": datetime.fromtimestamp(p.stat().st_mtime, UTC).replace(tzinfo=None, microsecond=0),
        "size_kb": round(p.stat().st_size / 1024),
    } for p in files], schema={"report": pl.String, "week": pl.String, "saved_at": pl.Datetime("us"),
                               "size_kb": pl.Int64})


def pdf(html_path: Path, pdf_path: Path, run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run,
        ) -> Path:
    """Print the report to PDF with headless Chromium (charts drawn first)."""
    if not CHROMIUM.exists():
        raise ReportError(f"cannot print a PDF: {CHROMIUM} is not installed (the HTML report is written)")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--virtual-time-budget=10000", f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri()]
    try:
        done = run(command, capture_output=True, timeout=180, check=False)
    except subprocess.TimeoutExpired:
        raise ReportError("cannot print a PDF: Chromium did not finish within 180 s") from None
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ReportError(f"cannot print a PDF: Chromium failed ({detail[0][:200]})")
    return pdf_path


def build(query: Query, week: Week, flt: Filters, settings: Settings, source: str = "") -> str:
    """The report of `week` as HTML, with the notes saved for it: what the page and `journey report` write."""
    review_ = review(query, week, flt, settings)
    return to_html(review_, weekly.read_notes(query, week), sections(query, review_, settings), source)


def sections(query: Query, review: Review, settings: Settings) -> list[Section]:
    """The parts after the KPIs, the same on the page and in the report: curve, agents and pipeline of the week."""
    return weekly_sections.sections(query, review.week, review.flt, settings)


def store_label(url: str) -> str:
    """The store as printed on a report: its URL without the password."""
    return make_url(url).render_as_string(hide_password=True)


def markdown_safe(text: str) -> str:
    """Text shown as Markdown literally (values like delivery_issue must not turn italic)."""
    return re.sub(r"([\\`*_\[\]{}<>#|~$])", r"\\\1", text)


def has_data(review: Review) -> bool:
    """Whether the week or the week before it has anything to review."""
    values = review.table.select(pl.concat([pl.col("this_week"), pl.col("last_week")]).fill_null(0))
    return bool((values.to_series() != 0).any())
