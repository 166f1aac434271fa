"""Agent performance of SPEC.md: additive cells (agent × reason × channel) from SQL, rates and scores here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from journey import access, overlap
from journey.access import EVERYONE, Scope
from journey.filters import Filters
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
Z95 = 1.959963984540054
KEYS = {"agent_id": pl.String, "agent_name": pl.String, "team": pl.String, "reason": pl.String,
        "channel": pl.String, "week_start": pl.Date}
MEASURES = (
    "contacts_count", "handle_count", "handle_sec_sum", "aht_ratio_count", "aht_ratio_sum", "repeat_count",
    "resolved_known_count", "fcr_count", "transferred_known_count", "transferred_count", "escalated_known_count",
    "escalated_count", "sentiment_count", "sentiment_lift_sum", "qa_count", "qa_sum", "csat_count", "csat_top_count",
)
# rate -> (successes, denominator, the count that says whether the value is known at all)
RATES = {
    "fcr": ("fcr_count", "resolved_known_count", "resolved_known_count"),
    "repeat_7d": ("repeat_count", "contacts_count", "contacts_count"),
    "csat_pct": ("csat_top_count", "csat_count", "csat_count"),
    # SPEC: share of contacts; a range where nobody recorded transfers shows "missing", not 0%
    "transfer_rate": ("transferred_count", "contacts_count", "transferred_known_count"),
    "escalation_rate": ("escalated_count", "contacts_count", "escalated_known_count"),
}
MEANS = {
    "aht_seconds": ("handle_sec_sum", "handle_count"),
    "qa": ("qa_sum", "qa_count"),
    "sentiment_lift": ("sentiment_lift_sum", "sentiment_count"),
    "aht_ratio": ("aht_ratio_sum", "aht_ratio_count"),
}
# the rates SPEC mix-adjusts: rate -> (successes, contacts for which it is known)
ADJUSTED = {"fcr": ("fcr_count", "resolved_known_count"), "repeat_7d": ("repeat_count", "contacts_count"),
            "csat_pct": ("csat_top_count", "csat_count")}
# their scorecard columns: expected (an average agent on the same mix), adjusted, low, high; names end so
# that definitions.kind shows them as rates
ADJUSTED_COLUMNS = {
    "fcr": ("fcr_expected", "fcr_adjusted", "fcr_adjusted_low", "fcr_adjusted_high"),
    "repeat_7d": ("repeat_expected_pct", "repeat_adjusted_pct", "repeat_adjusted_low_pct", "repeat_adjusted_high_pct"),
    "csat_pct": ("csat_expected_pct", "csat_adjusted_pct", "csat_adjusted_low_pct", "csat_adjusted_high_pct"),
}
SIGNS = {"fcr_adjusted": 1, "csat_pct": 1, "repeat_7d": -1, "qa": 1, "sentiment_lift": 1, "aht_ratio": -1}
CLI_COLUMNS = (
    "agent_id", "contacts", "aht_seconds", "fcr", "fcr_adjusted", "fcr_adjusted_low", "fcr_adjusted_high",
    "repeat_7d", "csat_pct", "qa", "sentiment_lift", "aht_ratio", "composite", "rank",
)
BEST_COLUMNS = ("reason", "agent_id", "contacts", "fcr", "fcr_shrunk")
DISPLAY_DIGITS = {"qa": 1, "sentiment_lift": 3, "aht_ratio": 3, "composite": 3, "value": 3, "peer_mean": 3,
                  "signed_z": 2}
PAGE_COLUMNS = (
    "rank", "agent_id", "agent_name", "team", "contacts", "aht_seconds", "fcr", "fcr_adjusted", "fcr_adjusted_low",
    "fcr_adjusted_high", "repeat_7d", "csat_pct", "qa", "sentiment_lift", "aht_ratio", "transfer_rate",
    "escalation_rate", "composite", "ranked",
)


@dataclass(frozen=True)
class AgentReport:
    """Everything the Agents page and CLI show for one range and set of filters, within a user's scope.

    `cells` and `peers` hold agents outside the scope under pseudonyms (masked in SQL): use them only for
    aggregates and peer statistics; `scorecard` and `matrix` hold only agents in the scope.
    """

    cells: pl.DataFrame  # agent × reason × channel additive measures
    peers: pl.DataFrame  # the scorecard of every agent, for ranks, z-scores and peer means
    matrix: pl.DataFrame  # one row per reason × agent in the scope: shrunk FCR, eligibility, best (of all agents)
    teams: pl.DataFrame  # one row per team
    scope: Scope = EVERYONE

    @property
    def scorecard(self) -> pl.DataFrame:
        """One row per agent in the scope with contacts in range."""
        return access.visible(self.peers, self.scope)

    @property
    def best(self) -> pl.DataFrame:
        return best_agents(self.matrix)


def contact_cells(query: Query, flt: Filters, settings: Settings, agent_id: str | None = None,
                  by_week: bool = False, scope: Scope = EVERYONE) -> pl.DataFrame:
    """The additive measures per agent, reason and channel (and week), typed even when empty; agents outside
    `scope` under pseudonyms. The AHT ratio's parts divide by each reason's median handle time over the range and
    filters, which is not additive: its own query, the same for every agent and week of one range."""
    params = flt.params(settings)
    cells, medians = overlap.together(
        lambda: query("agent_contact_cells", **params | scope.params() | {
            "by_week": by_week, "all_agents": agent_id is None, "agent_ids": [] if agent_id is None else [agent_id]}),
        lambda: query("agent_reason_medians", **params))
    return conform(with_aht_ratio(cells, medians))


def with_aht_ratio(cells: pl.DataFrame, medians: pl.DataFrame) -> pl.DataFrame:
    """Cells with aht_ratio_sum = Σ handle time / the reason's median and aht_ratio_count = the handle times in
    it (none where the median is 0 or unknown). In: agent_contact_cells, agent_reason_medians."""
    medians = medians.select(pl.col("reason").cast(pl.String), median=pl.col("median_handle_sec").cast(pl.Float64))
    usable = pl.col("median").is_not_null() & (pl.col("median") != 0)
    return cells.with_columns(pl.col("reason").cast(pl.String)).join(
        medians, on="reason", how="left", maintain_order="left").with_columns(
        aht_ratio_count=pl.when(usable).then(pl.col("handle_count")).otherwise(0),
        aht_ratio_sum=pl.when(usable).then(pl.col("handle_sec_sum") / pl.col("median")).otherwise(0.0),
    ).drop("median")


def conform(cells: pl.DataFrame) -> pl.DataFrame:
    """Cells with their key and measure types (an empty result comes back untyped)."""
    measures = {m: pl.Float64 if m.endswith("_sum") else pl.Int64 for m in MEASURES}
    return cells.select(pl.col(name).cast(kind) for name, kind in (KEYS | measures).items())


def report(query: Query, flt: Filters, settings: Settings, scope: Scope = EVERYONE) -> AgentReport:
    """Scorecard, best agents per reason and team table of the filtered range; agent rows only within `scope`,
    computed against every agent (mix adjustment, z-scores and the best per reason need them all)."""
    cells = contact_cells(query, flt, settings, scope=scope)
    matrix = access.visible(reason_matrix(cells, settings), scope)
    return AgentReport(cells, scorecard(cells, settings), matrix, teams(cells), scope)


def measures(cells: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Contacts and the raw rates and means of SPEC per group. In: cells. Out: one row per `by` group."""
    summed = cells.group_by(by).agg(pl.col(m).sum() for m in MEASURES)
    return summed.select(
        *by,
        pl.col("contacts_count").alias("contacts"),
        *(_ratio(numerator, denominator).alias(name) for name, (numerator, denominator) in MEANS.items()),
        *(pl.when(pl.col(known) > 0).then(_ratio(s, d)).alias(name) for name, (s, d, known) in RATES.items()),
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator))


