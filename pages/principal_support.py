"""Principal: support for learning in my unit — support by group (old tiers and the 2025 levels
apart), absences by group over the year, assessment by subject, and the support signals: pupils
whose absences rise or grades fall with no support in place, by name and with the reason, for
pupil-welfare work. Opening the pupil list and downloading it are written to the access log. A daycare
(ECEC: children, no grades, no absence hours) gets its support by group and a sentence saying what
there is not, never empty charts or pupil wording."""

import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import explain, filters, loaders, sections, unit_support
from views.context import open_page

page = open_page("principal_support")
unit = filters.own_unit(page)
year = filters.school_year(page)
scope = {"unit_id": unit["unit_id"], "school_year_id": year["school_year_id"]}

st.title(md(unit["name"]))
if unit["sector"] == "varhaiskasvatus":     # children, no grades, no absence hours: say so, show the support
    st.info(page.t("psupport.ecec_note"))
    st.header(page.t("psupport.support_header"))     # not S2: S2 counts pupils in basic education
    unit_support.support_by_group(page, loaders.frame(page, "support_by_group", **scope), year, children=True)
    sections.data_as_of(page)
    st.stop()

st.header(page.t("psupport.signals_header", year=md(year["label"])))
st.markdown(page.t("psupport.signals_definition", concern=fmt_number(page.settings.absence_concern_hours, page.lang)))
explain.about(page, "S4")
unit_support.signals(page, unit, year)

st.header(page.t("psupport.support_header"))
explain.about(page, "S2")
unit_support.support_by_group(page, loaders.frame(page, "support_by_group", **scope), year)

st.header(page.t("psupport.absence_header"))
explain.about(page, "S1")
if (absences := loaders.frame(page, "absence_by_group_month", **scope)).is_empty():
    st.info(page.t("empty.no_absences_unit"))
else:
    sections.absence_by_group(page, absences, key="unit_absence", title=page.t("psupport.absence_title"),
                              filename=f"poissaolot-ryhmittain-{year['school_year_id']}",
                              summary=page.t("psupport.absence_summary"))

st.header(page.t("psupport.assessment_header"))
explain.about(page, "S3")
if (grades := loaders.frame(page, "assessment_by_subject", **scope)).is_empty():
    st.info(page.t("empty.no_assessment"))
else:
    unit_support.assessment_by_subject(page, grades, year)
sections.data_as_of(page)
