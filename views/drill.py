"""Drill-down by clicking: a bar of a chart or a row of a table opens what it stands for; under a real table
(no row to click: views.tables.show) a labelled chooser of its rows does the same (`chooser`), by keyboard too.

A click only writes the page's URL filter (?yksikko=, ?alue=) and runs the page again (or opens another
page with those parameters): the filter then checks the value against the user's scope exactly as it
checks a typed or shared address, so a click can never open what the URL could not (a value outside the
scope is refused with the usual notice). `target` is the whole rule, a plain function of the selection
event Streamlit hands back (st.dataframe and st.plotly_chart with on_select="rerun"), tested without
Streamlit.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva.inert import plain_text
from views.context import PageContext

TABLE = {"on_select": "rerun", "selection_mode": "single-row"}            # st.dataframe's click to drill
CHART = {"on_select": "rerun", "selection_mode": "points"}                # st.plotly_chart's


def selected_row(event) -> int | None:
    """The position of the row (st.dataframe: `selection.rows`, positions in the frame given, whatever the
    reader's sorting) or of the point in its trace (st.plotly_chart: `selection.points[].point_index`) the
    reader chose; None when nothing is chosen."""
    selection = (event or {}).get("selection") or {}
    rows = selection.get("rows") or []
    if rows:
        return int(rows[0])
    points = selection.get("points") or []
    if points:
        index = points[0].get("point_index", points[0].get("point_number"))
        return None if index is None else int(index)
    return None


def target(event, frame: pl.DataFrame, column: str, param: str, series: str | None = None) -> dict[str, str] | None:
    """The URL filter a selection asks for: {param: the chosen row's `column`} (e.g. {'yksikko': '12'}),
    where `frame` holds the rows as shown (a chart's single series in its order; with `series`, the
    column a chart draws a trace for each value of, the rows of the clicked trace); None when nothing is
    chosen, the position is outside the rows or the value is empty."""
    row = selected_row(event)
    if series is not None and row is not None:
        names = frame[series].unique(maintain_order=True).to_list()
        curve = ((event or {}).get("selection") or {}).get("points", [{}])[0].get("curve_number", 0)
        frame = frame.filter(pl.col(series) == names[curve]) if 0 <= curve < len(names) else frame.clear()
    if row is None or not 0 <= row < frame.height:
        return None
    value = frame[column][row]
    return None if value is None else {param: str(value)}


def follow(chosen: dict[str, str] | None, page_path: str | None = None, keep: dict | None = None) -> None:
    """Open what a click chose: write it to this page's URL and run the page again, or open `page_path`
    with `keep` (the filters to carry) and it. Nothing when nothing was chosen."""
    if not chosen:
        return
    if page_path is not None:
        st.switch_page(page_path, query_params={**(keep or {}), **chosen})
    for param, value in chosen.items():
        st.query_params[param] = value
    st.rerun()


def chooser(page: PageContext, label: str, frame: pl.DataFrame, column: str, names: str, param: str, *,
            key: str) -> None:
    """A chooser (labelled by the catalog key `label`) of the rows of `frame`, shown by their `names`, that
    opens the chosen row's `column` value as the URL filter `param`, as a click on it would: written before
    the run (a widget callback), then the chooser is empty again (a kept choice would open it on every run)."""
    shown = dict(zip(frame[column].to_list(), frame[names].to_list(), strict=True))

    def opened() -> None:
        value = st.session_state.get(key)
        if value is not None:
            st.query_params[param] = str(value)
            st.session_state[key] = None

    st.selectbox(page.t(label), list(shown), index=None, format_func=lambda value: plain_text(shown[value]), key=key,
                 placeholder=page.t("filter.choose"), on_change=opened)
