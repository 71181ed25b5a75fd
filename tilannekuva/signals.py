"""Support signals (S4): pupils whose absences rise or grades fall with no support in place.

One implementation for every page that lists them (the principal's support page, the teacher's
watch list) and for what's new and the digests (tilannekuva.whatsnew). Pure polars over three small
frames the pupil-grain queries return for the pupils in the viewer's scope; `signals_in_scope` reads
them through the reader it is given (the viewer's own: Warehouse.fetch as that principal).

Rules (each can be tuned in `Rules`; the reasons are codes the pages translate):
  absence_rising   the mean absence hours of the last two months with records are at least
                   `rising_factor` times the mean of the school year's earlier months and at least
                   `rising_min_hours` a month; August (two weeks of school) is no baseline, so the
                   rule needs at least one earlier month from September on
  absence_high     absence hours in the current term reach the concern threshold
  grades_falling   the mean grade of the latest term is `falling_drop` or more below the term before
  failing_grade    a failing grade (4) in the latest term
A pupil with a reason is signalled only if no support decision or measure is in force for them
in the school year: the signal asks "should support be considered?", not "is this pupil at risk?".

Severity (`with_severity`), so a long list can be read most urgent first: each reason has a weight —
absences at the concern threshold and a failing grade 3 (a state already reached), rising absences
and falling grades 2 (a direction) — and a pupil's severity is the sum. 5 or more (two reasons, one of
them a state) is `high`, 3–4 (a state, or two directions) `medium`, less `low`. Within a severity the
pupil with more absence hours this term comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tilannekuva.terms import term_of

REASONS = ("absence_rising", "absence_high", "grades_falling", "failing_grade")
SEVERITY_WEIGHTS = {"absence_high": 3, "failing_grade": 3, "absence_rising": 2, "grades_falling": 2}
SEVERITY_LEVELS = (("high", 5), ("medium", 3), ("low", 0))  # a level and the least severity it takes


@dataclass(frozen=True)
class Rules:
    rising_factor: float = 2.0
    rising_min_hours: float = 8.0
    concern_hours: float = 60.0
    falling_drop: float = 1.0
    failing_grade: int = 4


def support_signals(
    absences: pl.DataFrame, grades: pl.DataFrame, supported: set[int] | pl.Series, rules: Rules = Rules()
) -> pl.DataFrame:
    """Signals for the pupils in the inputs.

    absences: pupil_id, month (date, first of month), absence_hours — the school year's months
    grades:   pupil_id, term_order (int, larger = later), mean_grade, min_grade — one row per pupil and term
    supported: pupil ids with support in force this school year
    Returns pupil_id, reasons (list of codes), and the figures behind them: earlier_hours,
    recent_hours, term_hours, previous_mean, latest_mean, min_grade.
    """
    supported = set(supported)
    absence_facts = _absence_facts(absences, rules)
    grade_facts = _grade_facts(grades)
    facts = absence_facts.join(grade_facts, on="pupil_id", how="full", coalesce=True)
    reasons = pl.concat_list(
        [
            pl.when(
                pl.col("recent_hours").is_not_null()
                & pl.col("earlier_hours").is_not_null()
                & (pl.col("recent_hours") >= rules.rising_min_hours)
                & (pl.col("recent_hours") >= rules.rising_factor * pl.col("earlier_hours"))
            ).then(pl.lit("absence_rising")),
            pl.when(pl.col("term_hours") >= rules.concern_hours).then(pl.lit("absence_high")),
            pl.when(
                pl.col("previous_mean").is_not_null()
                & (pl.col("latest_mean") <= pl.col("previous_mean") - rules.falling_drop + 1e-9)
            ).then(pl.lit("grades_falling")),
            pl.when(pl.col("min_grade") <= rules.failing_grade).then(pl.lit("failing_grade")),
        ]
    ).list.drop_nulls()
    return (
        facts.with_columns(reasons=reasons)
        .filter((pl.col("reasons").list.len() > 0) & ~pl.col("pupil_id").is_in(list(supported)))
        .select(
            "pupil_id",
            "reasons",
            "earlier_hours",
            "recent_hours",
            "term_hours",
            "previous_mean",
            "latest_mean",
            "min_grade",
        )
        .sort("pupil_id")
    )


def signals_in_scope(read, scope: dict, rules: Rules = Rules()) -> pl.DataFrame:
    """The signals of the pupils `read` may see (read(query, **params) -> frame, as the viewer) in `scope`
    (unit_id: one unit or None for all in scope; school_year_id), joined with the roster (names, group),
    by group and name: what the principal's support page and the teacher's watch list list."""
    roster = read("pupil_roster", **scope)
    found = support_signals(
        read("pupil_absence_by_month", **scope),
        read("pupil_grades_by_term", **scope),
        roster.filter(pl.col("has_support"))["pupil_id"],
        rules,
    )
    return found.join(roster.with_columns(pl.col("pupil_id").cast(pl.Int64)), on="pupil_id").sort(
        "group_name", "last_name", "first_name"
    )


def term_hours(absences: pl.DataFrame) -> pl.DataFrame:
    """pupil_id, term_hours: each pupil's absence hours in the term the data end in (as the signals count them)."""
    return _absence_facts(absences, Rules()).select("pupil_id", "term_hours")


