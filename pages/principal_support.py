"""Principal: support for learning in my unit — support by group (old tiers and the 2025 levels
apart), absences by group over the year, assessment by subject, and the support signals: pupils
whose absences rise or grades fall with no support in place, by name and with the reason, for
pupil-welfare work. Opening the pupil list and downloading it are written to the access log."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("principal_support")
lang = session.language()
unit = widgets.unit_switcher(principal)
year = widgets.school_year_filter(principal)
conf = session.settings()
scope = {"unit_id": unit["unit_id"], "school_year_id": year["school_year_id"]}
filters = {"yksikko": unit["unit_id"], "lukuvuosi": year["school_year_id"]}

st.title(md(unit["name"]))
st.header(t("psupport.signals_header", lang, year=md(year["label"])))
st.markdown(t("psupport.signals_definition", lang, concern=fmt_number(conf.absence_concern_hours, lang)))
roster = loaders.frame(principal, "pupil_roster", **scope)
if roster.is_empty():
    st.info(t("empty.no_pupils_unit", lang, year=md(year["label"])))
else:
    listed = loaders.signals(principal, unit["unit_id"], year["school_year_id"])
    if listed.is_empty():
        st.success(t("psupport.no_signals", lang))
    else:
        loaders.log_access(principal, "view", "support_signals", "principal_support", filters, listed.height,
                           listed["pupil_id"].to_list())
        marks = loaders.followups().current(year["school_year_id"], listed["pupil_id"].to_list())
        shown = listed.join(marks, on="pupil_id", how="left")
        table = widgets.signal_table(shown, lang).with_columns(shown.select(
            pl.when(pl.col("followed_by").is_not_null())
            .then(pl.format("{} {} {}", pl.col("followed_by"),
                            pl.col("followed_at").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String),
                            pl.col("note")))
            .otherwise(pl.lit("")).alias(t("col.followed_up", lang))))
        st.warning(t("psupport.signals_count", lang, count=fmt_number(listed.height, lang)))
        widgets.show_table(table)
        widgets.downloads(table, key="signals", filename=f"tukisignaalit-{unit['unit_id']}-{year['school_year_id']}",
                          audit={"principal": principal, "target": "support_signals", "page": "principal_support",
                                 "filters": filters, "subjects": listed["pupil_id"].to_list()})

st.header(t("psupport.support_header", lang))
support = loaders.fetch(principal, "support_by_group", **scope).frame
groups = support.filter(pl.col("group_name").is_not_null())
if groups.is_empty():
    st.info(t("empty.no_support_unit", lang, year=md(year["label"])))
else:
    groups = groups.with_columns(series=pl.format(
        "{} ({})", pl.col("support_level").map_elements(lambda x: t(f"support_level.{x}", lang), return_dtype=pl.String),
        pl.col("regime").map_elements(lambda x: t(f"regime.{x}", lang), return_dtype=pl.String)))
    widgets.chart_block(
        figures.grouped_bars(groups, x="group_name", series="series", y="pupils",
                             title=t("psupport.support_title", lang, year=year["label"]), y_title=t("col.pupils", lang)),
        widgets.table(groups, {"group_name": "col.group", "series": "col.support", "pupils": "col.pupils",
                               "enrolled": "col.enrolled", "share": "col.share"}, lang, percent=("share",)),
        key="unit_support", filename=f"tuki-ryhmittain-{year['school_year_id']}",
        summary=t("psupport.support_summary", lang))

st.header(t("psupport.absence_header", lang))
absences = loaders.frame(principal, "absence_by_group_month", **scope)
if absences.is_empty():
    st.info(t("empty.no_absences_unit", lang))
else:
    widgets.chart_block(
        figures.monthly_lines(absences, month="month", series="group_name", y="hours_per_pupil",
                              title=t("psupport.absence_title", lang), y_title=t("col.hours_per_pupil", lang)),
        widgets.table(absences.sort("group_name", "month"), {"group_name": "col.group", "month": "col.month",
                                                             "pupils": "col.pupils", "hours_per_pupil": "col.hours_per_pupil"},
                      lang, decimals={"hours_per_pupil": 1}),
        key="unit_absence", filename=f"poissaolot-ryhmittain-{year['school_year_id']}",
        summary=t("psupport.absence_summary", lang))

st.header(t("psupport.assessment_header", lang))
grades = loaders.frame(principal, "assessment_by_subject", **scope)
if grades.is_empty():
    st.info(t("empty.no_assessment", lang))
else:
    grades = grades.with_columns(
        subject_name=pl.col("subject").map_elements(lambda s: t(f"subject.{s}", lang), return_dtype=pl.String),
        term_name=pl.col("term").map_elements(lambda s: t(f"term.{s}", lang), return_dtype=pl.String))
    widgets.chart_block(
        figures.grouped_bars(grades, x="subject_name", series="term_name", y="mean_grade", kind="grade",
                             title=t("psupport.assessment_title", lang, year=year["label"]),
                             y_title=t("col.mean_grade", lang)),
        widgets.table(grades, {"subject_name": "col.subject", "term_name": "col.term", "pupils": "col.pupils",
                               "mean_grade": "col.mean_grade", "failing_share": "col.failing_share"}, lang,
                      percent=("failing_share",), decimals={"mean_grade": 2}),
        key="unit_assessment", filename=f"arviointi-{year['school_year_id']}",
        summary=t("psupport.assessment_summary", lang))
widgets.data_as_of(principal)
