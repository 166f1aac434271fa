"""How deals move: the stage funnel, this week's pipeline changes, win/loss and lost reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from journey.filters import Filters
from journey.pipeline import Query, instant, run, scope, shown_owners
from journey.settings import Settings

NONE_GIVEN = "(none)"
BRIDGE_STEPS = ("new", "advanced", "moved back", "slipped", "won", "lost", "closed otherwise")


def funnel(query: Query, open_cells: pl.DataFrame, probabilities: dict[str, float], flt: Filters,
           settings: Settings) -> pl.DataFrame:
    """Per configured stage: open deals as of the day, and how deals closed in the range moved through it.

    Out: stage, open_count, open_amount, probability_pct, weighted_amount, passed_count (closed deals that were
    in the stage), advanced_count (their next step was a later stage or won), conversion_rate, days_in_stage.
    """
    stages = settings.pipeline_stages
    moves = run(query, "pipeline_stage_transitions", **scope(flt, settings)).with_columns(
        forward=pl.col("to_stage").replace_strict({s: i for i, s in enumerate(stages)} | {"won": len(stages)},
                                                  default=-1, return_dtype=pl.Int64)
        > pl.col("from_stage").replace_strict({s: i for i, s in enumerate(stages)}, default=len(stages),
                                              return_dtype=pl.Int64))
    passed = moves.group_by("from_stage").agg(
        passed_count=pl.col("transition_count").sum(),
        advanced_count=pl.col("transition_count").filter(pl.col("forward")).sum(),
        days_sum=pl.col("days_sum").sum()).rename({"from_stage": "stage"})
    opened = open_cells.group_by("stage").agg(open_count=pl.col("open_count").sum(),
                                              open_amount=pl.col("amount_sum").sum())
    frame = pl.DataFrame({"stage": list(stages), "probability_pct": [probabilities[s] for s in stages]})
    frame = frame.join(opened, on="stage", how="left").join(passed, on="stage", how="left").with_columns(
        pl.col("open_count", "passed_count", "advanced_count").fill_null(0), pl.col("open_amount").fill_null(0.0))
    return frame.with_columns(
        weighted_amount=pl.col("open_amount") * pl.col("probability_pct"),
        conversion_rate=pl.when(pl.col("passed_count") > 0).then(pl.col("advanced_count") / pl.col("passed_count")),
        days_in_stage=pl.when(pl.col("passed_count") > 0).then(pl.col("days_sum") / pl.col("passed_count")),
    ).select("stage", "open_count", "open_amount", "probability_pct", "weighted_amount", "passed_count",
             "advanced_count", "conversion_rate", "days_in_stage")


def closed_cells(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Deals won or lost in the range, per owner, product, source, lost reason and status."""
    return run(query, "pipeline_closed_cells", **scope(flt, settings)).with_columns(
        pl.col("product", "source", "lost_reason").fill_null(NONE_GIVEN))


@dataclass(frozen=True)
class Velocity:
    open_count: int
    win_rate: float | None
    won_amount_mean: float | None
    cycle_days: float | None

    def values(self) -> dict[str, float | None]:
        """The shown figures by name: win rate, cycle days, mean won amount, velocity."""
        return {"win_rate": self.win_rate, "cycle_days": self.cycle_days, "won_amount_mean": self.won_amount_mean,
                "velocity_per_day": self.per_day}

    @property
    def per_day(self) -> float | None:
        """Pipeline velocity: open deals × win rate × average won amount / sales cycle (days)."""
        if self.win_rate is None or self.won_amount_mean is None or not self.cycle_days:
            return None
        return self.open_count * self.win_rate * self.won_amount_mean / self.cycle_days


def velocity(open_cells: pl.DataFrame, closed: pl.DataFrame) -> Velocity:
    """Win rate, average won amount and cycle length of deals closed in the range; open deals as of the day."""
    won = closed.filter(pl.col("status") == "won")
    won_count, closed_count = int(won["closed_count"].sum()), int(closed["closed_count"].sum())
    return Velocity(
        open_count=int(open_cells["open_count"].sum()),
        win_rate=won_count / closed_count if closed_count else None,
        won_amount_mean=float(won["amount_sum"].sum()) / won_count if won_count else None,
        cycle_days=float(won["cycle_days_sum"].sum()) / won_count if won_count else None)


