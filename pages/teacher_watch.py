"""Teacher: my watch list — pupils in my groups with support signals (the same rules as the
principal's list, tilannekuva.signals), the reason for each and the history behind it, and a
follow-up mark the teacher can set (stored, written to the access log, shown to the principal)."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_month, fmt_number, t
from views import figures, loaders, session, widgets

principal = session.require_page("teacher_watch")
lang = session.language()
year = widgets.school_year_filter(principal)
conf = session.settings()
filters = {"lukuvuosi": year["school_year_id"]}

st.title(t("page.teacher_watch", lang))
st.markdown(t("psupport.signals_definition", lang, concern=fmt_number(conf.absence_concern_hours, lang)))
listed = loaders.signals(principal, None, year["school_year_id"])
if listed.is_empty():
    st.success(t("watch.none", lang))
    widgets.data_as_of(principal)
    st.stop()
loaders.log_access(principal, "view", "watch_list", "teacher_watch", filters, listed.height,
                   listed["pupil_id"].to_list())
marks = loaders.followups().current(year["school_year_id"], listed["pupil_id"].to_list())
shown = listed.join(marks, on="pupil_id", how="left")
table = widgets.signal_table(shown, lang).with_columns(
    shown.select(pl.when(pl.col("followed_by").is_not_null())
                 .then(pl.format("{} {}", pl.col("followed_by"),
                                 pl.col("followed_at").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String)))
                 .otherwise(pl.lit("")).alias(t("col.followed_up", lang))))
st.warning(t("psupport.signals_count", lang, count=fmt_number(listed.height, lang)))
widgets.show_table(table)
widgets.downloads(table, key="watch", filename=f"seurantalista-{year['school_year_id']}",
                  audit={"principal": principal, "target": "watch_list", "page": "teacher_watch", "filters": filters,
                         "subjects": listed["pupil_id"].to_list()})

st.header(t("watch.history_header", lang))
names = {r["pupil_id"]: f"{r['last_name']} {r['first_name']} ({r['group_name']})" for r in listed.iter_rows(named=True)}
pupil_id = st.selectbox(t("watch.pick", lang), list(names), format_func=names.get, key="tk_watch_pupil")
history = loaders.frame(principal, "pupil_absence_by_month", unit_id=None, school_year_id=year["school_year_id"]).filter(
    pl.col("pupil_id") == pupil_id).with_columns(series=pl.lit(names[pupil_id]))
if history.height:
    peak = history.sort("absence_hours", descending=True).row(0, named=True)
    widgets.chart_block(
        figures.monthly_lines(history, month="month", series="series", y="absence_hours",
                              title=t("watch.absence_title", lang), y_title=t("col.absence_hours", lang)),
        widgets.table(history.sort("month"), {"month": "col.month", "absence_hours": "col.absence_hours"}, lang,
                      decimals={"absence_hours": 1}),
        key="watch_absence", filename=f"poissaolot-{pupil_id}-{year['school_year_id']}",
        summary=t("watch.absence_summary", lang, total=fmt_number(history["absence_hours"].sum(), lang, 1),
                  months=history.height, peak=fmt_number(peak["absence_hours"], lang, 1),
                  month=fmt_month(peak["month"], lang)),
        audit={"principal": principal, "target": "pupil_absence", "page": "teacher_watch",
               "filters": {**filters, "pupil_id": pupil_id}, "subjects": [pupil_id]})
grades = loaders.frame(principal, "pupil_grades_by_term", unit_id=None, school_year_id=year["school_year_id"]).filter(
    pl.col("pupil_id") == pupil_id)
if grades.height:
    widgets.show_table(grades.sort("term_order").select(
        pl.format("{}–{} {}", pl.col("school_year_id"), pl.col("school_year_id") + 1,
                  pl.col("term").map_elements(lambda x: t(f"term.{x}", lang), return_dtype=pl.String))
        .alias(t("col.term", lang)),
        pl.col("mean_grade").round(2).alias(t("col.mean_grade", lang)),
        pl.col("min_grade").alias(t("col.lowest_grade", lang))))
current = marks.filter(pl.col("pupil_id") == pupil_id)
if principal.read_only:
    st.info(t("viewas.read_only", lang))        # an admin viewing as the teacher: the store refuses marks too
else:
    with st.form("followup", clear_on_submit=True):
        note = st.text_input(t("watch.note", lang), max_chars=200)
        followed = st.checkbox(t("watch.followed", lang), value=current.is_empty())
        if st.form_submit_button(t("watch.save", lang)):
            loaders.followups().mark(pupil_id, year["school_year_id"], principal, listed["pupil_id"].to_list(),
                                     followed=followed, note=note)
            loaders.log_access(principal, "followup", "watch_list", "teacher_watch",
                               {**filters, "pupil_id": pupil_id, "followed": followed}, 1, [pupil_id])
            st.session_state["tk_watch_saved"] = True
            st.rerun()
if st.session_state.pop("tk_watch_saved", False):
    st.success(t("watch.saved", lang))
widgets.data_as_of(principal)
