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
    their exact type name, so show() hands it a plain polars DataFrame (else it is an 'unknown' format)."""
    import polars as pl
    import streamlit as st
    from streamlit import dataframe_util

    from views import tables

    seen = []
    monkeypatch.setattr(st, "dataframe", lambda data, **kwargs: seen.append(dataframe_util.determine_data_format(data)))
    tables.show(tables.table(pl.DataFrame({"share": [0.5]}), {"share": ("col.share", "pct1")}, "fi"))
    assert seen == [dataframe_util.DataFormat.POLARS_DATAFRAME]
