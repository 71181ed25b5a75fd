"""Staff small-n: M2 (training feedback) and M5 (competence survey) rest on staff answers. A unit
with fewer than the threshold of answers or respondents is hidden wherever its value is rolled up
to — unit comparison, the principal's own unit, downloads — and the district, sector, language
and city totals the pages show do not give it back (LP audit on the answer counts)."""

import duckdb
import numpy as np
import polars as pl
import pytest

from tilannekuva import metrics
from tilannekuva.disclosure import intervals
from tilannekuva.publication import _raw_staff_answers, block_of
from tilannekuva.warehouse import Warehouse, WarehouseUnavailable, current_file

T = 5
CURRENT = 2026


@pytest.fixture(scope="module")
def raw(demo_home):
    con = duckdb.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        return _raw_staff_answers(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def parts(warehouse, principals):
    return warehouse.fetch(principals["johto"], "metric_parts_by_unit_year").frame


@pytest.mark.parametrize("metric", ["M2", "M5"])
def test_a_unit_under_the_threshold_is_hidden_in_every_unit_view(parts, metric):
    chosen = parts.filter(pl.col("metric") == metric)
    small = chosen.filter((pl.col("events") > 0) & (pl.col("events") < T))
    assert small.height, f"the tiny city has units with under {T} {metric} answers"
    for year in small["school_year_id"].unique().to_list():
        compared = metrics.compare_units(chosen, metric, year)
        hidden_units = small.filter(pl.col("school_year_id") == year)["unit_id"].to_list()
        shown = compared.filter(pl.col("unit_id").is_in(hidden_units))
        assert shown["value"].null_count() == shown.height and shown["events"].null_count() == shown.height
    for row in small.iter_rows(named=True):   # the principal's "Yksikköni": the unit rolled up on its own
        mine = chosen.filter(pl.col("unit_id") == row["unit_id"])
        rolled = metrics.rollup(mine, "city").filter(pl.col("school_year_id") == row["school_year_id"])
        assert rolled["value"][0] is None
    assert small["is_suppressed"].all()


def test_the_principal_reads_the_same_marks_for_their_own_unit(warehouse, principals, parts):
    p = principals["rehtori"]
    own = warehouse.fetch(p, "metric_parts_by_unit_year").frame
    expected = parts.filter(pl.col("unit_id").is_in(list(p.unit_ids)))
    assert own.select("metric", "school_year_id", "unit_id", "is_suppressed").sort(pl.all()).equals(
        expected.select("metric", "school_year_id", "unit_id", "is_suppressed").sort(pl.all()))


def _shown(parts: pl.DataFrame, metric: str, year: int, key: tuple) -> bool:
    """Is the cell (sector, district, language, unit; None = all) shown by the rollup the pages use?"""
    sector, district, language, unit = key
    chosen = parts.filter((pl.col("metric") == metric) & (pl.col("school_year_id") == year))
    if unit is not None:
        chosen = chosen.filter(pl.col("unit_id") == unit)
    else:
        chosen = metrics.apply_filters(chosen, sector=sector, district_id=district, language=language)
    rolled = metrics.rollup(chosen, "city")
    return rolled.height == 1 and rolled["value"][0] is not None


@pytest.mark.parametrize("metric", ["M2", "M5"])
def test_totals_do_not_give_a_hidden_unit_back(parts, raw, metric):
    checked = 0
    for (year,), rows in raw.filter(pl.col("metric") == metric).group_by("school_year_id"):
        block, where = block_of(rows, ("sector", "district_id", "language", "unit_id"), ("events",), None)
        hidden = np.array([not _shown(parts, metric, year, key) for key in block.keys])
        if not hidden.any():
            continue
        for cell, (low, high) in intervals(block, hidden).items():
            if 0 < block.values[cell] < T:
                checked += 1
                assert high - low >= T - 1e-6, (metric, year, block.keys[cell], low, high)
    assert checked, "the audit saw small cells"


def test_staff_answer_means_follow_the_apps_threshold(demo_home, principals):
    """Attack finding (issue 14): pub_metric_hidden was served with the cube's own threshold, so raising
    suppression_threshold to 10 without a load left every M2 / M5 mean of 5–9 answers on the pages
    (26 unit values in the test city) while the pupil cubes were refused. Now the staff-answer
    parts are refused the same way, and hide_below is the app's threshold."""
    higher = 10
    wh = Warehouse(demo_home / "warehouse", suppression_threshold=higher)
    johto = principals["johto"]
    with pytest.raises(WarehouseUnavailable):
        wh.fetch(johto, "absence_over_thresholds_by_year_and_area", district_id=None, language=None,
                 concern_hours=60.0, serious_hours=100.0)
    with pytest.raises(WarehouseUnavailable, match="pub_metric_hidden"):
        wh.fetch(johto, "metric_parts_by_unit_year")
    # The sector benchmarks (no cube marks) hide under the app's threshold, not the cube's.
    bench = wh.fetch(principals["rehtori"], "metric_bench_by_sector_year").frame
    assert set(bench.filter(pl.col("metric").is_in(["M2", "M5"]))["hide_below"].unique()) == {higher}
