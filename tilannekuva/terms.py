"""School-year terms: autumn ('syksy', August–December) comes before spring ('kevat', January–July)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

TERMS = ("syksy", "kevat")          # in the order they come in a school year


def latest_term(terms: Iterable[str | None]) -> str | None:
    """The latest of the terms present in one school year (spring if it has any data, else autumn);
    None when there is none."""
    present = {term for term in terms if term in TERMS}
    return max(present, key=TERMS.index) if present else None


def in_latest_term(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` (one school year, a `term` column) in its latest term."""
    latest = latest_term(frame["term"])
    return frame.clear() if latest is None else frame.filter(pl.col("term") == latest)
