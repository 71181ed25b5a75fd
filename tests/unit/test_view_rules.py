"""The small pure rules the page sections keep: the filters an access-log search is logged with
(views/access_review.py) and which rows of the city overview are totals (views/overview_sections.py)."""

from __future__ import annotations

import polars as pl
import pytest

from views.access_review import LogSearch
from views.overview_sections import totals


@pytest.mark.parametrize(
    ("search", "pupil", "logged"),
    [
        (LogSearch("", [], 30, "", False), None, {"user": "", "actions": "", "days": 30, "text": "", "pupil": ""}),
        (
            LogSearch("rehtori", ["view", "export"], 7, "ryhma", True),
            2454,
            {"user": "rehtori", "actions": "view,export", "days": 7, "text": "ryhma", "pupil": "2454"},
        ),
    ],
)
def test_a_log_search_is_logged_with_its_inputs(search, pupil, logged):
    assert search.log_filters(pupil) == logged


@pytest.mark.parametrize(
    ("sector", "district_id", "language", "is_total"),
    [
        (None, None, None, True),
        ("perusopetus", None, None, False),
        (None, 3, None, False),
        (None, None, "fi", False),
    ],
)
def test_only_rows_over_every_breakdown_are_totals(sector, district_id, language, is_total):
    row = pl.DataFrame(
        {"sector": [sector], "district_id": [district_id], "language": [language], "pupils": [10]},
        schema={"sector": pl.String, "district_id": pl.Int64, "language": pl.String, "pupils": pl.Int64},
    )
    assert totals(row).height == int(is_total)
