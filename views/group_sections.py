"""Sections of the teacher's groups page (pages/teacher_groups.py): the group's key figures, its pupils
(a logged pupil list) and its grades by subject against the unit (the unit an aggregate, suppressed)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.terms import in_latest_term
from views import explain, figures, labels, loaders, sections, tables
from views.context import PageContext

PUPIL_COLUMNS = {"pupil": "col.pupil", "absence_hours": ("col.absence_hours", "num1"),
                 "unexcused_hours": ("col.unexcused_hours", "num1"), "trend": "col.absence_trend",
                 "support_forms": ("col.support", "support_forms"), "mean_grade": ("col.mean_grade", "num1")}
GRADE_COLUMNS = {"subject_name": "col.subject", "series": "col.level", "pupils": "col.pupils",
                 "mean_grade": ("col.mean_grade", "num2")}


def key_figures(page: PageContext, groups: pl.DataFrame, group: dict) -> None:
    """How many groups the teacher has, and the chosen group's pupils and teachers."""
    sections.kpi_row([(page.t("groups.count"), fmt_number(groups.height, page.lang), None),
                      (page.t("groups.pupils_in", group=md(group["group_name"])),
                       fmt_number(group["pupils"], page.lang), None),
                      (page.t("groups.teachers"), fmt_number(group["teachers"], page.lang), None)])


def pupils(page: PageContext, group: dict, year_id: int) -> None:
    """The group's pupils with their absences this term and the trend, support in force and mean grade."""
    st.header(page.t("groups.pupils_header", group=md(group["group_name"])))
    if (listed := loaders.group_pupils(page, group["group_id"], year_id)).is_empty():
        st.info(page.t("empty.no_pupils_in_group"))
    else:
        sections.pupil_list(page, listed, PUPIL_COLUMNS, trends=("trend",), target="group_pupils",
                            key="group_pupils", filename=f"ryhma-{group['group_name']}-{year_id}")


def grades(page: PageContext, group: dict, year_id: int) -> None:
    """The group's mean grades by subject in its latest term with grades, against its unit's: the bars named
    as the group's and the unit's. A group with no numeric grades (years 1–3, verbal assessment) is said
    to have none: the unit's bars alone would read as the class's own."""
    st.header(page.t("groups.assessment_header", group=md(group["group_name"])))
    explain.about(page, "S3")
    fetched = loaders.fetch(page, "group_vs_unit_assessment", school_year_id=year_id)
    rows = fetched.frame.filter(pl.col("group_id") == group["group_id"])
    if (own := rows.filter(pl.col("level") == "group")).is_empty():
        st.info(page.t("empty.no_assessment_group"))
        return
    latest = rows.filter(pl.col("term") == in_latest_term(own)["term"][0]).with_columns(
        pl.col("level").replace_strict({"group": page.t("groups.series_group", group=group["group_name"]),
                                        "unit": page.t("groups.series_unit", unit=group["unit_name"])}).alias("series"),
        labels.label("subject", "subject", page.lang).alias("subject_name"))
    title = page.t("groups.assessment_title", term=page.t(f"term.{latest['term'][0]}"))
    sections.chart_with_table(
        page, figures.grouped_bars(latest, x="subject_name", series="series", y="mean_grade", kind="grade",
                                   colour_by="level", title=title, y_title=page.t("col.mean_grade")),
        tables.table(latest, GRADE_COLUMNS, page.lang),
        key="group_assessment", filename=f"arviointi-{group['group_name']}-{year_id}", metrics=("S3",),
        summary=page.t("groups.assessment_summary", hidden=labels.hidden_cells(fetched.suppressed_cells, page.lang)))
