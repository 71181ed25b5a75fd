"""Issue 21: the metric page reads one metric's parts (metric_parts_of_metric) instead of all six; they must be
exactly that metric's rows of metric_parts_by_unit_year — the same numbers and suppression marks, in order."""

import polars as pl
import pytest

from tilannekuva.metrics import METRICS


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_one_metric_is_exactly_its_rows_of_all(warehouse, principals, metric):
    johto = principals["johto"]
    everything = warehouse.fetch(johto, "metric_parts_by_unit_year").frame
    one = warehouse.fetch(johto, "metric_parts_of_metric", metric=metric).frame
    expected = everything.filter(pl.col("metric") == metric)
    assert not expected.is_empty()
    assert one.equals(expected)


def test_an_unknown_metric_has_no_rows(warehouse, principals):
    assert warehouse.fetch(principals["johto"], "metric_parts_of_metric", metric="M9").frame.is_empty()
