"""Sections of the principal's staff page (pages/principal_staff.py): the unit's training status by
name, the feedback on the trainings attended, the competence survey against the sector and the city,
and staff e-service use. Each section has its header and says so when there is nothing to show."""

from __future__ import annotations

import streamlit as st

from tilannekuva import competence
from tilannekuva.inert import md
from views import explain, loaders, sections, tables
from views.context import PageContext

STAFF_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name",
                 "staff_group": ("col.staff_group", "label:staff_group"),
                 "status": ("col.training_status", "label:staff"), "trainings": "col.trainings", "hours": "col.hours",
                 "last_attended": ("col.last_attended", "date")}
FEEDBACK_COLUMNS = {"name": "col.training", "topic": ("col.topic", "label:topic"), "attended": "col.attended",
                    "answers": "col.answers", "mean_rating": ("col.unit_mean", "num2"),
                    "city_mean_rating": ("col.city_mean", "num2")}


def _scope(unit: dict, year: dict) -> dict:
    return {"unit_id": unit["unit_id"], "school_year_id": year["school_year_id"]}


def training(page: PageContext, unit: dict, year: dict) -> None:
    """Who has and who has not attended this year's trainings, by name (a logged staff list)."""
    st.header(page.t("staff.training_header", year=md(year["label"])))
    explain.about(page, "M1")
    if (staff := loaders.frame(page, "staff_training_status", **_scope(unit, year))).is_empty():
        st.info(page.t("empty.no_staff", year=md(year["label"])))
    else:
        sections.training_status(page, staff, STAFF_COLUMNS,
                                 filename=f"henkilosto-koulutukset-{year['school_year_id']}")


def feedback(page: PageContext, unit: dict, year: dict) -> None:
    """The feedback on the trainings the unit's staff attended, the unit's mean against the city's."""
    st.header(page.t("staff.feedback_header", year=md(year["label"])))
    explain.about(page, "M2")
    if (given := loaders.fetch(page, "training_feedback_for_unit", **_scope(unit, year))).frame.is_empty():
        st.info(page.t("empty.no_trainings_attended", year=md(year["label"])))
        return
    tables.show(table := tables.table(given.frame, FEEDBACK_COLUMNS, page.lang))
    st.caption(page.t("staff.feedback_note", hidden=given.suppressed_cells,
                      threshold=page.settings.suppression_threshold))
    tables.downloads(page, table, key="staff_feedback", filename=f"koulutuspalaute-{year['school_year_id']}",
                     metrics=("M2",))


def competence_survey(page: PageContext, unit: dict, year: dict) -> None:
    """The unit's competence survey by DigCompEdu area against its sector and the city (unit averages
    only; the unit is hidden under the suppression threshold, and the page says so)."""
    threshold = page.settings.suppression_threshold
    st.header(page.t("staff.competence_header", year=md(year["label"])))
    explain.about(page, "M5")
    if (survey := loaders.frame(page, "competence_unit_vs_city", **_scope(unit, year))).is_empty():
        st.info(page.t("empty.no_survey", year=md(year["label"])))
        return
    if competence.unit_hidden(survey):
        st.info(page.t("staff.survey_too_few", threshold=threshold))
    levels = {"unit": unit["name"], "sector": page.t(f"sector.{unit['sector']}"), "city": page.t("level.city")}
    sections.competence_by_area(page, survey, levels, key="staff_competence", respondents=True,
                                title=page.t("staff.competence_title"),
                                filename=f"digiosaaminen-{year['school_year_id']}",
                                summary=page.t("staff.competence_summary", threshold=threshold))


def eservices(page: PageContext, unit: dict, year: dict) -> None:
    """The staff's e-service use in the unit month by month this school year."""
    st.header(page.t("staff.eservices_header"))
    explain.about(page, "M3")
    use = loaders.frame(page, "eservice_monthly_for_unit", unit_id=unit["unit_id"])
    if (use := use.filter(user_type="henkilosto", school_year_id=year["school_year_id"])).is_empty():
        st.info(page.t("empty.no_eservice"))
    else:
        sections.eservice_use(page, use, title=page.t("staff.eservices_title"),
                              summary=page.t("staff.eservices_summary"), key="staff_eservices",
                              filename=f"henkiloston-palvelut-{year['school_year_id']}")
