"""Sections of a principal's support page (principal_support): the support signals of the unit's pupils
by name, support for learning by group, and assessment by subject (absences by group are
sections.absence_by_group, shared with the teacher's groups)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva.inert import md
from views import figures, labels, loaders, sections, tables
from views.context import PageContext

SIGNAL_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name", "group_name": "col.group",
                  "reasons_text": "col.reasons", "followed_text": "col.followed_up"}


def signals(page: PageContext, unit: dict, year: dict) -> None:
    """The pupils whose absences rise or grades fall with no support in place, by name with the reason
    and the follow-up mark (a logged pupil list); a note when the unit has no pupils or no signals."""
    year_id = year["school_year_id"]
    if loaders.frame(page, "pupil_roster", unit_id=unit["unit_id"], school_year_id=year_id).is_empty():
        st.info(page.t("empty.no_pupils_unit", year=md(year["label"])))
    elif (listed := loaders.signals(page, unit["unit_id"], year_id)).is_empty():
        st.success(page.t("psupport.no_signals"))
    else:
        marks = loaders.followups().current(year_id, listed["pupil_id"].to_list())
        sections.pupil_list(page, listed.join(marks, on="pupil_id", how="left").with_columns(
            labels.signal_reasons(page.lang), labels.followed_up(page.lang)), SIGNAL_COLUMNS, target="support_signals",
            key="signals", filename=f"tukisignaalit-{unit['unit_id']}-{year_id}", count="psupport.signals_count")


def support_by_group(page: PageContext, groups: pl.DataFrame, year: dict, *, children: bool = False) -> None:
    """Pupils (`children`: ECEC children) in support by group, the old tiers and the 2025 levels as separate
    series (support_by_group rows); a sentence, not an empty chart, when no one in the unit has support."""
    groups = groups.drop_nulls("group_name")
    if groups.is_empty() or not (groups["pupils"].fill_null(0) > 0).any():
        st.info(page.t("psupport.no_support_children" if children else "empty.no_support_unit", year=md(year["label"])))
        return
    groups = groups.with_columns(series=labels.support_series(page.lang))
    sections.chart_with_table(
        page, figures.grouped_bars(groups, x="group_name", series="series", y="pupils", y_title=page.t("col.pupils"),
                                   title=page.t("psupport.support_title_children" if children
                                                else "psupport.support_title", year=year["label"])),
        tables.table(groups, {"group_name": "col.group", "series": "col.support", "pupils": "col.pupils",
                              "enrolled": "col.enrolled", "share": ("col.share", "pct1")}, page.lang),
        key="unit_support", filename=f"tuki-ryhmittain-{year['school_year_id']}",
        summary=page.t("psupport.support_summary"))


def assessment_by_subject(page: PageContext, grades: pl.DataFrame, year: dict) -> None:
    """Mean grade and failing share by subject and term (assessment_by_subject)."""
    grades = grades.with_columns(labels.label("subject", "subject", page.lang).alias("subject_name"),
                                 labels.label("term", "term", page.lang).alias("term_name"))
    sections.chart_with_table(
        page, figures.grouped_bars(grades, x="subject_name", series="term_name", y="mean_grade", kind="grade",
                                   title=page.t("psupport.assessment_title", year=year["label"]),
                                   y_title=page.t("col.mean_grade")),
        tables.table(grades, {"subject_name": "col.subject", "term_name": "col.term", "pupils": "col.pupils",
                              "mean_grade": ("col.mean_grade", "num2"),
                              "failing_share": ("col.failing_share", "pct1")}, page.lang),
        key="unit_assessment", filename=f"arviointi-{year['school_year_id']}",
        summary=page.t("psupport.assessment_summary"))
