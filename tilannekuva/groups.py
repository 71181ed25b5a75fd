"""Teaching groups as people name them: '7A' — and '7A · Koulu' where a name alone is ambiguous."""

from __future__ import annotations

import polars as pl


def group_label() -> pl.Expr:
    """A group's name (`group_name`), with its unit's (`unit_name`) when another group in the same frame
    (another `group_id`) has the same name: a teacher's 7A in two schools are two groups."""
    shared = pl.col("group_id").n_unique().over("group_name") > 1
    return (
        pl.when(shared)
        .then(pl.format("{} · {}", "group_name", "unit_name"))
        .otherwise(pl.col("group_name"))
        .alias("group_name")
    )
