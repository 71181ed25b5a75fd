"""Teacher: my watch list — pupils in my groups with support signals (the same rules as the
principal's list, tilannekuva.signals), the reason for each and the history behind it, and a
follow-up mark the teacher can set (stored, written to the access log, shown to the principal)."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_month, fmt_number
from views import figures, filters, labels, loaders, sections, tables
from views.context import open_page

WATCH_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name", "group_name": "col.group",
                 "reasons_text": "col.reasons", "followed_text": "col.followed_up"}

page = open_page("teacher_watch")
year_id = filters.school_year(page)["school_year_id"]

st.title(page.t("page.teacher_watch"))
st.markdown(page.t("psupport.signals_definition", concern=fmt_number(page.settings.absence_concern_hours, page.lang)))
listed = loaders.signals(page, None, year_id)
if listed.is_empty():
    st.success(page.t("watch.none"))
    sections.data_as_of(page)
    st.stop()
pupils = listed["pupil_id"].to_list()
marks = loaders.followups().current(year_id, pupils)
sections.pupil_list(page, listed.join(marks, on="pupil_id", how="left").with_columns(
    labels.signal_reasons(page.lang), labels.followed_up(page.lang, with_note=False)), WATCH_COLUMNS,
    target="watch_list", key="watch", filename=f"seurantalista-{year_id}", count="psupport.signals_count")

st.header(page.t("watch.history_header"))
names = dict(listed.select("pupil_id", pl.format("{} {} ({})", "last_name", "first_name", "group_name")).rows())
pupil_id = st.selectbox(page.t("watch.pick"), list(names), format_func=names.get, key="tk_watch_pupil")
history = loaders.frame(page, "pupil_absence_by_month", unit_id=None, school_year_id=year_id).filter(
    pl.col("pupil_id") == pupil_id).with_columns(series=pl.lit(names[pupil_id])).sort("month")
if history.height:
    peak = history.sort("absence_hours", descending=True).row(0, named=True)
    sections.chart_with_table(
        page, figures.monthly_lines(history, month="month", series="series", y="absence_hours",
                                    title=page.t("watch.absence_title"), y_title=page.t("col.absence_hours")),
        tables.table(history, {"month": "col.month", "absence_hours": ("col.absence_hours", "num1")}, page.lang),
        key="watch_absence", filename=f"poissaolot-{pupil_id}-{year_id}", target="pupil_absence", subjects=[pupil_id],
        filters={**page.filter_values(), "pupil_id": pupil_id},
        summary=page.t("watch.absence_summary", total=fmt_number(history["absence_hours"].sum(), page.lang, 1),
                       months=history.height, peak=fmt_number(peak["absence_hours"], page.lang, 1),
                       month=fmt_month(peak["month"], page.lang)))
grades = loaders.frame(page, "pupil_grades_by_term", unit_id=None, school_year_id=year_id).filter(
    pl.col("pupil_id") == pupil_id).sort("term_order")
if grades.height:
    tables.show(tables.table(grades.with_columns(pl.format("{}–{} {}", "school_year_id", pl.col("school_year_id") + 1,
                                                           labels.label("term", "term", page.lang)).alias("term")),
                             {"term": "col.term", "mean_grade": ("col.mean_grade", "num2"),
                              "min_grade": "col.lowest_grade"}, page.lang))
sections.followup_form(page, pupil_id, year_id, pupils, marked=pupil_id in marks["pupil_id"])
sections.data_as_of(page)
