"""Every table on a page shows an empty cell as '–', not Streamlit's English 'None'."""

import ast

import pytest

from tilannekuva.settings import PROJECT_ROOT

UI = sorted([*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py")])


@pytest.mark.parametrize("path", UI, ids=lambda p: p.name)
def test_every_dataframe_has_a_placeholder_for_empty_cells(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("st.dataframe"):
            placeholder = [k for k in node.keywords if k.arg == "placeholder"]
            assert placeholder and ast.literal_eval(placeholder[0].value) == "–", f"line {node.lineno}"


@pytest.mark.parametrize(
    ("seconds", "lang", "shown"),
    [(26.5, "fi", "26,5 s"), (48.46, "en", "48.5 s"), (72.0, "fi", "1 min 12 s"), (None, "fi", "–")],
)
def test_a_load_takes_seconds_or_minutes_in_words(seconds, lang, shown):
    """Issue 18 item 16: the load history said 'Kesto (s) 48.5'; now '48,5 s' or '1 min 12 s'."""
    import polars as pl

    from views.tables import table

    frame = pl.DataFrame({"seconds": [seconds]}, schema={"seconds": pl.Float64})
    assert table(frame, {"seconds": ("col.seconds", "duration")}, lang).row(0) == (shown,)


def test_a_table_reaches_streamlit_as_a_polars_frame(monkeypatch):
    """tables.table returns a Table (a polars frame with its typed twin); Streamlit recognises polars frames by
    their exact type name, so show() hands a grid a plain polars DataFrame (else it is an 'unknown' format)."""
    import polars as pl
    import streamlit as st
    from streamlit import dataframe_util

    from views import tables

    seen = []
    monkeypatch.setattr(st, "dataframe", lambda data, **kwargs: seen.append(dataframe_util.determine_data_format(data)))
    tables.show(tables.table(pl.DataFrame({"share": [0.5]}), {"share": ("col.share", "pct1")}, "fi"), grid=True)
    assert seen == [dataframe_util.DataFormat.POLARS_DATAFRAME]


@pytest.mark.parametrize(
    "fmt, lang, expected",
    [
        ("month", "fi", "elokuu 2026"),
        ("month", "sv", "augusti 2026"),
        ("month", "en", "August 2026"),
        ("as_is", "fi", "1.8.2026"),  # a date column shown as it is is still a date, not a timestamp
        ("as_is", "en", "1 Aug 2026"),
    ],
)
@pytest.mark.parametrize("dtype", ["date", "datetime"])
def test_months_and_dates_in_tables_are_written_as_the_reader_writes_them(fmt, lang, expected, dtype):
    """Issue 18 item 11: month columns showed '2026-08-01 00:00:00'."""
    import datetime as dt

    import polars as pl

    from views import tables

    value = dt.date(2026, 8, 1) if dtype == "date" else dt.datetime(2026, 8, 1)
    shown = tables.table(pl.DataFrame({"month": [value]}), {"month": ("col.month", fmt)}, lang)
    assert shown.to_series().to_list() == [expected]


@pytest.mark.parametrize(
    "values, places",
    [
        ([3.5, 3.61, 4.0], 2),  # a num2 column: every row with two decimals ('3,50', not '3,5')
        ([47.0, 52.3], 1),  # a pct1 column
        ([47.0, 52.0], 0),
        ([1, 2, 3], 0),  # integers
        ([None, 2.25], 2),  # an empty (hidden) cell does not count
        ([1 / 3], 3),  # at most three
    ],
)
def test_every_number_of_a_column_gets_the_same_decimals(values, places):
    """Issue 18 item 11: decimals varied within a column ('3,5' above '3,61')."""
    import polars as pl

    from views import tables

    assert tables.decimals(pl.DataFrame({"x": values, "name": ["a"] * len(values)})) == {"x": places}
