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


def url_select(param: str, options: list, labels: dict, default, *, label_key: str, bad_key: str, key: str,
               principal: Principal) -> object:
    """A sidebar select whose value lives in the URL (?param=value) so a view can be shared.

    A URL value outside `options` (e.g. someone else's unit) is ignored with a message and a log line.
    """
    lang = language()
    wanted = st.query_params.get(param)
    chosen = default
    if wanted is not None:
        match = [o for o in options if str(o) == wanted]
        if match:
            chosen = match[0]
        else:
            log.warning("ignored ?%s=%r from %s: not among the allowed values", param, wanted, principal.username)
            st.warning(t(bad_key, lang))
    value = st.sidebar.selectbox(t(label_key, lang), options, index=options.index(chosen), format_func=labels.get,
                                 key=key, disabled=len(options) == 1)
    st.query_params[param] = str(value)
    return value


def school_year_filter(principal: Principal) -> dict:
    """The school year, kept in the URL (?lukuvuosi=2026); the current year by default."""
    years = loaders.frame(principal, "school_years")
    ids = years["school_year_id"].to_list()
    labels = dict(zip(ids, years["label"].to_list()))
    default = (years.filter(pl.col("is_current"))["school_year_id"].to_list() or ids[:1])[0]
    year = url_select(YEAR_PARAM, ids, labels, default, label_key="filter.school_year", bad_key="filter.bad_year",
                      key="tk_school_year", principal=principal)
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