def _absence_facts(absences: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    schema = {"pupil_id": pl.Int64, "earlier_hours": pl.Float64, "recent_hours": pl.Float64, "term_hours": pl.Float64}
    if absences.is_empty():
        return pl.DataFrame(schema=schema)
    ordered = absences.with_columns(pl.col("absence_hours").cast(pl.Float64)).sort("pupil_id", "month")
    latest_month = ordered["month"].max()
    latest_term = term_of(latest_month)
    ranked = ordered.with_columns(
        rank=pl.col("month").rank("ordinal", descending=True).over("pupil_id"),
        in_term=(pl.col("month").dt.month() >= 8) == (latest_term == "syksy"),
    )
    baseline = (pl.col("rank") > 2) & (pl.col("month").dt.month() != 8)
    return (
        ranked.group_by("pupil_id")
        .agg(
            earlier_hours=pl.when(baseline.sum() >= 1).then(pl.col("absence_hours").filter(baseline).mean()),
            recent_hours=pl.col("absence_hours").filter(pl.col("rank") <= 2).mean(),
            term_hours=pl.col("absence_hours").filter(pl.col("in_term")).sum(),
        )
        .with_columns(pl.col("pupil_id").cast(pl.Int64))
    )


def _grade_facts(grades: pl.DataFrame) -> pl.DataFrame:
    schema = {"pupil_id": pl.Int64, "previous_mean": pl.Float64, "latest_mean": pl.Float64, "min_grade": pl.Int64}
    if grades.is_empty():
        return pl.DataFrame(schema=schema)
    ordered = grades.sort("pupil_id", "term_order")
    return (
        ordered.group_by("pupil_id")
        .agg(
            previous_mean=pl.col("mean_grade").cast(pl.Float64).reverse().get(1, null_on_oob=True),
            latest_mean=pl.col("mean_grade").cast(pl.Float64).last(),
            min_grade=pl.col("min_grade").cast(pl.Int64).last(),
        )
        .with_columns(pl.col("pupil_id").cast(pl.Int64))
    )


def with_severity(signals: pl.DataFrame) -> pl.DataFrame:
    """`signals` (support_signals' columns, any others kept) with `severity` (the sum of its reasons'
    weights) and `severity_level` ('high', 'medium', 'low'), most severe first: by severity, then by
    absence hours this term (none last), then as they came."""
    weights = pl.col("reasons").list.eval(pl.element().replace_strict(SEVERITY_WEIGHTS, default=0)).list.sum()
    level = pl.lit("low")
    for name, least in reversed(SEVERITY_LEVELS[:-1]):
        level = pl.when(pl.col("severity") >= least).then(pl.lit(name)).otherwise(level)
    return (
        signals.with_columns(severity=weights.cast(pl.Int64))
        .with_columns(severity_level=level)
        .sort(["severity", "term_hours"], descending=True, nulls_last=True, maintain_order=True)
    )


def chosen_signals(signals: pl.DataFrame, least_level: str | None = None, followed: bool | None = None) -> pl.DataFrame:
    """The signals a reader asked for: at least `least_level` severe (None: any), and with `followed`
    only the pupils marked followed up (True) or not (False) — a mark is a `followed_by` value."""
    least = dict(SEVERITY_LEVELS)[least_level] if least_level else 0
    chosen = signals.filter(pl.col("severity") >= least)
    if followed is not None:
        chosen = chosen.filter(pl.col("followed_by").is_not_null() == followed)
    return chosen
