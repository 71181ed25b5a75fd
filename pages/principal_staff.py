"""Principal: my staff — who has and who has not attended this year's information-management /
data-protection / digital-security training (by name: the principal is their supervisor), the
feedback on the trainings they attended, the unit's competence survey by DigCompEdu area against
its sector and the city (unit averages only, hidden under 5 respondents), and staff e-service use."""

import streamlit as st

from tilannekuva import competence
from tilannekuva.inert import md
from views import filters, loaders, sections, tables
from views.context import open_page

STAFF_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name",
                 "staff_group": ("col.staff_group", "label:staff_group"),
                 "status": ("col.training_status", "label:staff"), "trainings": "col.trainings", "hours": "col.hours",
                 "last_attended": ("col.last_attended", "date")}
FEEDBACK_COLUMNS = {"name": "col.training", "topic": ("col.topic", "label:topic"), "attended": "col.attended",
                    "answers": "col.answers", "mean_rating": ("col.unit_mean", "num2"),
                    "city_mean_rating": ("col.city_mean", "num2")}

page = open_page("principal_staff")
unit = filters.own_unit(page)
year = filters.school_year(page)
year_id, threshold = year["school_year_id"], page.settings.suppression_threshold
scope = {"unit_id": unit["unit_id"], "school_year_id": year_id}

st.title(md(unit["name"]))
st.header(page.t("staff.training_header", year=md(year["label"])))
if (staff := loaders.frame(page, "staff_training_status", **scope)).is_empty():
    st.info(page.t("empty.no_staff", year=md(year["label"])))
else:
    sections.training_status(page, staff, STAFF_COLUMNS, filename=f"henkilosto-koulutukset-{year_id}")

st.header(page.t("staff.feedback_header", year=md(year["label"])))
if (feedback := loaders.fetch(page, "training_feedback_for_unit", **scope)).frame.is_empty():
    st.info(page.t("empty.no_trainings_attended", year=md(year["label"])))
else:
    tables.show(table := tables.table(feedback.frame, FEEDBACK_COLUMNS, page.lang))
    st.caption(page.t("staff.feedback_note", hidden=feedback.suppressed_cells, threshold=threshold))
    tables.downloads(page, table, key="staff_feedback", filename=f"koulutuspalaute-{year_id}")

st.header(page.t("staff.competence_header", year=md(year["label"])))
if (survey := loaders.frame(page, "competence_unit_vs_city", **scope)).is_empty():
    st.info(page.t("empty.no_survey", year=md(year["label"])))
else:
    if competence.unit_hidden(survey):
        st.info(page.t("staff.survey_too_few", threshold=threshold))
    sections.competence_by_area(page, survey, {"unit": unit["name"], "sector": page.t(f"sector.{unit['sector']}"),
                                               "city": page.t("level.city")}, key="staff_competence", respondents=True,
                                title=page.t("staff.competence_title"), filename=f"digiosaaminen-{year_id}",
                                summary=page.t("staff.competence_summary", threshold=threshold))

st.header(page.t("staff.eservices_header"))
use = loaders.frame(page, "eservice_monthly_for_unit", unit_id=unit["unit_id"])
if (use := use.filter(user_type="henkilosto", school_year_id=year_id)).is_empty():
    st.info(page.t("empty.no_eservice"))
else:
    sections.eservice_use(page, use, title=page.t("staff.eservices_title"), summary=page.t("staff.eservices_summary"),
                          key="staff_eservices", filename=f"henkiloston-palvelut-{year_id}")
sections.data_as_of(page)
