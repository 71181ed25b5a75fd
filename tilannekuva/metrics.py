"""The strategy metrics M1–M6: definitions, targets, roll-ups and the scorecard's traffic light.

`metric_parts_by_unit_year` returns each metric per unit and school year as additive parts
(num, den); `rollup` sums them to any level (city, sector, district, unit) and divides, so a
district's value is never an average of unit averages. Targets come from configuration
(`[targets]` in the TOML file, e.g. `M1 = 1.0`) over the metric catalogue's (tilannekuva.catalogue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from tilannekuva import periods
from tilannekuva.catalogue import catalogue
from tilannekuva.competence import area_order
from tilannekuva.i18n import fmt_number, fmt_percent

SECTORS = ("varhaiskasvatus", "perusopetus", "lukio")
LANGUAGES = ("fi", "sv")


@dataclass(frozen=True)
class Metric:
    id: str
    kind: str  # "share" (0..1) or "mean" (1..5)
    target: float
    tolerance: float  # amber when within this of the target, red below
    first_year: int | None = None  # no data before this school year (e.g. the M4 pilot)


# The strategy metrics (those of the catalogue with a target and parts built at load time), in catalogue order.
METRICS: dict[str, Metric] = {
    m.id: Metric(m.id, m.kind, m.target, m.tolerance, m.first_year)
    for m in catalogue()
    if m.materialised and m.target is not None
}
LEVEL_COLUMNS = {"city": [], "sector": ["sector"], "district": ["district_id"], "unit": ["unit_id", "unit"]}


def targets(overrides: Mapping[str, float] | Iterable[tuple[str, float]] | None = None) -> dict[str, float]:
    """Each metric's target: configuration (a mapping, or Settings.targets' pairs) over the defaults."""
    out = {m.id: m.target for m in METRICS.values()}
    for key, value in dict(overrides or {}).items():
        if key not in out:
            raise ValueError(f"unknown metric in targets: {key!r} (known: {', '.join(out)})")
        out[key] = float(value)
    return out


def apply_filters(
    parts: pl.DataFrame, sector: str | None = None, district_id: int | None = None, language: str | None = None
) -> pl.DataFrame:
    """The rows of the units that match the filters (None = all)."""
    conditions = [
        pl.col(c) == v
        for c, v in (("sector", sector), ("district_id", district_id), ("language", language))
        if v is not None
    ]
    return parts.filter(*conditions) if conditions else parts


def rollup(parts: pl.DataFrame, level: str) -> pl.DataFrame:
    """Sum num and den per metric, school year and `level`; value = num / den (null if den is 0).

    Staff-answer metrics (M2, M5) stay hidden where the parts say so (tilannekuva.publication): a
    group made only of units marked `is_suppressed`, a group that is a total listed in the units'
    `hidden_totals` (its mask: the sector, district and language the group's units share), or one
    of fewer answers than `hide_below` besides the viewer's own (`viewer_events`: a figure shown to one
    of its respondents needs the threshold of answers from others) has null value, num, den and events
    and is_suppressed = true."""
    keys = ["metric", "school_year_id", *LEVEL_COLUMNS[level]]
    aggs = [pl.col("num").sum(), pl.col("den").sum(), pl.col("events").sum()]
    to_date = "num_to_date" in parts.columns  # a cumulative metric's parts on the data-as-of date (periods)
    if to_date:
        aggs.append(
            pl.when(pl.col("num_to_date").null_count() < pl.len())
            .then(pl.col("num_to_date").sum())
            .alias("num_to_date")
        )
    hidden = pl.lit(False)
    if "is_suppressed" in parts.columns:
        aggs.append(pl.col("is_suppressed").all().alias("_all_hidden"))
        hidden = hidden | pl.col("_all_hidden")
    if "hidden_totals" in parts.columns:
        mask = pl.concat_str(
            [
                pl.when(pl.col(c).n_unique() == 1).then(pl.lit(x)).otherwise(pl.lit("-"))
                for c, x in (("sector", "s"), ("district_id", "d"), ("language", "l"))
            ]
        )
        aggs.append(
            pl.col("hidden_totals")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .implode()
            .list.contains(mask)
            .alias("_total_hidden")
        )
        hidden = hidden | pl.col("_total_hidden")
    if "hide_below" in parts.columns:
        aggs.append(pl.col("hide_below").max().alias("_hide_below"))
        own = pl.lit(0)
        if "viewer_events" in parts.columns:  # the viewer's own answers do not count towards the threshold
            aggs.append(pl.col("viewer_events").sum().alias("_viewer_events"))
            own = pl.col("_viewer_events")
        hidden = hidden | ((pl.col("events") - own) < pl.col("_hide_below"))
    out = parts.group_by(keys).agg(aggs).with_columns(is_suppressed=hidden)
    return (
        out.with_columns(
            pl.when(pl.col("is_suppressed")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("num", "den", "events", *(["num_to_date"] if to_date else []))
        )
        .with_columns(value=pl.when(pl.col("den") > 0).then(pl.col("num") / pl.col("den")))
        .with_columns(
            *(
                [pl.when(pl.col("den") > 0).then(pl.col("num_to_date") / pl.col("den")).alias("value_to_date")]
                if to_date
                else []
            )
        )
        .drop("_all_hidden", "_total_hidden", "_hide_below", "_viewer_events", "viewer_events", strict=False)
        .sort(keys)
    )


def light(metric: str, value: float | None, target: float) -> str:
    """'green' at or above the target, 'amber' within the metric's tolerance, 'red' below; 'none' without data."""
    if value is None:
        return "none"
    if value >= target - 1e-9:
        return "green"
    return "amber" if value >= target - METRICS[metric].tolerance else "red"


