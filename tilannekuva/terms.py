"""School terms: the autumn term (syksy, August–December) and the spring term (kevät, January–July)
of a school year, and their order in time — one rule for every page, query and the support signals
(`pupil_grades_by_term.sql` writes the same order as its `term_order` column)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

TERMS = ("syksy", "kevat")  # in time order within a school year


def term_of(month: dt.date) -> str:
    """Autumn (Aug–Dec) or spring (Jan–Jul) term, as in the absence thresholds."""
    return "syksy" if month.month >= 8 else "kevat"


def order(school_year: str = "school_year_id", term: str = "term") -> pl.Expr:
    """A sort key that grows with time: school year × 10 + 1 for autumn, + 2 for spring (2025 autumn
    20251 < 2025 spring 20252 < 2026 autumn 20261). Null for a term that is neither."""
    position = pl.col(term).replace_strict(
        {name: i + 1 for i, name in enumerate(TERMS)}, default=None, return_dtype=pl.Int64
    )
    return (pl.col(school_year).cast(pl.Int64) * 10 + position).alias("term_order")


def latest(terms: Iterable[str]) -> str | None:
    """The later of the terms given within one school year ('kevat' if there is one), None if none."""
    known = [x for x in terms if x in TERMS]
    return max(known, key=TERMS.index) if known else None


def in_latest_term(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` (one school year, a `term` column) in its latest term."""
    term = latest(frame["term"])
    return frame.clear() if term is None else frame.filter(pl.col("term") == term)
