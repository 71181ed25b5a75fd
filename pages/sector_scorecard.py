"""Sector leadership: the strategy scorecard — M1–M6 against their targets for the chosen school
year and selection, with last year's value, the five-year trend and a traffic light."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import t
from tilannekuva.inert import md
from views import loaders, session, widgets

principal = session.require_page("sector_scorecard")
lang = session.language()
year = widgets.school_year_filter(principal)
units = loaders.frame(principal, "units_in_scope")
area = widgets.area_filters(principal, units)

st.title(t("page.sector_scorecard", lang))
st.caption(widgets.filter_summary(area, units))
parts = metrics.apply_filters(loaders.frame(principal, "metric_parts_by_unit_year"), **area)
card = metrics.scorecard(parts, year["school_year_id"], metrics.targets(dict(session.settings().targets)))
if parts.is_empty():
    st.info(t("empty.no_metrics", lang))
    st.stop()
if loaders.frame(principal, "school_years").filter(
        (pl.col("school_year_id") == year["school_year_id"]) & pl.col("is_current")).height:
    st.info(t("scorecard.current_year_note", lang, year=md(year["label"])))

rows = list(card.iter_rows(named=True))
for start in range(0, len(rows), 3):
    for column, row in zip(st.columns(3), rows[start:start + 3]):
        with column.container(border=True):
            metric = row["metric"]
            st.markdown(f"**{metric} {t(f'metric.{metric}.name', lang)}**")
            st.metric(t("scorecard.value", lang, year=md(year["label"])), widgets.metric_value(metric, row["value"]),
                      widgets.metric_delta(metric, row["value"], row["previous"]), border=False)
            if row["trend"]:    # the trend as words, not a sparkline (a picture with no text alternative)
                st.caption(t("scorecard.trend", lang, years=len(row["trend"]),
                             values=" → ".join(widgets.metric_value(metric, v) for v in row["trend"])))
            st.markdown(widgets.light_badge(row["light"]) + " · "
                        + t("scorecard.target", lang, target=widgets.metric_value(metric, row["target"])))
            st.page_link("pages/sector_metric.py", label=t("scorecard.details", lang), icon=":material/arrow_forward:",
                         query_params={"mittari": metric, "lukuvuosi": str(year["school_year_id"]),
                                       **widgets.area_params(area)})

st.header(t("scorecard.table", lang))
table = card.with_columns(
    name=pl.col("metric").map_elements(lambda m: t(f"metric.{m}.name", lang), return_dtype=pl.String),
    light_text=pl.col("light").map_elements(lambda x: t(f"light.{x}", lang), return_dtype=pl.String),
    value_text=pl.struct("metric", "value").map_elements(
        lambda r: widgets.metric_value(r["metric"], r["value"]), return_dtype=pl.String),
    previous_text=pl.struct("metric", "previous").map_elements(
        lambda r: widgets.metric_value(r["metric"], r["previous"]), return_dtype=pl.String),
    target_text=pl.struct("metric", "target").map_elements(
        lambda r: widgets.metric_value(r["metric"], r["target"]), return_dtype=pl.String),
)
shown = table.select(pl.col("metric").alias(t("col.metric", lang)), pl.col("name").alias(t("col.name", lang)),
                     pl.col("value_text").alias(year["label"]),
                     pl.col("previous_text").alias(t("col.previous_year", lang)),
                     pl.col("target_text").alias(t("col.target", lang)),
                     pl.col("light_text").alias(t("col.status", lang)))
widgets.show_table(shown)
widgets.downloads(shown, key="scorecard", filename=f"strategiamittarit-{year['school_year_id']}")
widgets.data_as_of(principal)