def win_loss(closed: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Per value of `keys`: won and lost deals and amounts closed in the range, and the win rate."""
    frame = closed.group_by(*keys).agg(
        won_count=pl.col("closed_count").filter(pl.col("status") == "won").sum(),
        lost_count=pl.col("closed_count").filter(pl.col("status") == "lost").sum(),
        won_amount=pl.col("amount_sum").filter(pl.col("status") == "won").sum(),
        lost_amount=pl.col("amount_sum").filter(pl.col("status") == "lost").sum())
    return shown_owners(frame).with_columns(
        win_rate=pl.col("won_count") / (pl.col("won_count") + pl.col("lost_count"))).select(
        *keys, "won_count", "lost_count", "win_rate", "won_amount", "lost_amount").sort(
        "won_amount", *keys, descending=[True] + [False] * len(keys))


def lost_reasons(closed: pl.DataFrame) -> pl.DataFrame:
    """Lost deals per reason, most frequent first, with the cumulative share of all lost deals (Pareto)."""
    lost = closed.filter(pl.col("status") == "lost").group_by("lost_reason").agg(
        lost_count=pl.col("closed_count").sum(), lost_amount=pl.col("amount_sum").sum())
    return lost.sort(["lost_count", "lost_reason"], descending=[True, False]).with_columns(
        cumulative_share=pl.col("lost_count").cum_sum() / pl.col("lost_count").sum())


def any_reason_given(reasons: pl.DataFrame) -> bool:
    return reasons.filter(pl.col("lost_reason") != NONE_GIVEN).height > 0


def week_states(query: Query, as_of: date, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Deals open at some point in the 7 days before the as-of day, by state and stage at both ends."""
    start = as_of - timedelta(days=7)
    week = {"start_ts": instant(start, settings), "end_ts": instant(as_of, settings), "start_date": start,
            "end_date": as_of}
    return run(query, "pipeline_changes", **{**scope(flt, settings), **week})


def bridge(states: pl.DataFrame, probabilities: dict[str, float], stages: tuple[str, ...]) -> pl.DataFrame:
    """This week's changes to the on-schedule weighted pipeline (open, expected close not yet past).

    Probabilities as of the day at both ends, so only deal moves show. Out: step, deal_count, weighted_change;
    the first and last rows are the totals a week ago and now; the steps in between add up to the difference.
    """
    p0 = pl.col("start_stage").replace_strict(probabilities, default=0.0, return_dtype=pl.Float64)
    p1 = pl.col("end_stage").replace_strict(probabilities, default=0.0, return_dtype=pl.Float64)
    order = {s: i for i, s in enumerate(stages)}
    rank0 = pl.col("start_stage").replace_strict(order, default=-1, return_dtype=pl.Int64)
    rank1 = pl.col("end_stage").replace_strict(order, default=-1, return_dtype=pl.Int64)
    was_open, is_open = pl.col("start_state") == "open", pl.col("end_state") == "open"
    step = (pl.when(was_open & is_open & (rank1 > rank0)).then(pl.lit("advanced"))
            .when(was_open & is_open & (rank1 < rank0)).then(pl.lit("moved back"))
            .when(was_open & (pl.col("end_state") == "overdue")).then(pl.lit("slipped"))
            .when(was_open & pl.col("end_state").is_in(["won", "lost"])).then(pl.col("end_state"))
            .when(was_open & (pl.col("end_state") == "closed")).then(pl.lit("closed otherwise"))
            .when((pl.col("start_state") == "absent") & is_open).then(pl.lit("new")))
    change = pl.when(is_open).then(p1).otherwise(0.0) * pl.col("amount_sum") - pl.when(
        pl.col("start_state") == "absent").then(0.0).otherwise(p0) * pl.col("amount_sum")
    moved = states.with_columns(step=step, change=change).filter(pl.col("step").is_not_null())
    sums = moved.group_by("step").agg(deal_count=pl.col("deal_count").sum(), weighted_change=pl.col("change").sum())
    steps = pl.DataFrame({"step": list(BRIDGE_STEPS)}).join(sums, on="step", how="left").with_columns(
        pl.col("deal_count").fill_null(0), pl.col("weighted_change").fill_null(0.0))
    first, last = _total("open a week ago", states.filter(was_open), p0), _total("open now", states.filter(is_open), p1)
    return pl.concat([first, steps.cast(first.schema), last])


def _total(step: str, deals: pl.DataFrame, probability: pl.Expr) -> pl.DataFrame:
    weighted = deals.select((probability * pl.col("amount_sum")).sum()).item() if deals.height else 0.0
    return pl.DataFrame({"step": [step], "deal_count": [int(deals["deal_count"].sum())],
                         "weighted_change": [float(weighted or 0.0)]})


def week_summary(states: pl.DataFrame, stages: tuple[str, ...]) -> pl.DataFrame:
    """All of this week's changes, overdue deals included: deals and (unweighted) amounts per kind of change."""
    order = {s: i for i, s in enumerate(stages)}
    rank0 = pl.col("start_stage").replace_strict(order, default=-1, return_dtype=pl.Int64)
    rank1 = pl.col("end_stage").replace_strict(order, default=-1, return_dtype=pl.Int64)
    still_open = pl.col("end_state").is_in(["open", "overdue"])
    kinds = {
        "new": pl.col("start_state") == "absent",
        "advanced": (pl.col("start_state") != "absent") & still_open & (rank1 > rank0),
        "slipped": (pl.col("start_state") == "open") & (pl.col("end_state") == "overdue"),
        "won": pl.col("end_state") == "won",
        "lost": pl.col("end_state") == "lost",
    }
    rows = [(kind, int(states.filter(rule)["deal_count"].sum()), float(states.filter(rule)["amount_sum"].sum()))
            for kind, rule in kinds.items()]
    return pl.DataFrame(rows, orient="row", schema={"movement": pl.String, "deal_count": pl.Int64,
                                                     "deal_amount": pl.Float64})