def value_text_of_kind(kind: str, value: float | None, lang: str) -> str:
    """A value of a metric of `kind` as text: '87 %' for shares, '4,12' for means and counts; None -> '–'."""
    if value is None:
        return "–"
    return fmt_percent(value, lang) if kind == "share" else fmt_number(value, lang, 2)


def value_text(metric: str, value: float | None, lang: str) -> str:
    """One metric value as text (KPI cards, what's new, digests): '87 %' for shares, '4,12' for ratings."""
    return value_text_of_kind(METRICS[metric].kind, value, lang)


def sector_order(column: str = "sector") -> pl.Expr:
    """A sort key that puts sectors in SECTORS order (ECEC, basic, upper secondary), not alphabetical;
    null (a total) and anything else last."""
    return pl.col(column).replace_strict({s: i for i, s in enumerate(SECTORS)}, default=None, return_dtype=pl.Int8)


def selection_and_sectors(parts: pl.DataFrame) -> pl.DataFrame:
    """One metric's value in the (filtered) parts and each sector's in them, every school year: metric,
    school_year_id, sector (null for the whole selection), value, events, is_suppressed (and
    value_to_date, with the parts' num_to_date) — the
    selection first, then the sectors in SECTORS order, each by school year."""
    columns = ["metric", "school_year_id", "sector", "value", "events", "is_suppressed"]
    columns += ["value_to_date"] if "num_to_date" in parts.columns else []
    whole = rollup(parts, "city").with_columns(sector=pl.lit(None, dtype=pl.String)).select(columns)
    return pl.concat([whole, rollup(parts, "sector").select(columns)]).sort(
        "metric", sector_order(), "school_year_id", nulls_last=False
    )


def competence_by_area(survey: pl.DataFrame, year: int) -> pl.DataFrame:
    """M5 by DigCompEdu area (and environment item) in `year`: area, score_sum, answers and mean —
    the summed scores over the summed answers, never a mean of unit means — in area order."""
    return (
        survey.filter(pl.col("school_year_id") == year)
        .group_by("area")
        .agg(pl.col("score_sum").sum(), pl.col("answers").sum())
        .with_columns(mean=pl.col("score_sum") / pl.col("answers"))
        .sort(area_order())
    )


