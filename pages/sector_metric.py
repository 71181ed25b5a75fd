"""Sector leadership: one strategy metric (?mittari=M1…M6) in detail — by sector over five years
against its target, by district and by unit for the chosen year, and its distribution where one
means something (M2 ratings, M5 DigCompEdu areas)."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import figures, filters, labels, loaders, metric_details, sections, tables
from views.context import open_page

page = open_page("sector_metric")
metric = filters.metric(page)
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)
goal, kind, fmt = metrics.targets(page.settings.targets), metrics.METRICS[metric].kind, tables.metric_number(metric)
target = goal[metric]

st.title(f"{metric} {page.t(f'metric.{metric}.name')}")
st.caption(filters.summary(page, area, units))
st.markdown(page.t(f"metric.{metric}.definition"))
parts = metrics.apply_filters(loaders.frame(page, "metric_parts_by_unit_year"), **area).filter(
    pl.col("metric") == metric)
levels = metrics.selection_and_sectors(parts).join(loaders.school_years(page), on="school_year_id",
                                                   maintain_order="left")
now = levels.filter(pl.col("sector").is_null(), pl.col("school_year_id") == year["school_year_id"])
if now.is_empty() or now["value"][0] is None:      # no data, or hidden (too few answers in the selection)
    st.info(page.t("metric.hidden_selection", year=md(year["label"]), threshold=page.settings.suppression_threshold)
            if now.height and now["is_suppressed"][0] else page.t("empty.no_metric_year", year=md(year["label"])))
    st.stop()
card = metrics.cards(levels.filter(pl.col("sector").is_null()), year["school_year_id"], goal).filter(
    pl.col("metric") == metric).row(0, named=True)
sections.kpi_row([
    (page.t("metric.value", year=md(year["label"])), labels.metric_text(metric, card["value"], page.lang),
     labels.metric_delta(metric, card["value"], card["previous"], page.lang)),
    (page.t("col.target"), labels.metric_text(metric, target, page.lang), None),
    (page.t(f"metric.{metric}.events"), fmt_number(now["events"][0], page.lang), None)])
st.markdown(labels.light_badge(card["light"], page.lang))

trend = levels.filter(pl.col("value").is_not_null(), pl.col("sector").is_null() | pl.lit(area["sector"] is None))
trend = trend.with_columns(series=labels.label("sector", "sector", page.lang).fill_null(page.t("level.selection")))
sections.chart_with_table(
    page, figures.share_trend(trend, x="school_year", series="series", y="value", kind=kind, target=target,
                              title=page.t("metric.trend_title"), y_title=page.t(f"metric.{metric}.unit"),
                              target_label=page.t("col.target")),
    tables.table(trend, {"school_year": "col.school_year", "series": "col.level", "value": ("col.value", fmt)},
                 page.lang), key="metric_trend", filename=f"{metric.lower()}-kehitys",
    summary=page.t("metric.trend_summary", value=labels.metric_text(metric, card["value"], page.lang),
                   year=md(year["label"]), target=labels.metric_text(metric, target, page.lang)))

metric_details.by_district(page, metric, parts, units, year)
metric_details.distribution(page, metric, area, year)        # M2 by training topic, M5 by DigCompEdu area
st.page_link("pages/sector_units.py", label=page.t("metric.compare_units"), icon=":material/leaderboard:",
             query_params={"mittari": metric, "lukuvuosi": str(year["school_year_id"]), **filters.area_params(area)})
sections.data_as_of(page)
