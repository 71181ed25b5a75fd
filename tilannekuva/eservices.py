"""E-service use (M3) for one unit: PEOPLE active in any service against the people with access.

The definition is SQL's (agg_eservice_year, built at load time by tilannekuva.aggregates; the same rows
catalogue/parts/M3.sql sums into M3): here only the per-user-type split of one school year and its sum, so the e-services page
shows the same figure as the unit's M3 card for the same year."""

from __future__ import annotations

import polars as pl

USER_TYPES = ("henkilosto", "oppilas", "huoltaja")  # staff, pupils, guardians: the order pages show them
EVERYONE = "kaikki"  # the row of all user types together: the unit's M3


def year_activation(year: pl.DataFrame) -> pl.DataFrame:
    """One school year's M3 of a unit: a row for everyone (EVERYONE, = M3 on the metric pages) and one per
    user type (USER_TYPES order, only those with people): `active` = the monthly mean of people active in
    any service (over the complete months), `people` = the people with access, `activation` = active /
    people (null when no month is complete or no one has access). `year`: eservice_year_for_unit rows
    of one school year (user_type, active_months, people, months)."""
    schema = {"user_type": pl.String, "active": pl.Float64, "people": pl.Int64, "activation": pl.Float64}
    if year.is_empty():
        return pl.DataFrame(schema=schema)
    order = {kind: i for i, kind in enumerate((EVERYONE, *USER_TYPES))}
    rows = year.filter(pl.col("user_type").is_in(USER_TYPES)).select(
        "user_type", pl.col("active_months").cast(pl.Int64), pl.col("people").cast(pl.Int64), "months"
    )
    everyone = (
        rows.group_by("months").agg(pl.col("active_months", "people").sum()).with_columns(user_type=pl.lit(EVERYONE))
    )
    both = pl.concat([rows, everyone.select(rows.columns)]).filter(pl.col("people") > 0)
    counted = (pl.col("months") > 0) & (pl.col("people") > 0)
    return (
        both.with_columns(
            active=pl.when(pl.col("months") > 0).then(pl.col("active_months") / pl.col("months")),
            activation=pl.when(counted).then(pl.col("active_months") / (pl.col("people") * pl.col("months"))),
        )
        .sort(pl.col("user_type").replace_strict(order, return_dtype=pl.Int8))
        .select(*schema)
        .cast(schema)
    )