def adjusted_rate(cells: pl.DataFrame, by: Sequence[str], successes: str, known: str,
                  reference: pl.DataFrame | None = None) -> pl.DataFrame:
    """Mix-adjusted rate per group (indirect standardisation over reason × channel cells).

    In: cells; `reference` (default: the same cells) gives the cell rates p_c and the overall rate.
    Out: one row per `by` group with n, observed, expected (both counts), adjusted, adjusted_low, adjusted_high.
    """
    reference = cells if reference is None else reference
    overall = _safe_divide(float(reference[successes].sum()), float(reference[known].sum()))
    rates = reference.group_by("reason", "channel").agg(
        (pl.col(successes).sum() / pl.col(known).sum()).alias("p")
    ).filter(pl.col("p").is_not_nan())
    grouped = cells.filter(pl.col(known) > 0).join(rates, on=["reason", "channel"], how="left").group_by(by).agg(
        pl.col(known).sum().alias("n"),
        pl.col(successes).sum().alias("observed"),
        (pl.col(known) * pl.col("p")).sum().alias("expected"),
        (pl.col(known) * pl.col("p") * (1 - pl.col("p"))).sum().alias("variance_sum"),
    )
    half = Z95 * pl.col("variance_sum").sqrt() / pl.col("n")
    adjusted = pl.lit(overall, pl.Float64) + (pl.col("observed") - pl.col("expected")) / pl.col("n")
    return grouped.with_columns(adjusted.alias("adjusted")).select(
        *by, "n", "observed", "expected", "adjusted",
        (pl.col("adjusted") - half).alias("adjusted_low"), (pl.col("adjusted") + half).alias("adjusted_high"),
    )


