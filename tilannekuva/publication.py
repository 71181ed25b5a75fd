"""Publication cubes: the pupil-derived tables that aggregate-only roles see, suppressed once.

Each cube holds every cell a page can show under any filter combination (school year, term,
threshold or support level × district × language × unit, or × sector), with the totals of each
dimension as rows where that dimension is null. The suppression pattern is computed here, once per
warehouse version, over the whole cube (tilannekuva.disclosure.protect), and the table written
holds only what may be published: a hidden cell has null counts and `is_suppressed = true`; its
true value is not in the served file. Queries for aggregate-only roles select cells from these
tables and never re-aggregate pupil facts, so no two views can be subtracted to undo a hidden cell.

Built by every demo build and every ingest (tilannekuva.aggregates.refresh_aggregates).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from tilannekuva.disclosure import Block, primary, protect

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 5
DEFAULT_CONCERN_HOURS = 60.0
DEFAULT_SERIOUS_HOURS = 100.0
SUPPORT_LEVELS = (
    ("ennen_2025", "tehostettu"),
    ("ennen_2025", "erityinen"),
    ("alkaen_2025", "ryhmakohtainen"),
    ("alkaen_2025", "oppilaskohtainen"),
)


@dataclass(frozen=True)
class PublicationRules:
    """What the cubes are built with; a change of any of these needs a new load or demo build."""

    threshold: int = DEFAULT_THRESHOLD
    concern_hours: float = DEFAULT_CONCERN_HOURS
    serious_hours: float = DEFAULT_SERIOUS_HOURS

    @classmethod
    def from_settings(cls) -> PublicationRules:
        """The configured threshold and S1 hours (tilannekuva.settings), or the defaults."""
        from tilannekuva.settings import ConfigError, load_settings

        try:
            conf = load_settings(for_app=False)
        except (ConfigError, OSError, ValueError):
            return cls()
        return cls(conf.suppression_threshold, conf.absence_concern_hours, conf.absence_serious_hours)


@dataclass(frozen=True)
class CubeSpec:
    """How one cube's raw cells map to a Block: its slices, dimensions, measures and their bases."""

    table: str
    slices: tuple[str, ...]  # columns that split the cube into independent blocks (year, term)
    dims: tuple[str, ...]  # key columns; null = the total over that dimension
    counts: tuple[str, ...]  # count measures
    base: str | None  # the measure every count rests on (count <= base), or None
    nested: tuple[tuple[str, str], ...] = ()  # (a, b): count a <= count b (serious <= concern)


PUPILS = CubeSpec("pub_pupils", ("school_year_id",), ("sector", "district_id", "language"), ("pupils",), None)
ABSENCE = CubeSpec(
    "pub_absence_thresholds",
    ("school_year_id", "term"),
    ("district_id", "language", "unit_id"),
    ("huoli", "vakava"),
    "enrolled",
    (("vakava", "huoli"),),
)


