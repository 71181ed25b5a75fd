"""The competence survey (M5) as pages compare it: a person's or unit's means beside wider levels."""

from __future__ import annotations

import polars as pl

LEVELS = ("own", "unit", "sector", "city")  # narrowest first: the order of series and rows
# The DigCompEdu areas 1–6 in their own order (never alphabetical: 'arviointi', area 4, came second), then
# the environment items.
AREAS = (
    "ammatillinen_sitoutuminen",
    "digitaaliset_resurssit",
    "opettaminen_ja_oppiminen",
    "arviointi",
    "oppijoiden_voimaannuttaminen",
    "oppijoiden_digitaalinen_osaaminen",
    "ymparisto_laitteet",
    "ymparisto_verkkoyhteydet",
    "ymparisto_tuki",
)


def area_order(column: str = "area") -> pl.Expr:
    """A sort key putting the areas in AREAS order (an unknown area last)."""
    order = {area: i for i, area in enumerate(AREAS)}
    return pl.col(column).replace_strict(order, default=len(AREAS), return_dtype=pl.Int8)


def by_level(survey: pl.DataFrame) -> pl.DataFrame:
    """Survey rows ordered by level (LEVELS), then area (AREAS)."""
    order = {level: i for i, level in enumerate(LEVELS)}
    return survey.sort(
        pl.col("level").replace_strict(order, default=len(LEVELS), return_dtype=pl.Int8),
        area_order(),
        maintain_order=True,
    )


def unit_hidden(survey: pl.DataFrame) -> bool:
    """True when the unit's means cannot be shown: no unit row, or every one suppressed (too few
    respondents besides the viewer)."""
    unit = survey.filter(pl.col("level") == "unit")
    return unit.is_empty() or unit["mean_score"].is_null().all()
