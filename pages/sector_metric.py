"""Sector leadership: one strategy metric (?mittari=M1…M6) in detail — by sector over five years
against its target, by district and by unit for the chosen year, and its distribution where one
means something (M2 ratings, M5 DigCompEdu areas)."""

import polars as pl
import streamlit as st

from views import explain, filters, loaders, metric_details, sections
from views.context import open_page

page = open_page("sector_metric")
metric = filters.metric(page)
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)

st.title(f"{metric} {page.t(f'metric.{metric}.name')}")
st.caption(filters.summary(page, area, units))
st.markdown(page.t(f"metric.{metric}.definition"))
explain.about(page, metric)
parts = loaders.metric_parts(page, metric, **area)
levels = loaders.metric_levels(page, parts)
now = levels.filter(pl.col("sector").is_null(), pl.col("school_year_id") == year["school_year_id"])
if now.is_empty() or now["value"][0] is None:      # no data, or hidden (too few answers in the selection)
    metric_details.no_value(page, metric, levels, now, area, year)   # the latest value and the trend, if any
    st.stop()
card = metric_details.headline(page, metric, levels, now, year)
metric_details.trend(page, metric, levels, card, area, year)

metric_details.by_district(page, metric, parts, units, year, area)
metric_details.distribution(page, metric, area, year)        # M2 by training topic, M5 by DigCompEdu area
metric_details.compare_link(page, metric, area, year)
sections.data_as_of(page)
