"""Sector leadership: the strategy scorecard — M1–M6 against their targets for the chosen school
year and selection, with last year's value, the five-year trend and a traffic light."""

import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import fmt_date
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
if year["partial"]:
    st.info(page.t("period.year_note", year=md(year["label"]), date=fmt_date(loaders.as_of(page), page.lang)))
card = metrics.scorecard(parts, year["school_year_id"], metrics.targets(page.settings.targets), loaders.as_of(page))
sections.metric_cards(page, card, year, details={"lukuvuosi": str(year["school_year_id"]), **filters.area_params(area)})

st.header(page.t("scorecard.table"))
table = tables.table(card.with_columns(labels.compared_with(year["previous_label"], page.lang),
                                       name=labels.label("metric", "metric", page.lang, "name")), {
    "metric": "col.metric", "name": "col.name",
    "value": (tables.Text(labels.partial_text(year["label"], year["partial"], page.lang)), "metric:metric"),
    "previous": ("col.compared_value", "metric:metric"), "compared_with": "col.compared_with",
    "target": ("col.target", "metric:metric"),
    "light": ("col.status", "label:light")}, page.lang)
tables.show(table)
tables.downloads(page, table, key="scorecard", filename=f"strategiamittarit-{year['school_year_id']}",
                 metrics=tuple(card["metric"]))
sections.data_as_of(page)
