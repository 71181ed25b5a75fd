"""Teacher: me — my training record (what, when, hours), what is still due this school year, and my
competence-survey answers by DigCompEdu area against my unit (only with at least 5 respondents) and
the city."""

import streamlit as st

from views import filters, me_sections, sections
from views.context import open_page

page = open_page("teacher_me")
year = filters.school_year(page)

st.title(page.t("page.teacher_me"))
me_sections.training_record(page, year)
me_sections.competence_answers(page, year)
sections.data_as_of(page)
