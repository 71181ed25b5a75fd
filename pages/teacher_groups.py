"""Teacher: my teaching groups this school year — for the chosen group (?ryhma=) the pupils with
their absences this term and the trend, support in force (before/after the 2025 reform as it
applies), and the group's grades by subject against the unit (unit: an aggregate, suppressed)."""

import streamlit as st

from tilannekuva.inert import md
from views import explain, filters, group_sections, loaders, sections, whats_new
from views.context import open_page

page = open_page("teacher_groups")
year = filters.school_year(page)
year_id = year["school_year_id"]

st.title(page.t("page.teacher_groups"))
whats_new.section(page)
if (groups := loaders.frame(page, "my_groups", school_year_id=year_id)).is_empty():
    st.info(page.t("empty.no_groups", year=md(year["label"])))
    st.stop()
group = filters.group(page, groups)
group_sections.key_figures(page, groups, group)
group_sections.pupils(page, group, year_id)
group_sections.grades(page, group, year_id)

if not (absences := loaders.frame(page, "absence_by_group_month", unit_id=None, school_year_id=year_id)).is_empty():
    explain.about(page, "S1")
    sections.absence_by_group(page, absences, key="absence_groups", title=page.t("absence.chart_title"),
                              summary=page.t("absence.summary", groups=groups.height), filename="poissaolot-ryhmittain")
sections.data_as_of(page)