def cards(values: pl.DataFrame, year: int, goal: Mapping[str, float], as_of: dt.date | None = None) -> pl.DataFrame:
    """One row per metric, in METRICS order, from rolled-up values (metric, school_year_id, value; with
    `value_to_date` the cumulative metrics' values on the same date of each year): its value in `year`,
    the value it is compared with (`previous`), the target, the light and the trend (the values of the
    years that have one, oldest first). A metric without data has nulls and 'none'.

    `basis` says what `previous` is (tilannekuva.periods, `as_of` the data-as-of date): 'year' — the
    whole year before; 'same_date' — in an unfinished year, a cumulative metric's (M1, M6) value in the
    year before on `compared_on`, the same date; its light is 'pending' (no verdict before the year
    ends); 'partial' — an unfinished year's rate or mean against the whole year before, judged as it is.
    `trend_partial`: the trend's last value is of an unfinished year. When `year` has no value (and it
    is not hidden) — a spring survey in the autumn — `latest_value` and `latest_year` are the newest
    earlier year's, so a card can show '3,4 (kevät 2026)' instead of nothing; the light is then the
    latest value's."""
    rows = []
    for metric in METRICS:
        mine = values.filter(pl.col("metric") == metric).sort("school_year_id")
        years = mine["school_year_id"].to_list()
        by_year = dict(zip(years, mine["value"].to_list(), strict=True))
        to_date = (
            dict(zip(years, mine["value_to_date"].to_list(), strict=True)) if "value_to_date" in mine.columns else {}
        )
        hidden = (
            set(mine.filter(pl.col("is_suppressed"))["school_year_id"]) if "is_suppressed" in mine.columns else set()
        )
        how = periods.basis(metric, year, as_of)
        value = by_year.get(year)
        previous = to_date.get(year - 1) if how == periods.SAME_DATE else by_year.get(year - 1)
        earlier = [(y, v) for y, v in by_year.items() if y < year and v is not None]
        latest = earlier[-1] if value is None and year not in hidden and earlier else (None, None)
        trend_years = [y for y, v in by_year.items() if v is not None]
        rows.append(
            {
                "metric": metric,
                "value": value,
                "previous": previous,
                "basis": how,
                "compared_on": periods.same_date(as_of, year - 1) if how == periods.SAME_DATE else None,
                "target": goal[metric],
                "light": "pending"
                if how == periods.SAME_DATE and value is not None
                else light(metric, value if latest[1] is None else latest[1], goal[metric]),
                "trend": [by_year[y] for y in trend_years],
                "trend_partial": bool(trend_years) and periods.is_unfinished(trend_years[-1], as_of),
                "latest_value": latest[1],
                "latest_year": latest[0],
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "value": pl.Float64,
            "previous": pl.Float64,
            "basis": pl.String,
            "compared_on": pl.Date,
            "target": pl.Float64,
            "light": pl.String,
            "trend": pl.List(pl.Float64),
            "trend_partial": pl.Boolean,
            "latest_value": pl.Float64,
            "latest_year": pl.Int64,
        },
    )


def scorecard(parts: pl.DataFrame, year: int, goal: Mapping[str, float], as_of: dt.date | None = None) -> pl.DataFrame:
    """The scorecard of the (filtered) parts: `cards` of their sum for `year` (`as_of`: the data-as-of date)."""
    return cards(rollup(parts, "city"), year, goal, as_of)


LEVELS = ("unit", "sector", "city")


def beside_sector_and_city(unit_parts: pl.DataFrame, everyone: pl.DataFrame, sector: str) -> pl.DataFrame:
    """A unit's metrics beside its sector's and the whole city's, every school year: metric,
    school_year_id, level ('unit', 'sector', 'city'), num, den, events, is_suppressed, value.

    Each level sums its additive parts and divides (`rollup`), never averages unit values.
    `unit_parts` are the unit's rows of metric_parts_by_unit_year; `everyone` the parts of every unit
    of the city with their `sector` column: the units themselves (a sector lead sees them all) or
    metric_bench_by_sector_year (a principal sees only sums by sector)."""
    frames = (("unit", unit_parts), ("sector", everyone.filter(pl.col("sector") == sector)), ("city", everyone))
    rolled = [(level, rollup(frame, "city")) for level, frame in frames]
    return pl.concat(
        [
            frame.select(
                "metric",
                "school_year_id",
                pl.lit(level).alias("level"),
                *[pl.col(c).cast(pl.Float64) for c in ("num", "den")],
                pl.col("events").cast(pl.Int64),
                "is_suppressed",
                "value",
                (pl.col("value_to_date") if "value_to_date" in frame.columns else pl.lit(None))
                .cast(pl.Float64)
                .alias("value_to_date"),
            )
            for level, frame in rolled
        ]
    )


