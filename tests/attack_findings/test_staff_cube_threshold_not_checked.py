"""Attack on issue 14 (staff small-n + configurable threshold): the pupil cubes are refused when
they were built with a lower threshold than the app's (Warehouse._check_publication, via the
`-- published:` header), but pub_metric_hidden is not: metric_parts_by_unit_year has no
`published:` header, and _scope.sql takes `hide_below` from the *cube's* threshold in
meta_publication. So after raising `suppression_threshold` (say to 10, as the brief's
"fewer than 5 pupils (configurable)" allows) without a new load, the pupil pages say the data is
unavailable while every M2 / M5 unit mean of 5–9 answers stays on the sector lead's unit
comparison, scorecard, metric page and downloads, and on the principal's Yksikköni.
"""

from __future__ import annotations

import polars as pl
import pytest

from tilannekuva import metrics
from tilannekuva.warehouse import Warehouse, WarehouseUnavailable

HIGHER = 10


def test_staff_answer_means_follow_the_apps_threshold(demo_home, principals):
    wh = Warehouse(demo_home / "warehouse", suppression_threshold=HIGHER)
    johto = principals["johto"]
    # The pupil cubes are refused: built with 5 < 10 (this holds).
    with pytest.raises(WarehouseUnavailable):
        wh.fetch(johto, "absence_over_thresholds_by_year_and_area", district_id=None, language=None,
                 concern_hours=60.0, serious_hours=100.0)
    # The staff-answer metrics are served with the cube's 5.
    parts = wh.fetch(johto, "metric_parts_by_unit_year").frame.filter(pl.col("metric").is_in(["M2", "M5"]))
    units = metrics.rollup(parts, "unit")
    shown_small = units.filter(~pl.col("is_suppressed") & (pl.col("events") < HIGHER))
    assert shown_small.is_empty(), (
        f"{shown_small.height} M2/M5 unit values resting on fewer than {HIGHER} answers are shown with "
        f"suppression_threshold={HIGHER}, e.g. {shown_small.sort('events').head(5).select('metric', 'school_year_id', 'unit_id', 'events', 'value').rows()}")
