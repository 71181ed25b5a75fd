"""The admin's sources table (freshness.source_status): every source with a threshold, loaded or not, its
status on a day and the metrics that read it."""

import datetime as dt

import polars as pl
import pytest

from tilannekuva import freshness
from tilannekuva.catalogue import catalogue

D = dt.date


def loaded(**as_of) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": list(as_of),
            "data_as_of": list(as_of.values()),
            "loaded_at": [dt.datetime(2026, 11, 21, 3)] * len(as_of),
            "row_count": [10] * len(as_of),
        },
        schema={"source": pl.String, "data_as_of": pl.Date, "loaded_at": pl.Datetime("us"), "row_count": pl.Int64},
    )


@pytest.mark.parametrize(
    ("as_of", "source", "status", "since", "metrics"),
    [
        ({"poissaolot": D(2026, 11, 20)}, "poissaolot", "fresh", D(2026, 12, 1), "S1, S4"),
        ({"poissaolot": D(2026, 9, 30)}, "poissaolot", "stale", D(2026, 10, 11), "S1, S4"),
        ({}, "poissaolot", "missing", None, "S1, S4"),
        ({"kirjautumiset": D(2026, 11, 16)}, "kirjautumiset", "fresh", D(2026, 11, 24), "M3"),  # 7 days: the last
        ({"kirjautumiset": D(2026, 11, 15)}, "kirjautumiset", "stale", D(2026, 11, 23), "M3"),  # the first stale day
        ({"ilmoittautumiset": D(2026, 8, 1)}, "ilmoittautumiset", "fresh", D(2027, 9, 6), "S1, S2, S3, S4"),
        ({"palvelussuhteet": D(2025, 8, 1)}, "palvelussuhteet", "stale", D(2026, 9, 6), "M1, M4"),
    ],
)
def test_a_sources_status_and_the_metrics_reading_it(as_of, source, status, since, metrics):
    table = freshness.source_status(loaded(**as_of), D(2026, 11, 23), catalogue())
    assert table["source"].to_list() == sorted(freshness.thresholds()["source"])
    row = table.filter(pl.col("source") == source).row(0, named=True)
    assert (row["status"], row["stale_since"], row["metrics"]) == (status, since, metrics)
