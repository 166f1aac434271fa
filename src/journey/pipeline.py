"""The Pipeline page and `journey pipeline`: the pipeline as of a day, both forecasts with their backtests,
against quota. Runs the named queries (additive cells) and hands them to journey.forecast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import polars as pl

from journey import access, definitions, forecast, overlap
from journey.filters import Filters, local_midnight_utc
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
METHODS = {"weighted": "weighted (stage probability × expected close)", "timing": "learned timing"}
NO_TEAM = "(no team)"
_KEYS = {"owner_id": pl.String, "owner_name": pl.String, "team": pl.String}
SCHEMAS: dict[str, dict[str, Any]] = {
    "pipeline_open_cells": {"as_of_date": pl.Date, **_KEYS, "stage": pl.String, "age_bucket": pl.Int64,
                            "close_month": pl.Date, "overdue": pl.Boolean, "open_count": pl.Int64,
                            "amount_sum": pl.Float64, "amount_sq_sum": pl.Float64},
    "pipeline_stage_outcomes": {"as_of_date": pl.Date, "stage": pl.String, "closed_count": pl.Int64,
                                "won_count": pl.Int64},
    "pipeline_won_monthly": {"close_month": pl.Date, **_KEYS, "won_count": pl.Int64, "won_amount_sum": pl.Float64},
    "pipeline_timing_cells": {"snapshot_date": pl.Date, "stage": pl.String, "age_bucket": pl.Int64,
                              "won_month_offset": pl.Int64, "deal_count": pl.Int64},
    "pipeline_changes": {"start_state": pl.String, "start_stage": pl.String, "end_state": pl.String,
                         "end_stage": pl.String, "deal_count": pl.Int64, "amount_sum": pl.Float64},
    "pipeline_stage_transitions": {"from_stage": pl.String, "to_stage": pl.String, "transition_count": pl.Int64,
                                   "days_sum": pl.Float64},
    "pipeline_closed_cells": {**_KEYS, "product": pl.String, "source": pl.String, "lost_reason": pl.String,
                              "status": pl.String, "closed_count": pl.Int64, "amount_sum": pl.Float64,
                              "cycle_days_sum": pl.Float64},
    "pipeline_quotas": {**_KEYS, "period_start": pl.Date, "period_end": pl.Date, "quota_amount_sum": pl.Float64},
}


@dataclass(frozen=True)
class Forecasts:
    """The pipeline as of a day and both forecasts of the as-of month and the two after it, with backtests."""

    as_of: date
    stages: pl.DataFrame  # forecast.stage_probabilities
    open_cells: pl.DataFrame  # pipeline_open_cells as of the day
    won: pl.DataFrame  # pipeline_won_monthly from the first backtest month up to the as-of instant
    rates: pl.DataFrame  # forecast.timing_rates as of the day
    weighted: pl.DataFrame  # forecast.PERIOD_COLUMNS per month
    timing: pl.DataFrame
    backtest: pl.DataFrame  # month, forecast (+ _low, _high), timing_forecast, timing_low, timing_high, actual

    @property
    def probabilities(self) -> dict[str, float]:
        return forecast.probability_map(self.stages)

    @property
    def weighted_pipeline(self) -> float:
        return forecast.weighted_pipeline(self.open_cells, self.probabilities)

    @property
    def wape(self) -> float | None:
        return forecast.wape(self.backtest["forecast"].to_list(), self.backtest["actual"].to_list())

    @property
    def timing_wape(self) -> float | None:
        return forecast.wape(self.backtest["timing_forecast"].to_list(), self.backtest["actual"].to_list())

    @property
    def preferred_method(self) -> str:
        return forecast.preferred_method(self.wape, self.timing_wape)

    def method(self, name: str) -> pl.DataFrame:
        return self.timing if name == "timing" else self.weighted


def run(query: Query, name: str, **params: Any) -> pl.DataFrame:
    """A pipeline query with its declared column types (an empty result has none), teamless owners named."""
    # everyone by default: a signed-in user's query function overrides these with the user's scope
    frame, schema = query(name, **{**access.EVERYONE.params(), **params}), SCHEMAS[name]
    typed = pl.DataFrame(schema=schema) if frame.height == 0 else frame.select(
        pl.col(column).cast(kind) for column, kind in schema.items())
    if "team" in schema:
        typed = typed.with_columns(pl.col("team").fill_null(NO_TEAM),
                                   pl.col("owner_name").fill_null(pl.col("owner_id")))
    return typed


def scope(flt: Filters, settings: Settings) -> dict[str, Any]:
    """Parameters every pipeline query shares: the filters that apply to opportunities, the first stage."""
    return {**flt.params(settings), "first_stage": settings.pipeline_stages[0]}


def instant(day: date, settings: Settings) -> Any:
    return local_midnight_utc(day, settings)


State = tuple[pl.DataFrame, pl.DataFrame]  # open cells, stage probabilities


def states(query: Query, as_of: date, months: int, flt: Filters, settings: Settings) -> State:
    """Open cells and stage probabilities as of the start of `as_of` and of the first days of the `months`
    months before its month (the backtest's), two queries in all; both frames carry the day as as_of_date."""
    params = {**scope(flt, settings), "as_of_date": as_of, "base_date": forecast.month_start(as_of),
              "first_step": 1, "last_step": months}
    cells, outcomes = overlap.together(*(partial(run, query, name, **params)
                                         for name in ("pipeline_open_cells", "pipeline_stage_outcomes")))
    stages = [forecast.stage_probabilities(outcomes.filter(pl.col("as_of_date") == day).drop("as_of_date"),
                                           settings).select(pl.lit(day, pl.Date).alias("as_of_date"), pl.all())
              for day in [*forecast.backtest_months(as_of, months), as_of]]
    return cells, pl.concat(stages)


def state(query: Query, day: date, flt: Filters, settings: Settings) -> State:
    """Open cells and stage probabilities as of the start of `day`."""
    cells, stages = states(query, day, 0, flt, settings)
    return cells.drop("as_of_date"), stages.drop("as_of_date")


def timing_cells(query: Query, as_of: date, flt: Filters, settings: Settings, backtest: bool = True) -> pl.DataFrame:
    """Monthly snapshots the learned timing learns from: first days for the backtests, the as-of day's for now."""
    common = {**scope(flt, settings), "horizon_months": forecast.HORIZON_MONTHS, "first_step": 1}
    if not backtest:
        return run(query, "pipeline_timing_cells", **common, base_date=as_of, last_step=forecast.LOOKBACK_MONTHS)
    bases = [(forecast.month_start(as_of), forecast.LOOKBACK_MONTHS + settings.backtest_months)]
    if as_of.day != 1:
        bases.append((as_of, forecast.LOOKBACK_MONTHS))
    frames: list[pl.DataFrame] = overlap.together(*(
        partial(run, query, "pipeline_timing_cells", **common, base_date=base, last_step=last) for base, last in bases))
    return pl.concat(frames)


def both_methods(open_cells: pl.DataFrame, won: pl.DataFrame, stages: pl.DataFrame, rates: pl.DataFrame,
                 day: date, keys: tuple[str, ...] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The weighted and the learned-timing forecast per month (and keys) as of `day`."""
    weighted = forecast.weighted_forecast(open_cells, won, forecast.probability_map(stages), day, keys)
    return weighted, forecast.timing_forecast(open_cells, won, rates, day, weighted, keys)


def forecasts(query: Query, as_of: date, flt: Filters, settings: Settings, with_backtest: bool = True) -> Forecasts:
    """Everything the forecast sections and `journey pipeline` show, as of the start of `as_of`; without the
    backtest (no months in it) when `with_backtest` is false."""
    months = forecast.backtest_months(as_of, settings.backtest_months) if with_backtest else []
    first = months[0] if months else forecast.month_start(as_of)
    window = {"start_ts": instant(first, settings), "end_ts": instant(as_of, settings)}
    won, cells, (by_day, stages_by_day) = overlap.together(
        lambda: run(query, "pipeline_won_monthly", **{**scope(flt, settings), **window}),
        lambda: timing_cells(query, as_of, flt, settings, with_backtest),
        lambda: states(query, as_of, len(months), flt, settings))
    all_rates = forecast.timing_rates_of(cells, [*months, as_of], settings)
    backtest = forecast.backtest_forecasts(by_day, stages_by_day, all_rates, months).with_columns(
        actual=pl.Series([float(won.filter(pl.col("close_month") == month)["won_amount_sum"].sum())
                          for month in months], dtype=pl.Float64))
    open_cells, stages, rates = (frame.filter(pl.col(day) == as_of).drop(day) for frame, day in (
        (by_day, "as_of_date"), (stages_by_day, "as_of_date"), (all_rates, "model_day")))
    weighted, timing = both_methods(open_cells, won, stages, rates, as_of)
    return Forecasts(as_of, stages, open_cells, won, rates, weighted, timing, backtest)


def cli_json(result: Forecasts) -> dict[str, Any]:
    """SPEC's `journey pipeline` object (the weighted baseline), plus the learned-timing method's keys."""
    weighted = result.weighted.rename({"open_forecast": "weighted_open"})
    timing = result.timing.rename({"open_forecast": "expected_open"})
    return {
        "weighted_pipeline": result.weighted_pipeline,
        "stage_probability": result.probabilities,
        "forecast": _months(weighted, "period", ["won_to_date", "weighted_open", "forecast"]),
        "backtest": _months(result.backtest, "month", ["forecast", "actual"]),
        "wape": result.wape,
        "timing_forecast": _months(timing, "period", ["won_to_date", "expected_open", "forecast", "forecast_low",
                                                      "forecast_high"]),
        "timing_backtest": _months(result.backtest.rename({"forecast": "weighted", "timing_forecast": "forecast"}),
                                   "month", ["forecast", "actual"]),
        "timing_wape": result.timing_wape,
        "preferred_method": result.preferred_method,
    }


def _months(frame: pl.DataFrame, key: str, columns: list[str]) -> list[dict[str, Any]]:
    return [{key: f"{row[key]:%Y-%m}", **{c: row[c] for c in columns}} for row in frame.iter_rows(named=True)]


@dataclass(frozen=True)
class PreferredForecast:
    """The forecast the Overview shows: the method with the better backtest WAPE, against quota."""

    method: str
    reason: str
    months: pl.DataFrame  # forecast.PERIOD_COLUMNS + quota, attainment_pct, forecast_to_quota_pct
    wape: float | None
    timing_wape: float | None


def preferred_forecast(query: Query, as_of: date, flt: Filters, settings: Settings) -> PreferredForecast:
    """The as-of month and the two after it by the preferred method, with quota (None under segment/region)."""
    return with_preferred(query, as_of, flt, settings)[1]


def with_preferred(query: Query, as_of: date, flt: Filters, settings: Settings) -> tuple[Forecasts,
                                                                                       PreferredForecast]:
    """The forecasts as of `as_of` and the preferred one against quota (what the Pipeline page shows)."""
    result = forecasts(query, as_of, flt, settings)
    return result, preferred(query, result, flt, settings)


def preferred(query: Query, result: Forecasts, flt: Filters, settings: Settings) -> PreferredForecast:
    """The preferred method's months of computed forecasts, against quota."""
    months = result.method(result.preferred_method).join(
        quota_by(query, result.as_of, flt, settings, ()), on="period", how="left")
    months = months.with_columns(
        attainment_pct=_ratio(pl.col("won_to_date"), pl.col("quota")),
        forecast_to_quota_pct=_ratio(pl.col("forecast"), pl.col("quota")))
    return PreferredForecast(result.preferred_method, reason(result), months, result.wape, result.timing_wape)


def headline(result: Forecasts, best: PreferredForecast) -> list[tuple[str, str, float | None, str | None]]:
    """The page's top tiles: label, display name (decides the format), value, help."""
    month = best.months.row(0, named=True)
    return [
        ("Weighted pipeline", "weighted_pipeline", result.weighted_pipeline, definitions.HELP["weighted_pipeline"]),
        ("Open deals", "open_count", float(result.open_cells["open_count"].sum()), definitions.HELP["open_count"]),
        (f"Forecast {result.as_of:%b %Y}", "forecast", month["forecast"],
         f"By the {METHODS[best.method]} method; 90% interval {month['forecast_low']:,.0f} – "
         f"{month['forecast_high']:,.0f}."),
        ("Quota attainment", "attainment_pct", month["attainment_pct"],
         "Won so far this month / this month's quota (quotas prorated by day)."),
    ]


def reason(result: Forecasts) -> str:
    """Why the Overview uses the method it uses, in one sentence."""
    weighted, timing, n = result.wape, result.timing_wape, result.backtest.height
    if weighted is None and timing is None:
        return ("Nothing was won in the backtest months, so neither method can be judged; the weighted baseline "
                "is used.")
    chosen = result.preferred_method
    other = "weighted" if chosen == "timing" else "timing"
    values = {"weighted": weighted, "timing": timing}
    tie = " (a tie keeps the baseline)" if weighted == timing else ""
    return (f"The {METHODS[chosen]} method is used: its forecasts missed the actual won amount by "
            f"{_pct(values[chosen])} (WAPE) over the last {n} months, against {_pct(values[other])} for the "
            f"{METHODS[other]} method{tie}.")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def quota_by(query: Query, as_of: date, flt: Filters, settings: Settings, keys: tuple[str, ...]) -> pl.DataFrame:
    """Quota per month of the horizon (and keys), prorated by day from each quota period; null under
    segment or region filters, since quotas belong to owners, not to customer groups."""
    months = forecast.horizon(as_of)
    quotas = run(query, "pipeline_quotas", **scope(flt, settings), start_date=months[0],
                 end_date=forecast.add_months(months[-1], 1) - timedelta(days=1))
    shares = [(q, month, forecast.month_share(q["period_start"], q["period_end"], month))
              for q in quotas.iter_rows(named=True) for month in months]
    rows = [(*(q[k] for k in keys), month, q["quota_amount_sum"] * share) for q, month, share in shares if share > 0]
    schema = {**{k: pl.String for k in keys}, "period": pl.Date, "quota": pl.Float64}
    frame = pl.DataFrame(rows, orient="row", schema=schema).group_by(*keys, "period").agg(pl.col("quota").sum())
    if flt.segment or flt.region:
        frame = frame.with_columns(quota=pl.lit(None, pl.Float64))
    return frame


def against_quota(query: Query, result: Forecasts, flt: Filters, settings: Settings, method: str,
                  keys: tuple[str, ...]) -> pl.DataFrame:
    """Per keys (owner or team) and month: quota, won, attainment, open pipeline, coverage and the forecast."""
    weighted, timing = both_methods(result.open_cells, result.won, result.stages, result.rates, result.as_of, keys)
    chosen = timing if method == "timing" else weighted
    frame = chosen.drop("open_amount").join(weighted.select(*keys, "period", "open_amount"), on=[*keys, "period"])
    quota = quota_by(query, result.as_of, flt, settings, keys)
    frame = frame.join(quota, on=[*keys, "period"], how="full", coalesce=True).with_columns(
        pl.col("won_to_date", "open_forecast", "forecast", "forecast_low", "forecast_high", "open_amount")
        .fill_null(0.0))
    return shown_owners(frame).with_columns(
        period=pl.col("period").dt.strftime("%Y-%m"),
        attainment_pct=_ratio(pl.col("won_to_date"), pl.col("quota")),
        coverage=_ratio(pl.col("open_amount"), pl.col("quota") - pl.col("won_to_date")),
    ).select(*keys, "period", "quota", "won_to_date", "attainment_pct", "open_amount", "coverage",
             "forecast", "forecast_low", "forecast_high").sort(*keys, "period")


def shown_owners(frame: pl.DataFrame) -> pl.DataFrame:
    """Per-owner rows without the owners outside the user's scope (they come from SQL under a pseudonym)."""
    column = next((c for c in ("owner_id", "owner_name") if c in frame.columns), None)
    if column is None:
        return frame
    return frame.filter(~pl.col(column).str.starts_with(access.HIDDEN_PREFIX).fill_null(False))


def side_by_side(result: Forecasts) -> pl.DataFrame:
    """Both methods' forecasts of the three months, one row per month and method."""
    frames = [result.method(name).with_columns(method=pl.lit(label)) for name, label in METHODS.items()]
    return pl.concat(frames).with_columns(period=pl.col("period").dt.strftime("%Y-%m")).select(
        "period", "method", "won_to_date", "open_forecast", "forecast", "forecast_low", "forecast_high").sort(
        "period", "method")


def backtest_table(result: Forecasts) -> pl.DataFrame:
    """Per backtest month: what was actually won, each method's forecast as of its first day and its error."""
    b = result.backtest
    inside = {name: (pl.col("actual") >= pl.col(f"{prefix}_low")) & (pl.col("actual") <= pl.col(f"{prefix}_high"))
              for name, prefix in (("weighted", "forecast"), ("timing", "timing"))}
    return b.select(
        month=pl.col("month").dt.strftime("%Y-%m"), actual_won=pl.col("actual"),
        weighted_forecast=pl.col("forecast"), weighted_forecast_error=pl.col("forecast") - pl.col("actual"),
        weighted_in_interval=inside["weighted"], timing_forecast=pl.col("timing_forecast"),
        timing_forecast_error=pl.col("timing_forecast") - pl.col("actual"), timing_in_interval=inside["timing"])


def interval_note(table: pl.DataFrame) -> str:
    """How often the actual fell inside each method's 90% interval in the backtest (from backtest_table)."""
    if table.height == 0:
        return ""
    counts = {name: int(table[f"{name}_in_interval"].sum()) for name in METHODS}
    return (f"The actual fell inside the 90% interval in {counts['weighted']} of {table.height} months (weighted) and "
            f"{counts['timing']} of {table.height} (learned timing); the intervals count only the luck of which deals "
            "close, not errors in the probabilities, so fewer than 9 in 10 means they are too narrow.")


def display(frame: pl.DataFrame) -> pl.DataFrame:
    """Money rounded to whole units and other plain numbers to one decimal, for reading."""
    kinds = {name: definitions.kind(name) for name in frame.columns}
    return frame.with_columns(
        pl.col(name).round(0 if kind == "money" else 1) for name, kind in kinds.items()
        if frame[name].dtype == pl.Float64 and kind in ("money", "plain"))


def today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()
