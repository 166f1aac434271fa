"""Pipeline forecasts of SPEC.md from additive cells: stage probabilities, the weighted and the learned-timing
forecast, their 90% intervals and backtest accuracy (WAPE). Pure functions: no queries here."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl

from journey.settings import Settings

HORIZON_MONTHS = 3  # the as-of month and the two after it
LOOKBACK_MONTHS = 12  # the learned timing learns from monthly snapshots over the year before
Z_90 = 1.6449  # two-sided 90% normal interval
AGE_BUCKETS = ("0–30 days", "31–90 days", "91–180 days", "over 180 days")  # age_bucket 0..3 of the queries
PERIOD_COLUMNS = ("period", "won_to_date", "open_forecast", "forecast", "forecast_low", "forecast_high",
                  "open_amount")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier if negative), clamped to the month's end as SQL does."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def horizon(as_of: date) -> list[date]:
    """First days of the as-of month and the months after it that are forecast."""
    return [add_months(month_start(as_of), k) for k in range(HORIZON_MONTHS)]


def backtest_months(as_of: date, count: int) -> list[date]:
    """First days of the `count` months before the as-of month, oldest first."""
    return [add_months(month_start(as_of), -k) for k in range(count, 0, -1)]


def stage_probabilities(outcomes: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Per configured stage: the learned share won and the probability used (configured below the minimum).

    In: stage, closed_count, won_count (deals closed in the 365 days before the as-of day that entered the stage).
    Out: one row per configured stage, in order: stage, closed_count, won_count, learned_pct, configured_pct,
    probability_pct, probability_source.
    """
    counts = {row["stage"]: (int(row["closed_count"]), int(row["won_count"])) for row in outcomes.iter_rows(named=True)}
    rows = []
    for stage in settings.pipeline_stages:
        closed, won = counts.get(stage, (0, 0))
        learned = won / closed if closed else None
        use_learned = settings.learned_probabilities and closed > 0 and closed >= settings.min_closed_for_learned
        configured = float(settings.stage_probabilities[stage])
        rows.append((stage, closed, won, learned, configured, learned if use_learned else configured,
                     "learned" if use_learned else "configured"))
    return pl.DataFrame(rows, orient="row", schema={
        "stage": pl.String, "closed_count": pl.Int64, "won_count": pl.Int64, "learned_pct": pl.Float64,
        "configured_pct": pl.Float64, "probability_pct": pl.Float64, "probability_source": pl.String})


def probability_map(stages: pl.DataFrame) -> dict[str, float]:
    return dict(zip(stages["stage"].to_list(), stages["probability_pct"].to_list(), strict=True))


def weighted_pipeline(open_cells: pl.DataFrame, probabilities: dict[str, float]) -> float:
    """Σ amount × probability(stage) over open deals (a stage not configured counts 0)."""
    if open_cells.height == 0:
        return 0.0
    return float((open_cells["amount_sum"] * _probability(open_cells, probabilities)).sum())


def _probability(cells: pl.DataFrame, probabilities: dict[str, float]) -> pl.Series:
    return cells["stage"].replace_strict(probabilities, default=0.0, return_dtype=pl.Float64)


