"""Sector leadership: support for learning (S2) and absences (S1) by district and school over
five years. The 1 Aug 2025 reform is a break: the old tiers and the new group- and pupil-specific
support are separate series, never joined. Pupil counts under the threshold are suppressed."""

import streamlit as st

from tilannekuva.i18n import fmt_number
from views import explain, filters, loaders, sections, sector_trends
from views.context import open_page

page = open_page("sector_support")
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)
scope, conf = {"district_id": area["district_id"], "language": area["language"]}, page.settings

st.title(page.t("page.sector_support"))
st.caption(filters.summary(page, area, units))
st.header(page.t("support.header"))
st.markdown(page.t("support.reform_note"))
explain.about(page, "S2")
support = loaders.support_levels(page, **scope)
if support.frame.filter(sector_trends.WHOLE).is_empty() or area["sector"] not in (None, "perusopetus"):
    st.info(page.t("empty.no_support"))
else:
    sector_trends.support(page, support, units, year)

st.header(page.t("absence.header"))
st.markdown(page.t("absence.definition", concern=fmt_number(conf.absence_concern_hours, page.lang),
                   serious=fmt_number(conf.absence_serious_hours, page.lang)))
explain.about(page, "S1")
absence = loaders.absence_terms(page, **scope)
if absence.frame.filter(sector_trends.WHOLE).is_empty():
    st.info(page.t("empty.no_absences_selection"))
else:
    sector_trends.absences(page, absence, units, year)
sections.data_as_of(page)
