"""Sections of the teacher's watch list (pages/teacher_watch.py): the history behind a listed pupil —
absences month by month (a logged chart and table about that pupil) and mean grades term by term."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva.audit_events import Target
from tilannekuva.i18n import fmt_month, fmt_number
from views import figures, labels, loaders, sections, tables
from views.access_log import log_view
from views.context import PageContext

GRADE_COLUMNS = {"term": "col.term", "mean_grade": ("col.mean_grade", "num2"), "min_grade": "col.lowest_grade"}


def pick_pupil(page: PageContext, listed: pl.DataFrame) -> tuple[int, str]:
    """A listed pupil picked by name and group: their id and that name."""
    names = dict(listed.select("pupil_id", pl.format("{} {} ({})", "last_name", "first_name", "group_name")).rows())
    pupil_id = st.selectbox(page.t("watch.pick"), list(names), format_func=names.get, key="tk_watch_pupil",
                            placeholder=page.t("filter.choose"))
    return pupil_id, names[pupil_id]


def absences(page: PageContext, pupil_id: int, name: str, year_id: int) -> None:
    """The pupil's absence hours month by month, the total and the peak month in the summary."""
    history = loaders.frame(page, "pupil_absence_by_month", unit_id=None, school_year_id=year_id).filter(
        pl.col("pupil_id") == pupil_id).with_columns(series=pl.lit(name)).sort("month")
    if not history.height:
        return
    # One pupil's history is personal data on screen: logged as a view of that pupil (once per viewer).
    log_view(page, Target.PUPIL_ABSENCE, history.height, [pupil_id], filters={**page.filter_values(), "pupil_id": pupil_id})
    peak = history.sort("absence_hours", descending=True).row(0, named=True)
    sections.chart_with_table(
        page, figures.mark_partial(figures.monthly_lines(
            history, month="month", series="series", y="absence_hours", title=page.t("watch.absence_title"),
            y_title=page.t("col.absence_hours")), sections.partial_months(page, history["month"]),
            page.t("period.partial_month")),
        tables.table(history, {"month": ("col.month", "month"), "absence_hours": ("col.absence_hours", "num1")}, page.lang),
        key="watch_absence", filename=f"poissaolot-{pupil_id}-{year_id}", target="pupil_absence", subjects=[pupil_id],
        filters={**page.filter_values(), "pupil_id": pupil_id},
        summary=page.t("watch.absence_summary", total=fmt_number(history["absence_hours"].sum(), page.lang, 1),
                       months=history.height, peak=fmt_number(peak["absence_hours"], page.lang, 1),
                       month=fmt_month(peak["month"], page.lang)))


def grades(page: PageContext, pupil_id: int, year_id: int) -> None:
    """The pupil's mean and lowest grade term by term."""
    by_term = loaders.frame(page, "pupil_grades_by_term", unit_id=None, school_year_id=year_id).filter(
        pl.col("pupil_id") == pupil_id).sort("term_order")
    if not by_term.height:
        return
    term = pl.format("{}–{} {}", "school_year_id", pl.col("school_year_id") + 1,
                     labels.label("term", "term", page.lang)).alias("term")
    tables.show(tables.table(by_term.with_columns(term), GRADE_COLUMNS, page.lang))
