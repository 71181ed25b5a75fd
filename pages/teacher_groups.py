"""Teacher: my teaching groups this school year — for the chosen group (?ryhma=) the pupils with
their absences this term and the trend, support in force (before/after the 2025 reform as it
applies), and the group's grades by subject against the unit (unit: an aggregate, suppressed)."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.terms import in_latest_term
from views import figures, filters, labels, loaders, sections, tables
from views.context import open_page

PUPIL_COLUMNS = {"pupil": "col.pupil", "absence_hours": ("col.absence_hours", "num1"),
                 "unexcused_hours": ("col.unexcused_hours", "num1"), "trend": "col.absence_trend",
                 "support_forms": ("col.support", "support_forms"), "mean_grade": ("col.mean_grade", "num1")}

page = open_page("teacher_groups")
year = filters.school_year(page)
year_id = year["school_year_id"]

st.title(page.t("page.teacher_groups"))
groups = loaders.frame(page, "my_groups", school_year_id=year_id)
if groups.is_empty():
    st.info(page.t("empty.no_groups", year=md(year["label"])))
    st.stop()
group = filters.group(page, groups)
sections.kpi_row([(page.t("groups.count"), fmt_number(groups.height, page.lang), None),
                  (page.t("groups.pupils_in", group=md(group["group_name"])),
                   fmt_number(group["pupils"], page.lang), None),
                  (page.t("groups.teachers"), fmt_number(group["teachers"], page.lang), None)])

st.header(page.t("groups.pupils_header", group=md(group["group_name"])))
if (pupils := loaders.group_pupils(page, group["group_id"], year_id)).is_empty():
    st.info(page.t("empty.no_pupils_in_group"))
else:
    sections.pupil_list(page, pupils, PUPIL_COLUMNS, trends=("trend",), target="group_pupils", key="group_pupils",
                        filename=f"ryhma-{group['group_name']}-{year_id}")

st.header(page.t("groups.assessment_header", group=md(group["group_name"])))
grades = loaders.fetch(page, "group_vs_unit_assessment", school_year_id=year_id)
latest = in_latest_term(grades.frame.filter(pl.col("group_id") == group["group_id"])).with_columns(
    pl.col("level").replace_strict({"group": group["group_name"], "unit": group["unit_name"]}).alias("series"),
    labels.label("subject", "subject", page.lang).alias("subject_name"))
if latest.is_empty():
    st.info(page.t("empty.no_assessment_group"))
else:
    sections.chart_with_table(
        page, figures.grouped_bars(latest, x="subject_name", series="series", y="mean_grade", kind="grade",
                                   title=page.t("groups.assessment_title", term=page.t(f"term.{latest['term'][0]}")),
                                   y_title=page.t("col.mean_grade")),
        tables.table(latest, {"subject_name": "col.subject", "series": "col.level", "pupils": "col.pupils",
                              "mean_grade": ("col.mean_grade", "num2")}, page.lang),
        key="group_assessment", filename=f"arviointi-{group['group_name']}-{year_id}",
        summary=page.t("groups.assessment_summary", hidden=grades.suppressed_cells))

if not (absences := loaders.frame(page, "absence_by_group_month", unit_id=None, school_year_id=year_id)).is_empty():
    sections.absence_by_group(page, absences, key="absence_groups", title=page.t("absence.chart_title"),
                              summary=page.t("absence.summary", groups=groups.height), filename="poissaolot-ryhmittain")
sections.data_as_of(page)
