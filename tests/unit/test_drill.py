"""Drill-down by clicking (views.drill), without Streamlit: a selection event in, the URL filter out.
The filter then checks the value against the user's scope like any address (tests/pages)."""

import polars as pl
import pytest

from views import drill

SHOWN = pl.DataFrame({"unit_id": [12, 7, 31], "unit": ["Koulu A", "Koulu B", "Koulu C"]})


def table(*rows):
    return {"selection": {"rows": list(rows), "columns": [], "cells": []}}


def chart(*indices):
    return {
        "selection": {
            "points": [{"curve_number": 0, "point_index": i, "point_number": i, "x": 0.5, "y": "?"} for i in indices],
            "point_indices": list(indices),
            "box": [],
            "lasso": [],
        }
    }


@pytest.mark.parametrize(
    "event, expected",
    [
        (table(1), {"yksikko": "7"}),  # a row of the table (its position in the frame, whatever the sorting)
        (table(0), {"yksikko": "12"}),
        (chart(2), {"yksikko": "31"}),  # a bar of a single-series chart
        (table(), None),  # nothing chosen (also after the reader clears the selection)
        (chart(), None),
        (None, None),  # the widget has no state yet
        ({}, None),
        (table(3), None),  # a position outside the rows shown (a stale or forged event) opens nothing
        (table(-1), None),
        ({"selection": {"points": [{"curve_number": 0}]}}, None),  # a point without an index
    ],
)
def test_a_selection_event_becomes_the_url_filter_of_what_was_clicked(event, expected):
    assert drill.target(event, SHOWN, "unit_id", "yksikko") == expected


def test_an_empty_value_opens_nothing():
    assert (
        drill.target(
            table(0), pl.DataFrame({"district_id": [None]}, schema={"district_id": pl.Int64}), "district_id", "alue"
        )
        is None
    )


DISTRICT_BARS = pl.DataFrame(
    {
        "district_id": [1, 1, 2, 2, 3],
        "series": ["Huoli", "Vakava", "Huoli", "Vakava", "Huoli"],  # a trace per series, a bar per district
    }
).sort("series", maintain_order=True)


@pytest.mark.parametrize(
    "curve, index, expected",
    [(0, 0, "1"), (0, 2, "3"), (1, 1, "2"), (1, 2, None), (2, 0, None)],  # no third trace; Vakava has 2 bars
)
def test_a_bar_of_a_chart_with_several_series_opens_its_district(curve, index, expected):
    event = {"selection": {"points": [{"curve_number": curve, "point_index": index}], "point_indices": [index]}}
    chosen = drill.target(event, DISTRICT_BARS, "district_id", "alue", series="series")
    assert chosen == (None if expected is None else {"alue": expected})
