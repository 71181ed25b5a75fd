"""Sector leadership: the strategy scorecard — M1–M6 against their targets for the chosen school
year and selection, with last year's value, the five-year trend and a traffic light."""

import streamlit as st

from tilannekuva import metrics
from tilannekuva.inert import md
from views import filters, labels, loaders, sections, tables
from views.context import open_page

page = open_page("sector_scorecard")
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)

st.title(page.t("page.sector_scorecard"))
st.caption(filters.summary(page, area, units))
parts = metrics.apply_filters(loaders.frame(page, "metric_parts_by_unit_year"), **area)
if parts.is_empty():
    st.info(page.t("empty.no_metrics"))
    st.stop()
if year["is_current"]:
    st.info(page.t("scorecard.current_year_note", year=md(year["label"])))
card = metrics.scorecard(parts, year["school_year_id"], metrics.targets(page.settings.targets))
sections.metric_cards(page, card, year, details={"lukuvuosi": str(year["school_year_id"]), **filters.area_params(area)})

st.header(page.t("scorecard.table"))
table = tables.table(card.with_columns(name=labels.label("metric", "metric", page.lang, "name")), {
    "metric": "col.metric", "name": "col.name", "value": (tables.Text(year["label"]), "metric:metric"),
    "previous": ("col.previous_year", "metric:metric"), "target": ("col.target", "metric:metric"),
    "light": ("col.status", "label:light")}, page.lang)
tables.show(table)
tables.downloads(page, table, key="scorecard", filename=f"strategiamittarit-{year['school_year_id']}")
sections.data_as_of(page)