def unit_cards(
    levels: pl.DataFrame, year: int, goal: Mapping[str, float], as_of: dt.date | None = None
) -> pl.DataFrame:
    """`cards` of the unit in `levels` (beside_sector_and_city) with its sector's and the city's value
    in `year` beside each: metric, value, previous, basis, …, trend, sector, city."""
    out = cards(levels.filter(pl.col("level") == "unit"), year, goal, as_of)
    for level in ("sector", "city"):
        same_year = levels.filter((pl.col("level") == level) & (pl.col("school_year_id") == year))
        out = out.join(
            same_year.select("metric", pl.col("value").alias(level)), on="metric", how="left", maintain_order="left"
        )
    return out


def compare_units(parts: pl.DataFrame, metric: str, year: int, district_id: int | None = None) -> pl.DataFrame:
    """Every unit's value for `metric` in `year` beside its sector's and the city's (of all the
    `parts`), best first, then by name; with `district_id` only that district's units are listed."""
    chosen = parts.filter((pl.col("metric") == metric) & (pl.col("school_year_id") == year))
    units = rollup(chosen, "unit").join(
        chosen.select("unit_id", "sector", "district_id", "language").unique(), on="unit_id"
    )
    sector = rollup(chosen, "sector").select("sector", pl.col("value").alias("sector_value"))
    city = rollup(chosen, "city")["value"]
    return (
        units.join(sector, on="sector", how="left")
        .filter(pl.lit(True) if district_id is None else pl.col("district_id") == district_id)
        .with_columns(city_value=pl.lit(city[0] if city.len() else None, dtype=pl.Float64))
        .with_columns(
            vs_city=pl.col("value") - pl.col("city_value"), vs_sector=pl.col("value") - pl.col("sector_value")
        )
        .sort("value", "unit", descending=[True, False], nulls_last=True)
    )


COINCIDE = {"share": 0.01, "mean": 0.02}  # lines closer than this everywhere are drawn as one


def coinciding(frame: pl.DataFrame, *, x: str, series: str, y: str, tolerance: float) -> list[list[str]]:
    """The series values of `frame` in groups whose lines lie on top of each other: the same x values, and
    at each of them within `tolerance` of the group's first series (in the frame's order). A series alone
    is a group of one. Lines a chart would draw over each other (a sector that is the whole selection, a
    unit's sector that is most of the city) are then drawn as one and named together."""
    groups: list[list[str]] = []
    points: dict[str, dict] = {}
    for name in frame[series].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col(series) == name)
        points[name] = dict(zip(part[x].to_list(), part[y].to_list(), strict=True))
        for group in groups:
            first = points[group[0]]
            if first.keys() == points[name].keys() and all(
                a is not None and b is not None and abs(a - b) <= tolerance + 1e-12
                for a, b in ((first[k], points[name][k]) for k in first)
            ):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


def one_line_each(frame: pl.DataFrame, groups: list[list[str]], *, series: str, joiner: str = " = ") -> pl.DataFrame:
    """`frame` with each group of `coinciding` series drawn once: the first series' rows, named by every
    series of the group joined with `joiner` ('Perusopetus, koko kaupunki = Koko kaupunki')."""
    names = {group[0]: joiner.join(group) for group in groups}
    return frame.filter(pl.col(series).is_in(list(names))).with_columns(
        pl.col(series).replace_strict(names, return_dtype=pl.String)
    )


def ranked(compared: pl.DataFrame, count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The `count` highest and the `count` lowest of `compare_units` rows (units without a value left
    out), the lowest lowest first: where to praise and where to help. With fewer than 2 × `count` units
    the two lists overlap (every unit is in both when there are at most `count`)."""
    valued = compared.filter(pl.col("value").is_not_null())
    return valued.head(count), valued.tail(count).reverse()


def below_target(compared: pl.DataFrame, target: float) -> pl.DataFrame:
    """The `compare_units` rows whose value is under `target`, furthest below first, with the gap to
    the target (`to_target`, negative); units without a value are not below anything."""
    return (
        compared.filter(pl.col("value") < target)
        .with_columns(to_target=pl.col("value") - target)
        .sort("value", "unit", nulls_last=True)
    )
