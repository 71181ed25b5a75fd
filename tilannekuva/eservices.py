"""E-service use (M3) for one unit: active users against the users with access."""

from __future__ import annotations

import polars as pl

USER_TYPES = ("henkilosto", "oppilas", "huoltaja")  # staff, pupils, guardians: the order pages show them


def latest_activation(use: pl.DataFrame) -> pl.DataFrame:
    """Per user type (in USER_TYPES order, only those with rows), the newest month's active and eligible
    users summed over the services, and the share active (null when no one has access).
    `use` has the columns of eservice_monthly_for_unit (month, user_type, active_users, eligible_users)."""
    if use.is_empty():
        return pl.DataFrame(
            schema={
                "user_type": pl.String,
                "month": pl.Date,
                "active": pl.Int64,
                "eligible": pl.Int64,
                "activation": pl.Float64,
            }
        )
    latest = use.filter(pl.col("month") == pl.col("month").max())
    totals = latest.group_by("user_type").agg(
        pl.col("month").first(),
        pl.col("active_users").sum().cast(pl.Int64).alias("active"),
        pl.col("eligible_users").sum().cast(pl.Int64).alias("eligible"),
    )
    order = {kind: i for i, kind in enumerate(USER_TYPES)}
    return (
        totals.filter(pl.col("user_type").is_in(USER_TYPES))
        .with_columns(activation=pl.when(pl.col("eligible") > 0).then(pl.col("active") / pl.col("eligible")))
        .sort(pl.col("user_type").replace_strict(order, return_dtype=pl.Int8))
        .select("user_type", "month", "active", "eligible", "activation")
    )