def _safe_divide(numerator: float, denominator: float) -> float | None:
    return None if not denominator else float(numerator) / float(denominator)


def scorecard(cells: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per agent with contacts: raw rates and means, mix-adjusted rates with intervals, composite, rank.

    Which agents: every agent with at least one contact in the range after the filters (SPEC's CLI contract);
    agents without contacts there, active or not, do not appear. Ranked agents come first by rank, then the
    unranked ones by contacts. The `*expected*` columns are the
    rate an average agent would reach on the same reason × channel mix.
    """
    names = cells.group_by("agent_id").agg(pl.col("agent_name").first(), pl.col("team").first())
    card = names.join(measures(cells, ["agent_id"]), on="agent_id")
    for rate, (successes, known) in ADJUSTED.items():
        expected, *bounds = ADJUSTED_COLUMNS[rate]
        adjusted = adjusted_rate(cells, ["agent_id"], successes, known).select(
            "agent_id", (pl.col("expected") / pl.col("n")).alias(expected),
            *(pl.col(c).alias(name) for c, name in zip(("adjusted", "adjusted_low", "adjusted_high"), bounds,
                                                         strict=True)),
        )
        card = card.join(adjusted, on="agent_id", how="left")
    return composite(card, settings).sort("rank", "contacts", "agent_id", descending=[False, True, False],
                                          nulls_last=True)


def composite(card: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Adds composite (weighted mean of signed z-scores over agents with ≥ min_contacts) and rank.

    z uses the mean and population standard deviation over those agents; a metric an agent lacks is
    dropped and the weights renormalised; a metric on which every agent is equal has z = 0.
    """
    eligible = pl.col("contacts") >= settings.min_contacts
    weights = {m: float(settings.composite_weights.get(m, 0.0)) for m in SIGNS}
    signed = {m: SIGNS[m] * _z(m, eligible) for m in SIGNS if weights[m] > 0}
    numerator = pl.sum_horizontal(*(pl.when(z.is_not_null()).then(weights[m] * z) for m, z in signed.items()))
    denominator = pl.sum_horizontal(*(pl.when(z.is_not_null()).then(weights[m]) for m, z in signed.items()))
    scored = card.with_columns(
        pl.when(eligible & (denominator > 0)).then(numerator / denominator).alias("composite")
    ) if signed else card.with_columns(pl.lit(None, pl.Float64).alias("composite"))
    return scored.with_columns(pl.col("composite").rank("min", descending=True).cast(pl.Int64).alias("rank"))


def _z(metric: str, eligible: pl.Expr) -> pl.Expr:
    among = pl.col(metric).filter(eligible & pl.col(metric).is_not_null())
    spread = among.std(ddof=0)
    return pl.when(eligible & pl.col(metric).is_not_null()).then(
        pl.when(spread > 0).then((pl.col(metric) - among.mean()) / spread).otherwise(0.0)
    )


def reason_matrix(cells: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Shrunk FCR per reason and agent, for routing. Out: one row per reason × agent with contacts,
    fcr, fcr_shrunk, eligible (≥ min_contacts_reason contacts of the reason) and best (the reason's pick)."""
    k = float(settings.shrinkage_k)
    pairs = cells.group_by("reason", "agent_id").agg(
        pl.col("agent_name").first(), pl.col("contacts_count").sum().alias("contacts"),
        pl.col("resolved_known_count").sum().alias("known"), pl.col("fcr_count").sum().alias("successes"),
    )
    reason_rate = pl.col("successes").sum().over("reason") / pl.col("known").sum().over("reason")
    scored = pairs.with_columns(
        _ratio("successes", "known").alias("fcr"),
        pl.when(reason_rate.is_not_nan()).then(reason_rate).alias("fcr_reason"),
        (pl.col("contacts") >= settings.min_contacts_reason).alias("eligible"),
    ).with_columns(
        ((pl.col("successes") + k * pl.col("fcr_reason")) / (pl.col("known") + k)).alias("fcr_shrunk"),
    )
    candidate = pl.col("eligible") & pl.col("fcr_shrunk").is_not_null()
    # candidates first, best shrunk FCR first; ties go to the agent with more contacts
    ordered = scored.sort(pl.col("reason"), ~candidate, pl.col("fcr_shrunk"), pl.col("contacts"), pl.col("agent_id"),
                          descending=[False, False, True, True, False], nulls_last=True)
    first = pl.int_range(pl.len()).over("reason") == 0
    return ordered.with_columns((candidate & first).alias("best")).select(
        "reason", "agent_id", "agent_name", "contacts", "known", "successes", "fcr", "fcr_reason", "fcr_shrunk",
        "eligible", "best",
    )


def best_agents(matrix: pl.DataFrame) -> pl.DataFrame:
    """The recommended agent per reason (reasons without an eligible agent are left out)."""
    return matrix.filter(pl.col("best")).select(BEST_COLUMNS).sort("reason")


def teams(cells: pl.DataFrame) -> pl.DataFrame:
    """The raw and mix-adjusted metrics per team (cell rates from every agent in range)."""
    labelled = cells.with_columns(pl.col("team").fill_null("(no team)"))
    agents = labelled.group_by("team").agg(pl.col("agent_id").n_unique().alias("agents"))
    table = agents.join(measures(labelled, ["team"]), on="team")
    adjusted = adjusted_rate(labelled, ["team"], *ADJUSTED["fcr"]).select(
        "team", pl.col("adjusted").alias("fcr_adjusted"), pl.col("adjusted_low").alias("fcr_adjusted_low"),
        pl.col("adjusted_high").alias("fcr_adjusted_high"))
    return table.join(adjusted, on="team", how="left").sort("team")


def cli_table(card: pl.DataFrame) -> pl.DataFrame:
    """The scorecard with exactly the columns of SPEC's `agents` command."""
    return card.select(CLI_COLUMNS)


def page_table(card: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """The scorecard as the page shows it: names, transfer and escalation too, and why an agent is unranked."""
    note = pl.when(pl.col("rank").is_not_null()).then(pl.lit("yes")).when(
        pl.col("contacts") < settings.min_contacts).then(pl.lit(f"no: under {settings.min_contacts} contacts")
    ).otherwise(pl.lit("no: no metric to score"))
    return display(card.with_columns(note.alias("ranked")).select(PAGE_COLUMNS))


def display(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame for a page table: unitless scores rounded (rates and seconds are formatted by the table), dates
    as YYYY-MM-DD text."""
    return frame.with_columns(
        *(pl.col(c).round(digits) for c, digits in DISPLAY_DIGITS.items() if c in frame.columns),
        *(pl.col(c).cast(pl.String) for c, kind in frame.schema.items() if kind == pl.Date),
    )


def busiest_note(card: pl.DataFrame, peers: pl.DataFrame | None = None) -> str:
    """Where the agent with the most contacts in `card` stands among the ranked `peers`, in one sentence."""
    if card.height == 0:
        return ""
    busiest = card.sort("contacts", "agent_id", descending=[True, False]).row(0, named=True)
    ranked = (card if peers is None else peers)["rank"].drop_nulls().len()
    who = f"The busiest agent, {busiest['agent_name'] or busiest['agent_id']} ({busiest['contacts']:,} contacts),"
    if busiest["rank"] is None:
        return f"{who} is not ranked."
    return f"{who} ranks {busiest['rank']} of {ranked} on the composite score."


