"""Reusable page sections: a chart with its numbers as a table and downloads, a row of KPI cards,
the data-as-of line. Pages name sections; they do not rebuild them.

Text given to a section (a KPI label, a summary) is rendered as Markdown: callers escape data in it
with `md()` (the architecture test checks the callers).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from tilannekuva.i18n import t
from views import figures, loaders, tables
from views.context import PageContext


def plot(page: PageContext, fig: go.Figure, *, key: str) -> None:
    """A plotly chart with numbers in the reader's locale (the only st.plotly_chart of the app)."""
    st.plotly_chart(figures.localize(fig, page.lang), key=key, config={"displaylogo": False})


def chart_with_table(page: PageContext, fig: go.Figure, table: pl.DataFrame, *, key: str, summary: str,
                     filename: str, target: str | None = None, subjects=()) -> None:
    """A chart, a one-sentence summary, and the same numbers as a table with CSV and Excel downloads
    (the Excel file titled with the chart's title)."""
    plot(page, fig, key=key)
    st.caption(summary)
    with st.expander(t("table.show", page.lang)):
        tables.show(table)
        # The figure's title is Plotly text (entities escaped); the Excel sheet gets it as written.
        tables.downloads(page, table, key=key, filename=filename, title=html.unescape(fig.layout.title.text or ""),
                         target=target, subjects=subjects)


def kpi_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric cards: (label, value, delta or None)."""
    for column, (label, value, delta) in zip(st.columns(len(items)), items, strict=True):
        column.metric(label, value, delta)


def data_as_of(page: PageContext) -> None:
    """'Tiedot ajalta 20.11.2026 asti.' under the page's content (nothing when there is no data)."""
    text = loaders.as_of_text(page)
    if text:
        st.caption(text)


def pupil_list(page: PageContext, listed: pl.DataFrame, columns: dict, *, target: str, key: str, filename: str,
               count: str | None = None) -> None:
    """A list of named pupils (personal data): its view written to the access log (once per session for the
    same list), an optional count line (`count`: a catalog key with {count}), the table, and its logged
    downloads. `listed` has a `pupil_id` column; `columns` as in tables.table."""
    from tilannekuva.i18n import fmt_number
    from views.access_log import log_view

    pupils = listed["pupil_id"].to_list()
    log_view(page, target, listed.height, pupils)
    table = tables.table(listed, columns, page.lang)
    if count:
        st.warning(t(count, page.lang, count=fmt_number(listed.height, page.lang)))
    tables.show(table)
    tables.downloads(page, table, key=key, filename=filename, target=target, subjects=pupils)
