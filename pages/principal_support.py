"""Principal: support for learning in my unit — support by group (old tiers and the 2025 levels
apart), absences by group over the year, assessment by subject, and the support signals: pupils
whose absences rise or grades fall with no support in place, by name and with the reason, for
pupil-welfare work. Opening the pupil list and downloading it are written to the access log."""

import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import figures, filters, labels, loaders, sections, tables
from views.context import open_page

SIGNAL_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name", "group_name": "col.group",
                  "reasons_text": "col.reasons", "followed_text": "col.followed_up"}

page = open_page("principal_support")
unit = filters.own_unit(page)
year = filters.school_year(page)
scope = {"unit_id": unit["unit_id"], "school_year_id": year["school_year_id"]}
year_id = year["school_year_id"]

st.title(md(unit["name"]))
st.header(page.t("psupport.signals_header", year=md(year["label"])))
st.markdown(page.t("psupport.signals_definition", concern=fmt_number(page.settings.absence_concern_hours, page.lang)))
if loaders.frame(page, "pupil_roster", **scope).is_empty():
    st.info(page.t("empty.no_pupils_unit", year=md(year["label"])))
elif (listed := loaders.signals(page, unit["unit_id"], year_id)).is_empty():
    st.success(page.t("psupport.no_signals"))
else:
    marks = loaders.followups().current(year_id, listed["pupil_id"].to_list())
    sections.pupil_list(page, listed.join(marks, on="pupil_id", how="left").with_columns(
        labels.signal_reasons(page.lang), labels.followed_up(page.lang)), SIGNAL_COLUMNS, target="support_signals",
        key="signals", filename=f"tukisignaalit-{unit['unit_id']}-{year_id}", count="psupport.signals_count")

st.header(page.t("psupport.support_header"))
groups = loaders.frame(page, "support_by_group", **scope).drop_nulls("group_name")
if groups.is_empty():
    st.info(page.t("empty.no_support_unit", year=md(year["label"])))
else:
    groups = groups.with_columns(series=labels.support_series(page.lang))
    sections.chart_with_table(
        page, figures.grouped_bars(groups, x="group_name", series="series", y="pupils", y_title=page.t("col.pupils"),
                                   title=page.t("psupport.support_title", year=year["label"])),
        tables.table(groups, {"group_name": "col.group", "series": "col.support", "pupils": "col.pupils",
                              "enrolled": "col.enrolled", "share": ("col.share", "pct1")}, page.lang),
        key="unit_support", filename=f"tuki-ryhmittain-{year_id}", summary=page.t("psupport.support_summary"))

st.header(page.t("psupport.absence_header"))
absences = loaders.frame(page, "absence_by_group_month", **scope).sort("group_name", "month")
if absences.is_empty():
    st.info(page.t("empty.no_absences_unit"))
else:
    sections.chart_with_table(
        page, figures.monthly_lines(absences, month="month", series="group_name", y="hours_per_pupil",
                                    title=page.t("psupport.absence_title"), y_title=page.t("col.hours_per_pupil")),
        tables.table(absences, {"group_name": "col.group", "month": "col.month", "pupils": "col.pupils",
                                "hours_per_pupil": ("col.hours_per_pupil", "num1")}, page.lang),
        key="unit_absence", filename=f"poissaolot-ryhmittain-{year_id}", summary=page.t("psupport.absence_summary"))

st.header(page.t("psupport.assessment_header"))
grades = loaders.frame(page, "assessment_by_subject", **scope)
if grades.is_empty():
    st.info(page.t("empty.no_assessment"))
else:
    grades = grades.with_columns(labels.label("subject", "subject", page.lang).alias("subject_name"),
                                 labels.label("term", "term", page.lang).alias("term_name"))
    sections.chart_with_table(
        page, figures.grouped_bars(grades, x="subject_name", series="term_name", y="mean_grade", kind="grade",
                                   title=page.t("psupport.assessment_title", year=year["label"]),
                                   y_title=page.t("col.mean_grade")),
        tables.table(grades, {"subject_name": "col.subject", "term_name": "col.term", "pupils": "col.pupils",
                              "mean_grade": ("col.mean_grade", "num2"),
                              "failing_share": ("col.failing_share", "pct1")}, page.lang),
        key="unit_assessment", filename=f"arviointi-{year_id}", summary=page.t("psupport.assessment_summary"))
sections.data_as_of(page)
