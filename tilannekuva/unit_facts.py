"""A unit's basic facts for its principal's landing page: children or pupils, staff and groups by
school year (unit_facts_by_year rows; the pupil count suppressed like every pupil aggregate)."""

from __future__ import annotations

import polars as pl

FACTS = ("pupils", "staff", "groups")  # the order the page shows them
SUPPRESSED = ("pupils", "groups")  # the counts the query suppresses: a null there is hidden, elsewhere not recorded


def facts_through(frame: pl.DataFrame, school_year_id: int) -> dict[str, dict]:
    """Per fact: `value` in `school_year_id` (None when that year has no row or the value is hidden),
    `hidden` (the year's row is there but its suppressed count was hidden), and `trend`: (year, value) for
    every year up to and including `school_year_id`, oldest first (None = hidden or not recorded)."""
    years = frame.filter(pl.col("school_year_id") <= school_year_id).sort("school_year_id")
    this = years.filter(pl.col("school_year_id") == school_year_id)
    return {
        fact: {
            "value": this[fact][0] if this.height else None,
            "hidden": fact in SUPPRESSED and bool(this.height) and this[fact][0] is None,
            "trend": list(zip(years["school_year_id"].to_list(), years[fact].to_list(), strict=True)),
        }
        for fact in FACTS
    }
