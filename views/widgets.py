"""Reusable page parts: the school-year filter, KPI rows, chart + table + download blocks."""

from __future__ import annotations

import logging

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.export import to_csv_fi
from tilannekuva.i18n import fmt_date, t

from views import loaders
from views.session import language

log = logging.getLogger("tilannekuva.app")

YEAR_PARAM = "lukuvuosi"


def school_year_filter(principal: Principal) -> dict:
    """A school-year select that lives in the URL (?lukuvuosi=2026) so a view can be shared."""
    lang = language()
    years = loaders.frame(principal, "school_years")
    ids = years["school_year_id"].to_list()
    labels = dict(zip(ids, years["label"].to_list()))
    default = years.filter(pl.col("is_current"))["school_year_id"].to_list() or ids[:1]
    wanted = st.query_params.get(YEAR_PARAM)
    chosen = default[0]
    if wanted is not None:
        if wanted.isdigit() and int(wanted) in ids:
            chosen = int(wanted)
        else:
            log.warning("ignored an unknown school year %r in the URL from %s", wanted, principal.username)
            st.warning(t("filter.bad_year", lang))
    year = st.sidebar.selectbox(t("filter.school_year", lang), ids, index=ids.index(chosen),
                                format_func=labels.get, key="tk_school_year")
    st.query_params[YEAR_PARAM] = str(year)
    return {"school_year_id": year, "label": labels[year]}


def kpi_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric: (label, value, delta or None)."""
    for column, (label, value, delta) in zip(st.columns(len(items)), items):
        column.metric(label, value, delta)


def chart_block(fig: go.Figure, table: pl.DataFrame, *, key: str, summary: str, filename: str) -> None:
    """A chart, a one-sentence summary, and the same numbers as a table with a CSV download."""
    lang = language()
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
    st.caption(summary)
    with st.expander(t("table.show", lang)):
        st.dataframe(table, hide_index=True)
        st.download_button(t("table.download_csv", lang), to_csv_fi(table), file_name=f"{filename}.csv",
                           mime="text/csv", key=f"{key}_csv")


def data_as_of(principal: Principal) -> None:
    lang = language()
    fresh = loaders.frame(principal, "data_freshness")
    if fresh.is_empty():
        return
    st.caption(t("app.data_as_of", lang, date=fmt_date(fresh["data_as_of"].max(), lang)))
