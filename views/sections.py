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
from tilannekuva.inert import md
from tilannekuva.metrics import LEVELS, METRICS
from views import figures, filters, labels, loaders, tables
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


def by_district(page: PageContext, frame: pl.DataFrame, units: pl.DataFrame, *, y: str, title: str, y_title: str,
                columns: dict, key: str, filename: str, summary: str, kind: str = "count") -> None:
    """One period's values per district as bars (a colour and pattern per `series` value) with the same
    numbers as a table and downloads. `frame` has district_id, `series` and `y`; each district is named
    from `units` in the reader's language; the table shows the district, then `columns` (as in
    tables.table). Rows keep their order within a district. Nothing when `frame` has no rows."""
    if frame.is_empty():
        return
    names = units.select("district_id", pl.col(filters.district_column(page.lang)).alias("district")).unique()
    named = frame.join(names, on="district_id", maintain_order="left").sort("district_id", maintain_order=True)
    chart_with_table(page, figures.grouped_bars(named, x="district", series="series", y=y, kind=kind, title=title,
                                                y_title=y_title),
                     tables.table(named, {"district": "col.district", **columns}, page.lang), key=key,
                     filename=filename, summary=summary)


def kpi_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric cards: (label, value, delta or None)."""
    for column, (label, value, delta) in zip(st.columns(len(items)), items):
        column.metric(label, value, delta)


def metric_cards(page: PageContext, cards: pl.DataFrame, year: dict, *, sector: str | None = None,
                 details: dict | None = None) -> None:
    """The strategy metrics as cards, three to a row (rows of metrics.cards or metrics.unit_cards): the
    metric's name; its value in `year` with the change from the year before; the trend in words (or,
    for one unit's cards, with `sector` its sector's name: the sector's and the city's value); the
    traffic light and the target; with `details` (URL parameters to keep) a link to the metric's page."""
    lang = page.lang
    label = page.t("unit.value" if sector else "scorecard.value", year=md(year["label"]))
    rows = cards.to_dicts()
    for start in range(0, len(rows), 3):
        for column, card in zip(st.columns(3), rows[start:start + 3]):
            metric = card["metric"]
            with column.container(border=True):
                st.markdown(f"**{metric} {page.t(f'metric.{metric}.name')}**")
                st.metric(label, labels.metric_text(metric, card["value"], lang),
                          labels.metric_delta(metric, card["value"], card["previous"], lang), border=False)
                if sector:
                    st.caption(page.t("unit.benchmarks", sector=md(sector), city=labels.metric_text(
                        metric, card["city"], lang), sector_value=labels.metric_text(metric, card["sector"], lang)))
                elif card["trend"]:      # the trend as words, not a sparkline (a picture with no text alternative)
                    st.caption(page.t("scorecard.trend", years=len(card["trend"]), values=" → ".join(
                        labels.metric_text(metric, v, lang) for v in card["trend"])))
                st.markdown(labels.light_badge(card["light"], lang) + " · " + page.t(
                    "scorecard.target", target=labels.metric_text(metric, card["target"], lang)))
                if details is not None:
                    st.page_link("pages/sector_metric.py", label=page.t("scorecard.details"),
                                 icon=":material/arrow_forward:", query_params={"mittari": metric, **details})


def unit_metrics_table(page: PageContext, cards: pl.DataFrame, unit: str, sector: str, *, key: str, filename: str,
                       judged: bool = False) -> None:
    """One unit's metrics beside its sector and the city as a table with downloads (`cards` from
    metrics.unit_cards, `unit` and `sector` their names); `judged` adds the target and the light."""
    columns = {"metric": "col.metric", "name": "col.name", "value": (tables.Text(unit), "metric:metric"),
               "sector": (tables.Text(sector), "metric:metric"), "city": ("level.city", "metric:metric")}
    if judged:
        columns |= {"target": ("col.target", "metric:metric"), "light": ("col.status", "label:light")}
    named = cards.with_columns(name=labels.label("metric", "metric", page.lang, "name"))
    table = tables.table(named, columns, page.lang)
    tables.show(table)
    tables.downloads(page, table, key=key, filename=filename)


def unit_trend(page: PageContext, levels: pl.DataFrame, metric: str, names: dict[str, str], *, filename: str,
               summary: str, target: float | None = None) -> None:
    """One metric of a unit beside its sector and the city over the school years, as lines with the
    table and downloads: `levels` from metrics.beside_sector_and_city, `names` each level's name in
    the legend ({'unit': …, 'sector': …, 'city': …}), with `target` a target line."""
    trend = (levels.filter(pl.col("metric") == metric, pl.col("value").is_not_null())
             .join(loaders.school_years(page), on="school_year_id")
             .with_columns(series=pl.col("level").replace_strict(names, return_dtype=pl.String))
             .sort(pl.col("level").cast(pl.Enum(LEVELS)), "school_year_id"))
    chart_with_table(
        page, figures.share_trend(trend, x="school_year", series="series", y="value", kind=METRICS[metric].kind,
                                  title=f"{metric} {page.t(f'metric.{metric}.name')}", target=target,
                                  y_title=page.t(f"metric.{metric}.unit"), target_label=page.t("col.target")),
        tables.table(trend, {"school_year": "col.school_year", "series": "col.level",
                             "value": ("col.value", tables.metric_number(metric))}, page.lang),
        key="unit_trend", filename=filename, summary=summary)


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
