"""Is each source up to date? Its data-as-of date against its contract's freshness threshold.

Each source contract with a data-as-of date declares how often it should arrive and how many days its
data may lag before it is stale (`Contract.freshness`: absences weekly, 10 days; the competence survey
yearly, 425 days …). `assess` judges the sources' rows of `meta_source` on a day (Settings.today_date:
the real date, or the demo's own day) and `stale_metrics` says which metrics of the catalogue read a
stale source, so every figure of such a metric can be marked "stale since …".

A source is stale from `stale_since` = its data-as-of date + `stale_after_days` + 1 day: the first day on
which the data are older than the threshold allows. A source with no rows has no data-as-of date and is
`missing`, not stale (the pages already say there are no data).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tilannekuva.catalogue import Catalogue
from tilannekuva.ingest.contracts import CONTRACTS

SCHEMA = {
    "source": pl.String,
    "data_as_of": pl.Date,
    "rhythm": pl.String,
    "stale_after_days": pl.Int64,
    "stale_since": pl.Date,
    "is_stale": pl.Boolean,
    "days_old": pl.Int64,
}


def thresholds() -> pl.DataFrame:
    """Every source contract with a freshness threshold: source, rhythm, stale_after_days."""
    return pl.DataFrame(
        [
            {"source": c.name, "rhythm": c.freshness.rhythm, "stale_after_days": c.freshness.stale_after_days}
            for c in CONTRACTS.values()
            if c.freshness is not None
        ],
        schema={"source": pl.String, "rhythm": pl.String, "stale_after_days": pl.Int64},
    )


def assess(sources: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """One row per source with a threshold (`sources`: rows with source and data_as_of, e.g. the
    data_freshness query's): its data-as-of date (null: no data), rhythm, threshold, `stale_since` (the
    first day it is stale), `is_stale` on `today` and `days_old`; sorted by source."""
    known = sources.select("source", pl.col("data_as_of").cast(pl.Date))
    return (
        thresholds()
        .join(known, on="source", how="left")
        .with_columns(stale_since=pl.col("data_as_of") + pl.duration(days=pl.col("stale_after_days") + 1))
        .with_columns(
            is_stale=pl.col("stale_since").le(pl.lit(today)).fill_null(False),
            days_old=(pl.lit(today) - pl.col("data_as_of")).dt.total_days(),
        )
        .select(list(SCHEMA))
        .cast(SCHEMA)
        .sort("source")
    )


def stale_metrics(assessed: pl.DataFrame, catalogue: Catalogue) -> dict[str, pl.DataFrame]:
    """The metrics that read a stale source: {metric id: the `assess` rows of its stale sources}, in
    catalogue order; a metric whose sources are all fresh is not in it."""
    stale = assessed.filter(pl.col("is_stale"))
    out = {}
    for metric in catalogue:
        rows = stale.filter(pl.col("source").is_in(list(metric.sources)))
        if not rows.is_empty():
            out[metric.id] = rows
    return out


def source_status(loaded: pl.DataFrame, today: dt.date, catalogue: Catalogue) -> pl.DataFrame:
    """The admin's sources table: every source with a threshold, loaded or not (`loaded`: the data_freshness
    rows, source, data_as_of, loaded_at, row_count), with its rhythm, threshold, `stale_since`, `status`
    (fresh | stale | missing: not loaded) on `today` and `metrics`, the ids of the catalogue's metrics that
    read it ('S1, S4'); sorted by source."""
    reading = {s: ", ".join(catalogue.reading(s)) for s in thresholds()["source"]}
    return (
        assess(loaded, today)
        .join(loaded.select("source", "loaded_at", "row_count"), on="source", how="left")
        .with_columns(
            status=pl.when(pl.col("data_as_of").is_null())
            .then(pl.lit("missing"))
            .when(pl.col("is_stale"))
            .then(pl.lit("stale"))
            .otherwise(pl.lit("fresh")),
            metrics=pl.col("source").replace_strict(reading, default="", return_dtype=pl.String),
        )
        .select(
            "source",
            "data_as_of",
            "loaded_at",
            "row_count",
            "rhythm",
            "stale_after_days",
            "stale_since",
            "status",
            "metrics",
        )
    )
