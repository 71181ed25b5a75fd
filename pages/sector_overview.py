"""Sector leadership: the city overview — children, pupils and students by sector, district and
language over five school years (small cells suppressed), with the data-as-of date."""

import streamlit as st

from views import explain, filters, loaders, overview_sections, sections, whats_new
from views.context import open_page

page = open_page("sector_overview")
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)

st.title(page.t("page.sector_overview"))
st.caption(filters.summary(page, area, units))
explain.data_of(page, ("ilmoittautumiset",))      # every count here is of enrolments
whats_new.section(page)
counts = loaders.pupil_counts(page, **area)
if overview_sections.totals(counts.frame).is_empty():
    st.info(page.t("empty.no_pupils_selection"))
    st.stop()
overview_sections.key_figures(page, counts.frame, year)
overview_sections.by_sector(page, counts.frame, year)
overview_sections.by_district(page, counts, units, year)
overview_sections.by_language(page, counts)
sections.data_as_of(page)