def forecast_period(cells: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Open cells with the month their expected close puts them in: overdue deals slip into the as-of month."""
    current = month_start(as_of)
    return cells.with_columns(
        period=pl.when(pl.col("close_month") < current).then(pl.lit(current)).otherwise(pl.col("close_month")))


def weighted_forecast(open_cells: pl.DataFrame, won: pl.DataFrame, probabilities: dict[str, float], as_of: date,
                      keys: tuple[str, ...] = ()) -> pl.DataFrame:
    """SPEC's forecast per month of the horizon: won to date + Σ amount × p of deals expected to close then.

    In: pipeline_open_cells as of the day; pipeline_won_monthly up to the as-of instant.
    Out: one row per keys and period: PERIOD_COLUMNS (interval: normal approximation, deals won or lost whole).
    """
    months = horizon(as_of)
    p = _probability(open_cells, probabilities) if open_cells.height else pl.Series([], dtype=pl.Float64)
    opened = forecast_period(open_cells.with_columns(p=p), as_of).filter(pl.col("period").is_in(months))
    expected = opened.group_by(*keys, "period").agg(
        open_forecast=(pl.col("amount_sum") * pl.col("p")).sum(),
        variance=(pl.col("amount_sq_sum") * pl.col("p") * (1 - pl.col("p"))).sum(),
        open_amount=pl.col("amount_sum").sum())
    return _with_won(expected, won, months, keys, open_cells)


def _with_won(expected: pl.DataFrame, won: pl.DataFrame, months: list[date], keys: tuple[str, ...],
              open_cells: pl.DataFrame) -> pl.DataFrame:
    """Expected open amounts joined with the amount already won, on a full keys × months grid, with intervals
    (every key with open deals or wins gets its months, even with nothing expected in them)."""
    won_to_date = won.filter(pl.col("close_month").is_in(months)).group_by(*keys, "close_month").agg(
        won_to_date=pl.col("won_amount_sum").sum()).rename({"close_month": "period"})
    grid = pl.DataFrame({"period": months}, schema={"period": pl.Date})
    if keys:
        present = pl.concat([open_cells.select(keys), won_to_date.select(keys)]).unique()
        grid = present.join(grid, how="cross")
    frame = grid.join(expected, on=[*keys, "period"], how="left").join(won_to_date, on=[*keys, "period"], how="left")
    frame = frame.with_columns(pl.col("won_to_date", "open_forecast", "variance", "open_amount").fill_null(0.0))
    return _with_interval(frame).select(*keys, *PERIOD_COLUMNS).sort(*keys, "period")


def _with_interval(frame: pl.DataFrame) -> pl.DataFrame:
    """forecast = won_to_date + open_forecast, and its 90% interval (normal approximation of the open deals'
    variance), never below what is won nor above what is won plus every open deal."""
    spread = Z_90 * pl.col("variance").sqrt()
    return frame.with_columns(forecast=pl.col("won_to_date") + pl.col("open_forecast")).with_columns(
        forecast_low=pl.max_horizontal(pl.col("won_to_date"), pl.col("forecast") - spread),
        forecast_high=pl.min_horizontal(pl.col("won_to_date") + pl.col("open_amount"), pl.col("forecast") + spread))


def timing_rates(cells: pl.DataFrame, model_day: date, settings: Settings) -> pl.DataFrame:
    """P(a deal open on `model_day` is won k months on), per stage and age bucket, from past monthly snapshots.

    In: pipeline_timing_cells. Snapshot j (model_day − j months, j = 1..12) teaches month offset k only when
    k < j, so its outcome month ended before model_day (no look-ahead). A cell is shrunk towards its stage,
    the stage towards all stages, with `min_closed_for_learned` pseudo-deals.
    Out: stage, age_bucket, month_offset, probability (months with no history at all are absent).
    """
    return timing_rates_of(cells, [model_day], settings).drop("model_day")


def timing_rates_of(cells: pl.DataFrame, model_days: list[date], settings: Settings) -> pl.DataFrame:
    """timing_rates of several model days at once: the same rates, with a model_day column first."""
    m = float(settings.min_closed_for_learned)
    snapshots = pl.DataFrame(
        [(day, add_months(day, -j), j) for day in model_days for j in range(1, LOOKBACK_MONTHS + 1)], orient="row",
        schema={"model_day": pl.Date, "snapshot_date": pl.Date, "lookback": pl.Int64})
    offsets = pl.DataFrame({"month_offset": range(HORIZON_MONTHS)}, schema={"month_offset": pl.Int64})
    # every offset k at once: each snapshot row once per offset it may teach
    seen = cells.join(snapshots, on="snapshot_date").join(offsets, how="cross").filter(
        pl.col("month_offset") < pl.col("lookback")).with_columns(
        won=pl.when(pl.col("won_month_offset") == pl.col("month_offset")).then(pl.col("deal_count")).otherwise(0))
    day_offset = ["model_day", "month_offset"]
    overall = seen.group_by(day_offset).agg(pl.col("won").sum(), pl.col("deal_count").sum()).filter(
        pl.col("deal_count") > 0).select(*day_offset, overall=pl.col("won") / pl.col("deal_count"))
    stages = seen.group_by(*day_offset, "stage").agg(pl.col("won").sum(), pl.col("deal_count").sum()).join(
        overall, on=day_offset).select(*day_offset, "stage", stage_p=_shrink(pl.col("overall"), m))
    cells_k = seen.group_by(*day_offset, "stage", "age_bucket").agg(pl.col("won").sum(), pl.col("deal_count").sum())
    grid = overall.join(pl.DataFrame({"stage": list(settings.pipeline_stages)}).with_row_index("stage_rank"),
                        how="cross").join(pl.DataFrame({"age_bucket": range(len(AGE_BUCKETS))},
                                                       schema={"age_bucket": pl.Int64}), how="cross")
    return grid.join(stages, on=[*day_offset, "stage"], how="left").with_columns(
        pl.col("stage_p").fill_null(pl.col("overall"))).join(
        cells_k, on=[*day_offset, "stage", "age_bucket"], how="left").with_columns(
        pl.col("won", "deal_count").fill_null(0)).with_columns(
        probability=_shrink(pl.col("stage_p"), m)).sort(*day_offset, "stage_rank", "age_bucket").select(
        "model_day", "stage", "age_bucket", "month_offset", "probability")


def _shrink(parent: float | pl.Expr, m: float) -> pl.Expr:
    """(won + m·parent) / (deals + m); the parent alone where there is nothing of one's own."""
    rate = (pl.col("won") + m * parent) / (pl.col("deal_count") + m)
    return pl.when(pl.col("deal_count") + m > 0).then(rate).otherwise(parent)


def timing_forecast(open_cells: pl.DataFrame, won: pl.DataFrame, rates: pl.DataFrame, as_of: date,
                    fallback: pl.DataFrame, keys: tuple[str, ...] = ()) -> pl.DataFrame:
    """The learned-timing forecast per month: won to date + Σ amount × P(won in that month | stage, age).

    In: open cells and won months as for weighted_forecast; timing_rates; `fallback` = the weighted forecast,
    used for a month the history says nothing about. Out: as weighted_forecast (open_amount = all open deals).
    """
    months = horizon(as_of)
    learned = [months[k] for k in rates["month_offset"].unique().to_list()]
    joined = open_cells.join(rates, on=["stage", "age_bucket"], how="inner").with_columns(
        period=pl.col("month_offset").replace_strict(dict(enumerate(months)), return_dtype=pl.Date))
    expected = joined.group_by(*keys, "period").agg(
        open_forecast=(pl.col("amount_sum") * pl.col("probability")).sum(),
        variance=(pl.col("amount_sq_sum") * pl.col("probability") * (1 - pl.col("probability"))).sum())
    totals = open_cells.group_by(*keys).agg(open_amount=pl.col("amount_sum").sum()) if keys else (
        pl.DataFrame({"open_amount": [float(open_cells["amount_sum"].sum()) if open_cells.height else 0.0]}))
    expected = expected.join(totals, on=list(keys), how="left") if keys else expected.join(totals, how="cross")
    frame = _with_won(expected, won, months, keys, open_cells)
    return pl.concat([frame.filter(pl.col("period").is_in(learned)),
                      fallback.filter(~pl.col("period").is_in(learned)).select(frame.columns)]).sort(*keys, "period")


def backtest_forecasts(open_cells: pl.DataFrame, stages: pl.DataFrame, rates: pl.DataFrame,
                       months: list[date]) -> pl.DataFrame:
    """Each backtest month's forecast of itself as of its first day, by both methods, every month at once.

    In: open cells and stage_probabilities with an as_of_date column (each month's first day); timing_rates_of
    the months. Nothing of a month is won on its first day, so these are weighted_forecast's and
    timing_forecast's first month with no wins, as computed one month at a time.
    Out: month, forecast, forecast_low, forecast_high, timing_forecast, timing_low, timing_high (months in order).
    """
    cells = open_cells.rename({"as_of_date": "month"})
    grid = pl.DataFrame({"month": months}, schema={"month": pl.Date})
    probabilities = stages.select(month="as_of_date", stage="stage", p="probability_pct")
    due = cells.filter(pl.col("close_month") <= pl.col("month")).join(  # overdue deals slip into the month
        probabilities, on=["month", "stage"], how="left", maintain_order="left").with_columns(
        pl.col("p").fill_null(0.0))  # a stage not configured counts 0
    weighted = _month_interval(grid, due.group_by("month").agg(
        open_forecast=(pl.col("amount_sum") * pl.col("p")).sum(),
        variance=(pl.col("amount_sq_sum") * pl.col("p") * (1 - pl.col("p"))).sum(),
        open_amount=pl.col("amount_sum").sum()))
    learned = rates.filter(pl.col("month_offset") == 0).select(
        month="model_day", stage="stage", age_bucket="age_bucket", probability="probability")
    expected = cells.join(learned, on=["month", "stage", "age_bucket"], maintain_order="left").group_by("month").agg(
        open_forecast=(pl.col("amount_sum") * pl.col("probability")).sum(),
        variance=(pl.col("amount_sq_sum") * pl.col("probability") * (1 - pl.col("probability"))).sum()).join(
        cells.group_by("month").agg(open_amount=pl.col("amount_sum").sum()), on="month", how="left")
    known = pl.col("month").is_in(learned["month"].implode())
    # a month the history says nothing about keeps the weighted forecast
    timing = pl.concat([_month_interval(grid, expected).filter(known), weighted.filter(~known)]).sort("month")
    return weighted.join(timing.select("month", timing_forecast="forecast", timing_low="forecast_low",
                                       timing_high="forecast_high"), on="month", maintain_order="left")


def _month_interval(grid: pl.DataFrame, expected: pl.DataFrame) -> pl.DataFrame:
    """Forecast and 90% interval per month from open_forecast, variance and open_amount (no wins)."""
    frame = grid.join(expected, on="month", how="left").with_columns(
        pl.col("open_forecast", "variance", "open_amount").fill_null(0.0), won_to_date=pl.lit(0.0))
    return _with_interval(frame).select("month", "forecast", "forecast_low", "forecast_high")


def wape(forecasts: list[float], actuals: list[float]) -> float | None:
    """Σ|forecast − actual| / Σ actual; missing when nothing was actually won."""
    total = sum(actuals)
    if not total:
        return None
    return sum(abs(f - a) for f, a in zip(forecasts, actuals, strict=True)) / total


def preferred_method(weighted_wape: float | None, timing_wape: float | None) -> str:
    """The method with the lower backtest WAPE; the weighted baseline on a tie or without a backtest."""
    if timing_wape is not None and (weighted_wape is None or timing_wape < weighted_wape):
        return "timing"
    return "weighted"


def month_share(period_start: date, period_end: date, month: date) -> float:
    """The share of a quota period (both ends inclusive) that falls in a month: quotas are prorated by day."""
    month_end = add_months(month, 1)
    overlap = (min(period_end.toordinal() + 1, month_end.toordinal()) - max(period_start, month).toordinal())
    days = period_end.toordinal() + 1 - period_start.toordinal()
    return max(overlap, 0) / days if days > 0 else 0.0
