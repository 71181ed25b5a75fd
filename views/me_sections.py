"""Sections of the teacher's own page (pages/teacher_me.py): my training record with what is still due
this school year, and my competence-survey answers by DigCompEdu area against my unit and the city."""

from __future__ import annotations

import streamlit as st

from tilannekuva import competence, periods, training
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import explain, loaders, sections, tables
from views.context import PageContext

RECORD_COLUMNS = {"attended_on": ("col.date", "date"), "name": "col.training", "topic": ("col.topic", "label:topic"),
                  "hours": "col.hours"}


def training_record(page: PageContext, year: dict) -> None:
    """This year's trainings and hours and all trainings as KPI cards, whether a training is still due
    this year (or, for a closed year, was not completed in it), and the record itself (what, when, hours)."""
    st.header(page.t("me.training_header"))
    explain.about(page, "M1")
    record = loaders.frame(page, "my_training_record")
    this_year = training.year_record(record, year["school_year_id"])
    sections.kpi_row([(page.t("me.trainings_year", year=md(year["label"])),
                       fmt_number(this_year.trainings, page.lang), None),
                      (page.t("me.hours_year", year=md(year["label"])), fmt_number(this_year.hours, page.lang, 1),
                       None),
                      (page.t("me.trainings_all"), fmt_number(record.height, page.lang), None)])
    if this_year.due and periods.is_unfinished(year["school_year_id"], loaders.as_of(page)):
        st.warning(page.t("me.training_due", year=md(year["label"])))
    elif this_year.due:         # a closed year: nothing can be done about it any more, so no "still"
        st.info(page.t("me.training_missed", year=md(year["label"])))
    else:
        st.success(page.t("me.training_done", year=md(year["label"])))
    if record.is_empty():
        st.info(page.t("empty.no_training_record"))
    else:
        tables.show(tables.table(record, RECORD_COLUMNS, page.lang))


def competence_answers(page: PageContext, year: dict) -> None:
    """My answers by DigCompEdu area against my unit (hidden under the suppression threshold, and the
    page says so) and the city; without answers, the survey's state in words: not answered in a closed
    year, not yet open before the spring term of an unfinished one, not yet answered while open."""
    threshold = page.settings.suppression_threshold
    st.header(page.t("me.competence_header", year=md(year["label"])))
    explain.about(page, "M5")
    if (survey := loaders.frame(page, "my_competence_vs_unit_city", school_year_id=year["school_year_id"])).is_empty():
        status = periods.survey_status(year["school_year_id"], loaders.as_of(page))
        st.info(page.t({"closed": "me.no_answers_closed", "not_open": "me.survey_opens"}.get(
            status, "me.no_answers"), year=md(year["label"])))
        return
    if competence.unit_hidden(survey):
        st.info(page.t("staff.survey_too_few", threshold=threshold))
    sections.competence_by_area(
        page, competence.by_level(survey),
        {"own": page.t("me.my_answers"), "unit": page.t("me.my_unit"), "city": page.t("level.city")},
        title=page.t("me.competence_title"), summary=page.t("me.competence_summary", threshold=threshold),
        key="me_competence", filename=f"oma-digiosaaminen-{year['school_year_id']}")
