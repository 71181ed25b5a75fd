"""Principal: my staff — who has and who has not attended this year's information-management /
data-protection / digital-security training (by name: the principal is their supervisor), the
feedback on the trainings they attended, the unit's competence survey by DigCompEdu area against
its sector and the city (unit averages only, hidden under 5 respondents), and staff e-service use."""

import streamlit as st

from tilannekuva.inert import md
from views import filters, sections, staff_sections
from views.context import open_page

page = open_page("principal_staff")
unit = filters.own_unit(page)
year = filters.school_year(page)

st.title(md(unit["name"]))
staff_sections.training(page, unit, year)
staff_sections.feedback(page, unit, year)
staff_sections.competence_survey(page, unit, year)
staff_sections.eservices(page, unit, year)
sections.data_as_of(page)
