"""Teacher: my teaching groups this school year — for the chosen group (?ryhma=) the pupils with
their absences this term and the trend, support in force (before/after the 2025 reform as it
applies), and the group's grades by subject against the unit (unit: an aggregate, suppressed)."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("teacher_groups")
lang = session.language()
year = widgets.school_year_filter(principal)

st.title(t("page.teacher_groups", lang))
groups = loaders.frame(principal, "my_groups", school_year_id=year["school_year_id"])
if groups.is_empty():
    st.info(t("empty.no_groups", lang, year=md(year["label"])))
    st.stop()
ids = groups["group_id"].to_list()
labels = {r["group_id"]: f"{r['group_name']} · {r['unit_name']}" for r in groups.iter_rows(named=True)}
group_id = widgets.url_select("ryhma", ids, labels, ids[0], label_key="filter.group", bad_key="filter.bad_group",
                              key="tk_group", principal=principal)
group = groups.filter(pl.col("group_id") == group_id).row(0, named=True)

widgets.kpi_row([
    (t("groups.count", lang), fmt_number(groups.height, lang), None),
    (t("groups.pupils_in", lang, group=md(group["group_name"])), fmt_number(group["pupils"], lang), None),
    (t("groups.teachers", lang), fmt_number(group["teachers"], lang), None),
])
st.header(t("groups.pupils_header", lang, group=md(group["group_name"])))
pupils = loaders.frame(principal, "pupils_in_my_groups", school_year_id=year["school_year_id"]).filter(
    pl.col("group_id") == group_id)
months = loaders.frame(principal, "pupil_absence_by_month", unit_id=None, school_year_id=year["school_year_id"])
if pupils.is_empty():
    st.info(t("empty.no_pupils_in_group", lang))
else:
    filters = {"ryhma": group_id, "lukuvuosi": year["school_year_id"]}
    loaders.log_access(principal, "view", "group_pupils", "teacher_groups", filters, pupils.height,
                       pupils["pupil_id"].to_list())
    trend = (months.filter(pl.col("pupil_id").is_in(pupils["pupil_id"].implode())).sort("month")
             .group_by("pupil_id", maintain_order=True).agg(pl.col("absence_hours").alias("trend")))
    shown = pupils.join(trend, on="pupil_id", how="left").sort("last_name", "first_name")
    table = shown.select(
        pl.format("{} {}", "last_name", "first_name").alias(t("col.pupil", lang)),
        pl.col("absence_hours").round(1).alias(t("col.absence_hours", lang)),
        pl.col("unexcused_hours").round(1).alias(t("col.unexcused_hours", lang)),
        pl.col("trend").alias(t("col.absence_trend", lang)),
        pl.col("support_forms").fill_null("").map_elements(lambda s: widgets.support_text(s, lang), return_dtype=pl.String)
        .alias(t("col.support", lang)),
        pl.col("mean_grade").round(1).alias(t("col.mean_grade", lang)))
    st.dataframe(table, hide_index=True, placeholder="–", column_config={
        t("col.absence_trend", lang): st.column_config.LineChartColumn(t("col.absence_trend", lang)),
        t("col.absence_hours", lang): st.column_config.NumberColumn(format="localized"),
        t("col.unexcused_hours", lang): st.column_config.NumberColumn(format="localized"),
        t("col.mean_grade", lang): st.column_config.NumberColumn(format="localized")})
    widgets.downloads(table.drop(t("col.absence_trend", lang)), key="group_pupils",
                      filename=f"ryhma-{group['group_name']}-{year['school_year_id']}",
                      audit={"principal": principal, "target": "group_pupils", "page": "teacher_groups",
                             "filters": filters, "subjects": pupils["pupil_id"].to_list()})

st.header(t("groups.assessment_header", lang, group=md(group["group_name"])))
grades = loaders.fetch(principal, "group_vs_unit_assessment", school_year_id=year["school_year_id"])
mine = grades.frame.filter(pl.col("group_name") == group["group_name"])
if mine.is_empty():
    st.info(t("empty.no_assessment_group", lang))
else:
    names = {"group": group["group_name"], "unit": group["unit_name"]}
    term = "kevat" if "kevat" in set(mine["term"]) else "syksy"      # the latest term of the school year
    latest = mine.filter(pl.col("term") == term).with_columns(
        series=pl.col("level").replace_strict(names, return_dtype=pl.String),
        subject_name=pl.col("subject").map_elements(lambda s: t(f"subject.{s}", lang), return_dtype=pl.String))
    widgets.chart_block(
        figures.grouped_bars(latest, x="subject_name", series="series", y="mean_grade", kind="grade",
                             title=t("groups.assessment_title", lang, term=t(f"term.{latest['term'][0]}", lang)),
                             y_title=t("col.mean_grade", lang)),
        widgets.table(latest, {"subject_name": "col.subject", "series": "col.level", "pupils": "col.pupils",
                               "mean_grade": "col.mean_grade"}, lang, decimals={"mean_grade": 2}),
        key="group_assessment", filename=f"arviointi-{group['group_name']}-{year['school_year_id']}",
        summary=t("groups.assessment_summary", lang, hidden=grades.suppressed_cells))

absences = loaders.frame(principal, "absence_by_group_month", unit_id=None, school_year_id=year["school_year_id"])
if not absences.is_empty():
    widgets.chart_block(
        figures.monthly_lines(absences, month="month", series="group_name", y="hours_per_pupil",
                              title=t("absence.chart_title", lang), y_title=t("absence.hours_per_pupil", lang)),
        widgets.table(absences.sort("group_name", "month"), {"group_name": "col.group", "month": "col.month",
                                                             "pupils": "col.pupils", "hours_per_pupil": "col.hours_per_pupil"},
                      lang, decimals={"hours_per_pupil": 1}),
        key="absence_groups", summary=t("absence.summary", lang, groups=groups.height), filename="poissaolot-ryhmittain")
widgets.data_as_of(principal)