def _raw_pupils(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("""
        select e.school_year_id, u.sector, u.district_id, u.language, count(*)::bigint as pupils
        from fct_enrolment e join dim_unit u using (unit_id)
        group by grouping sets ((e.school_year_id, u.sector, u.district_id, u.language),
                                (e.school_year_id, u.sector, u.district_id), (e.school_year_id, u.sector, u.language),
                                (e.school_year_id, u.district_id, u.language), (e.school_year_id, u.sector),
                                (e.school_year_id, u.district_id), (e.school_year_id, u.language), (e.school_year_id))
        """).pl()


def _raw_absence(con: duckdb.DuckDBPyConnection, rules: PublicationRules) -> pl.DataFrame:
    # Terms: autumn Aug–Dec, spring Jan–Jul. A pupil counts once per unit and term.
    return con.sql(
        """
        with per_term as (
            select a.school_year_id, case when month(a.month) >= 8 then 'syksy' else 'kevat' end as term,
                   a.pupil_id, a.unit_id, sum(a.absence_hours) as hours
            from fct_absence a group by all
        ), pupils as (
            select p.*, u.district_id, u.language from per_term p join dim_unit u using (unit_id)
        )
        select school_year_id, term, district_id, language, unit_id, count(*)::bigint as enrolled,
               count(*) filter (where hours >= $concern)::bigint as huoli,
               count(*) filter (where hours >= $serious)::bigint as vakava
        from pupils
        group by grouping sets ((school_year_id, term, district_id, language, unit_id),
                                (school_year_id, term, district_id, language), (school_year_id, term, district_id),
                                (school_year_id, term, language), (school_year_id, term))
        """,
        params={"concern": rules.concern_hours, "serious": rules.serious_hours},
    ).pl()


def _raw_support(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    # Basic education only; a level counts the enrolled pupils with a decision or measure of it in
    # force in the school year. Levels of a regime not in force that year are left out.
    level_columns = ", ".join(
        f"count(*) filter (where exists (select 1 from supported s where s.school_year_id = e.school_year_id "
        f"and s.pupil_id = e.pupil_id and s.regime = '{regime}' and s.support_level = '{level}'))::bigint "
        f'as "{regime}|{level}"'
        for regime, level in SUPPORT_LEVELS
    )  # constants from this module
    return con.sql(f"""
        with supported as (select distinct school_year_id, pupil_id, regime, support_level from fct_support_decision),
        enrolled as (
            select e.school_year_id, e.pupil_id, u.unit_id, u.district_id, u.language
            from fct_enrolment e join dim_unit u using (unit_id) where u.sector = 'perusopetus'
        )
        select e.school_year_id, e.district_id, e.language, e.unit_id, count(*)::bigint as enrolled, {level_columns}
        from enrolled e
        group by grouping sets ((e.school_year_id, e.district_id, e.language, e.unit_id),
                                (e.school_year_id, e.district_id, e.language), (e.school_year_id, e.district_id),
                                (e.school_year_id, e.language), (e.school_year_id))
        """).pl()


STAFF_ANSWER_METRICS = ("M2", "M5")


def _raw_staff_answers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """M2 feedback answers and M5 survey respondents (their `events` in agg_metric_parts, built just
    before by tilannekuva.metric_parts: the very counts the pages roll up) per unit and school year,
    with every sector × district × language total."""
    return con.sql(f"""
        with per_unit as (
            select metric, school_year_id, unit_id, events
            from agg_metric_parts where metric in {STAFF_ANSWER_METRICS}
        ), x as (select p.*, u.sector, u.district_id, u.language from per_unit p join dim_unit u using (unit_id))
        select metric, school_year_id, sector, district_id, language, unit_id, sum(events)::bigint as events
        from x
        group by grouping sets ((metric, school_year_id, sector, district_id, language, unit_id),
                                (metric, school_year_id, sector, district_id, language),
                                (metric, school_year_id, sector, district_id), (metric, school_year_id, sector, language),
                                (metric, school_year_id, district_id, language), (metric, school_year_id, sector),
                                (metric, school_year_id, district_id), (metric, school_year_id, language),
                                (metric, school_year_id))
        """).pl()


def _raw_feedback_topics(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """M2 feedback answers and rating sums per school year and training topic with every sector ×
    district × language total (unit null), and, at topic null, per unit: one linked cube, so that
    the M2 unit values and the per-topic figures of the sector metric page share one pattern."""
    return con.sql("""
        with x as (select t.school_year_id, t.topic, f.unit_id, f.rating, u.sector, u.district_id, u.language
                   from fct_training_feedback f join dim_training t using (training_id) join dim_unit u using (unit_id))
        select school_year_id, topic, sector, district_id, language, null::integer as unit_id,
               count(*)::bigint as events, sum(rating)::bigint as rating_sum
        from x group by school_year_id, cube(topic, sector, district_id, language)
        union all
        select school_year_id, null, sector, district_id, language, unit_id, count(*), sum(rating)
        from x group by all
        """).pl()


def build_staff_answer_suppression(con: duckdb.DuckDBPyConnection, threshold: int) -> None:
    """pub_metric_hidden: the M2 / M5 cells hidden in a school year — units (unit_id set) and sector ×
    district × language totals (unit_id null, null dimension = all) — by the same protect() and
    audit as the pupil cubes, on the answer counts. M2 is protected in one block with its training
    topics (topic × sector × district × language), written to pub_feedback_topics: the answers and
    rating sums per topic that the sector metric page shows, null where hidden. The pages roll parts up to any of these totals;
    tilannekuva.metrics.rollup hides a unit or total marked here (the parts carry the marks)."""
    started = time.perf_counter()
    raw = _raw_staff_answers(con).filter(pl.col("metric") != "M2")
    dims = ("sector", "district_id", "language", "unit_id")
    rows_out, cells, hidden_total, primary_total = [], 0, 0, 0
    for (metric, year), rows in raw.sort("metric", "school_year_id", *dims, nulls_last=True).group_by(
        "metric", "school_year_id", maintain_order=True
    ):
        block, where = block_of(rows, dims, ("events",), None)
        hidden = protect(block, threshold)
        cells += block.size
        hidden_total += int(hidden.sum())
        primary_total += int(primary(block, threshold).sum())
        rows_out += [(metric, year, *rows.select(dims).row(r)) for i, (r, _) in enumerate(where) if hidden[i]]
    # M2: units and totals linked with the topics (pub_feedback_topics), protected as one block.
    topic_dims = ("topic", *dims)
    topics_out = []
    for (year,), rows in (
        _raw_feedback_topics(con)
        .sort("school_year_id", *topic_dims, nulls_last=True)
        .group_by("school_year_id", maintain_order=True)
    ):
        block, where = block_of(rows, topic_dims, ("events",), None)
        hidden = protect(block, threshold)
        cells += block.size
        hidden_total += int(hidden.sum())
        primary_total += int(primary(block, threshold).sum())
        flags = np.zeros(rows.height, dtype=bool)
        for i, (r, _) in enumerate(where):
            flags[r] = hidden[i]
        rows = rows.with_columns(pl.Series("is_suppressed", flags))
        rows_out += [
            ("M2", year, *r)
            for r in rows.filter(pl.col("topic").is_null() & pl.col("is_suppressed")).select(dims).rows()
        ]
        topics_out.append(
            rows.filter(pl.col("topic").is_not_null()).select(
                "school_year_id",
                "topic",
                "sector",
                "district_id",
                "language",
                pl.when(pl.col("is_suppressed")).then(None).otherwise(pl.col("events")).cast(pl.Int32).alias("answers"),
                pl.when(pl.col("is_suppressed"))
                .then(None)
                .otherwise(pl.col("rating_sum"))
                .cast(pl.Int32)
                .alias("rating_sum"),
                "is_suppressed",
            )
        )
    frame = pl.DataFrame(
        rows_out,
        schema={
            "metric": pl.String,
            "school_year_id": pl.Int32,
            "sector": pl.String,
            "district_id": pl.Int32,
            "language": pl.String,
            "unit_id": pl.Int32,
        },
        orient="row",
    )
    _write(con, "pub_metric_hidden", frame, threshold, cells, hidden_total, primary_total, started)
    topics = (
        pl.concat(topics_out)
        if topics_out
        else pl.DataFrame(
            schema={
                "school_year_id": pl.Int32,
                "topic": pl.String,
                "sector": pl.String,
                "district_id": pl.Int32,
                "language": pl.String,
                "answers": pl.Int32,
                "rating_sum": pl.Int32,
                "is_suppressed": pl.Boolean,
            }
        )
    )
    # Built in the same block as pub_metric_hidden's M2 (its cells and time are counted there).
    _write(con, "pub_feedback_topics", topics, threshold, 0, 0, 0, time.perf_counter())


def _regimes_in_force(con: duckdb.DuckDBPyConnection) -> set[tuple[int, str]]:
    return set(con.sql("select distinct school_year_id, regime from fct_support_decision").fetchall())


def block_of(
    rows: pl.DataFrame,
    dims: tuple[str, ...],
    counts: tuple[str, ...],
    base: str | None,
    nested: tuple[tuple[str, str], ...] = (),
) -> tuple[Block, list[tuple[int, str]]]:
    """One Block from the rows of a slice: a cell per row and measure. Returns the block and, per
    cell, (row index, measure)."""
    keys, measures, values, where = [], [], [], []
    measures_all = ((base,) if base else ()) + counts
    index: dict[tuple[int, str], int] = {}
    for r, row in enumerate(rows.select(*dims, *measures_all).iter_rows()):
        key = tuple(row[: len(dims)])
        for m, value in zip(measures_all, row[len(dims) :], strict=True):
            index[(r, m)] = len(keys)
            keys.append(key)
            measures.append(m)
            values.append(float(value))
            where.append((r, m))
    leq, base_of = [], {}
    for r in range(rows.height):
        for m in counts:
            if base:
                leq.append((index[(r, m)], index[(r, base)]))
                base_of[index[(r, m)]] = index[(r, base)]
        for a, b in nested:
            leq.append((index[(r, a)], index[(r, b)]))
    return Block(keys, measures, values, leq=leq, base_of=base_of), where


def suppress_cube(
    raw: pl.DataFrame,
    slices: tuple[str, ...],
    dims: tuple[str, ...],
    counts: tuple[str, ...],
    base: str | None,
    threshold: int,
    nested: tuple[tuple[str, str], ...] = (),
) -> tuple[pl.DataFrame, int, int, int]:
    """The raw cube with a `<measure>_hidden` flag per measure; returns it and its cells, hidden
    cells and primary (under-threshold) cells."""
    out, cells_total, hidden_total, primary_total = [], 0, 0, 0
    measures_all = ((base,) if base else ()) + counts
    for _, rows in raw.sort(*slices, *dims, nulls_last=True).group_by(*slices, maintain_order=True):
        present = tuple(m for m in counts if rows[m].null_count() < rows.height)
        block, where = block_of(
            rows.with_columns(pl.col(m).fill_null(0) for m in present),
            dims,
            present,
            base,
            tuple(n for n in nested if n[0] in present and n[1] in present),
        )
        cells_total += block.size
        primary_total += int(primary(block, threshold).sum())
        hidden = protect(block, threshold)
        hidden_total += int(hidden.sum())
        flags = {m: np.zeros(rows.height, dtype=bool) for m in measures_all}
        for cell, (r, m) in enumerate(where):
            flags[m][r] = hidden[cell]
        out.append(rows.with_columns(pl.Series(f"{m}_hidden", flags[m]) for m in measures_all))
    return pl.concat(out) if out else raw, cells_total, hidden_total, primary_total


def build_publication_cubes(con: duckdb.DuckDBPyConnection, rules: PublicationRules | None = None) -> None:
    """Rebuild every pub_ table and meta_publication from the facts in `con`."""
    rules = rules or PublicationRules()
    T = rules.threshold
    con.execute("delete from meta_publication")

    started = time.perf_counter()
    cube, cells, hidden, prim = suppress_cube(_raw_pupils(con), PUPILS.slices, PUPILS.dims, PUPILS.counts, None, T)
    frame = cube.select(
        "school_year_id",
        "sector",
        "district_id",
        "language",
        pl.when(pl.col("pupils_hidden")).then(None).otherwise(pl.col("pupils")).cast(pl.Int32).alias("pupils"),
        pl.col("pupils_hidden").alias("is_suppressed"),
    )
    _write(con, "pub_pupils", frame, T, cells, hidden, prim, started)

    started = time.perf_counter()
    raw = _raw_absence(con, rules)
    cube, cells, hidden, prim = suppress_cube(
        raw, ABSENCE.slices, ABSENCE.dims, ABSENCE.counts, ABSENCE.base, T, ABSENCE.nested
    )
    frame = pl.concat(
        [
            cube.select(
                "school_year_id",
                "term",
                pl.lit(name).alias("threshold"),
                pl.lit(hours).alias("threshold_hours"),
                "district_id",
                "language",
                "unit_id",
                pl.col(name).alias("pupils"),
                "enrolled",
                pl.col(f"{name}_hidden").alias("count_hidden"),
                "enrolled_hidden",
            )
            for name, hours in (("huoli", rules.concern_hours), ("vakava", rules.serious_hours))
        ]
    )
    _write(con, "pub_absence_thresholds", _published(frame), T, cells, hidden, prim, started)

    started = time.perf_counter()
    raw = _raw_support(con)
    in_force = _regimes_in_force(con)
    level_names = [f"{r}|{lv}" for r, lv in SUPPORT_LEVELS]
    # A regime not in force in a school year is no cell of that year (null, left out of the block).
    raw = raw.with_columns(
        pl.when(pl.col("school_year_id").is_in([y for y, r in in_force if r == name.split("|")[0]]))
        .then(pl.col(name))
        .alias(name)
        for name in level_names
    )
    cube, cells, hidden, prim = suppress_cube(raw, ("school_year_id",), ABSENCE.dims, tuple(level_names), "enrolled", T)
    frame = pl.concat(
        [
            cube.filter(pl.col(name).is_not_null()).select(
                "school_year_id",
                pl.lit(name.split("|")[0]).alias("regime"),
                pl.lit(name.split("|")[1]).alias("support_level"),
                "district_id",
                "language",
                "unit_id",
                pl.col(name).alias("pupils"),
                "enrolled",
                pl.col(f"{name}_hidden").alias("count_hidden"),
                "enrolled_hidden",
            )
            for name in level_names
        ]
    )
    _write(con, "pub_support", _published(frame), T, cells, hidden, prim, started)

    build_staff_answer_suppression(con, T)


def _published(frame: pl.DataFrame) -> pl.DataFrame:
    """Null every hidden value (and a share that would reveal one); drop the flags but is_suppressed."""
    hidden = pl.col("count_hidden") | pl.col("enrolled_hidden")
    return frame.with_columns(
        pupils=pl.when(pl.col("count_hidden")).then(None).otherwise(pl.col("pupils")).cast(pl.Int32),
        enrolled=pl.when(pl.col("enrolled_hidden")).then(None).otherwise(pl.col("enrolled")).cast(pl.Int32),
        share=pl.when(hidden).then(None).otherwise(pl.col("pupils") / pl.col("enrolled")).cast(pl.Float64),
        is_suppressed=hidden,
    ).drop("count_hidden", "enrolled_hidden")


def _write(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    threshold: int,
    cells: int,
    hidden: int,
    primary: int,
    started: float,
) -> None:
    con.execute(f"delete from {table}")  # table names are this module's constants
    con.register("published", frame)
    try:
        con.execute(f"insert into {table} by name select * from published")
    finally:
        con.unregister("published")
    seconds = time.perf_counter() - started
    con.execute(
        "insert into meta_publication values ($t, $th, $cells, $hidden, $primary, $s, current_timestamp)",
        {"t": table, "th": threshold, "cells": cells, "hidden": hidden, "primary": primary, "s": seconds},
    )
    log.info("%s: %d rows, %d cells hidden (%d primary) in %.1f s", table, frame.height, hidden, primary, seconds)


@dataclass(frozen=True)
class AuditedCell:
    cube: str
    slice: tuple
    key: tuple
    measure: str
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def published_blocks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, tuple, Block, np.ndarray]]:
    """Every block of every published cube as an outsider sees it: visible counts as constants,
    hidden ones (null) as unknowns. Returns (cube, slice, block, hidden mask) per block."""
    out = []
    pupils = con.sql("select * from pub_pupils").pl()
    for sl, rows in pupils.group_by("school_year_id", maintain_order=True):
        out.append(_published_block("pub_pupils", sl, rows, PUPILS.dims, ("pupils",), None))
    absence = con.sql("""
        select school_year_id, term, district_id, language, unit_id,
               any_value(enrolled) filter (where threshold = 'huoli') as enrolled,
               any_value(pupils) filter (where threshold = 'huoli') as huoli,
               any_value(pupils) filter (where threshold = 'vakava') as vakava,
               bool_or(threshold = 'huoli') as has_huoli, bool_or(threshold = 'vakava') as has_vakava
        from pub_absence_thresholds group by all""").pl()
    for sl, rows in absence.group_by("school_year_id", "term", maintain_order=True):
        out.append(
            _published_block(
                "pub_absence_thresholds", sl, rows, ABSENCE.dims, ABSENCE.counts, "enrolled", ABSENCE.nested
            )
        )
    support = con.sql("select *, regime || '|' || support_level as measure from pub_support").pl()
    for sl, rows in support.group_by("school_year_id", maintain_order=True):
        measures = tuple(sorted(rows["measure"].unique()))
        wide = rows.pivot(
            on="measure", index=["district_id", "language", "unit_id"], values="pupils", aggregate_function="first"
        )
        enrolled = rows.group_by("district_id", "language", "unit_id").agg(pl.col("enrolled").first())
        wide = wide.join(enrolled, on=["district_id", "language", "unit_id"], nulls_equal=True)
        hidden_cols = {
            m: rows.filter(pl.col("measure") == m).select(
                "district_id", "language", "unit_id", pl.col("pupils").is_null().alias(f"{m}__h")
            )
            for m in measures
        }
        for h in hidden_cols.values():
            wide = wide.join(h, on=["district_id", "language", "unit_id"], nulls_equal=True)
        out.append(_published_block("pub_support", sl, wide, ABSENCE.dims, measures, "enrolled"))
    return out


def _published_block(cube: str, sl: tuple, rows: pl.DataFrame, dims, counts, base, nested=()):
    measures_all = ((base,) if base else ()) + tuple(counts)
    block, where = block_of(
        rows.with_columns(pl.col(m).fill_null(0) for m in measures_all), dims, tuple(counts), base, nested
    )
    nulls = {m: rows[m].is_null().to_list() for m in measures_all}
    hidden = np.array([nulls[m][r] for r, m in where], dtype=bool)
    return cube, sl, block, hidden


def audit(con: duckdb.DuckDBPyConnection) -> list[AuditedCell]:
    """The feasible interval of every hidden cell of every published cube (see disclosure.intervals)."""
    from tilannekuva.disclosure import intervals

    found = []
    for cube, sl, block, hidden in published_blocks(con):
        for cell, (low, high) in intervals(block, hidden).items():
            found.append(AuditedCell(cube, sl, block.keys[cell], block.measures[cell], low, high))
    return found
