"""Principal: my staff — who has and who has not attended this year's information-management /
data-protection / digital-security training (by name: the principal is their supervisor), the
feedback on the trainings they attended, the unit's competence survey by DigCompEdu area against
its sector and the city (unit averages only, hidden under 5 respondents), and staff e-service use."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, fmt_percent, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("principal_staff")
lang = session.language()
unit = widgets.unit_switcher(principal)
year = widgets.school_year_filter(principal)
filters = {"yksikko": unit["unit_id"], "lukuvuosi": year["school_year_id"]}

st.title(md(unit["name"]))
st.header(t("staff.training_header", lang, year=md(year["label"])))
staff = loaders.frame(principal, "staff_training_status", unit_id=unit["unit_id"], school_year_id=year["school_year_id"])
if staff.is_empty():
    st.info(t("empty.no_staff", lang, year=md(year["label"])))
else:
    trained = int(staff["is_trained"].sum())
    widgets.kpi_row([
        (t("m1.trained", lang), fmt_number(trained, lang), None),
        (t("m1.untrained", lang), fmt_number(staff.height - trained, lang), None),
        (t("m1.share", lang), fmt_percent(trained / staff.height, lang), None),
    ])
    only_missing = st.toggle(t("staff.only_missing", lang), value=True, key="tk_only_missing")
    shown = staff.filter(~pl.col("is_trained")) if only_missing else staff
    table = shown.select(
        pl.col("last_name").alias(t("col.last_name", lang)), pl.col("first_name").alias(t("col.first_name", lang)),
        pl.col("staff_group").map_elements(lambda g: t(f"staff_group.{g}", lang), return_dtype=pl.String)
        .alias(t("col.staff_group", lang)),
        pl.col("is_trained").replace_strict({True: t("staff.trained_yes", lang), False: t("staff.trained_no", lang)})
        .alias(t("col.training_status", lang)),
        pl.col("trainings").alias(t("col.trainings", lang)), pl.col("hours").alias(t("col.hours", lang)),
        pl.col("last_attended").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String)
        .alias(t("col.last_attended", lang)))
    if table.is_empty():
        st.success(t("staff.all_trained", lang))
    else:
        widgets.show_table(table)
        # staff by name is personal data: the view is logged like the pupil lists (staff ids in the filters,
        # the log's subjects being pupils)
        loaders.log_access(principal, "view", "staff_training_list", "principal_staff",
                           {**filters, "only_missing": only_missing, "staff_ids": sorted(shown["staff_id"].to_list())},
                           table.height)
        widgets.downloads(table, key="staff_training", filename=f"henkilosto-koulutukset-{year['school_year_id']}",
                          audit={"principal": principal, "target": "staff_training_list", "page": "principal_staff",
                                 "filters": filters})

st.header(t("staff.feedback_header", lang, year=md(year["label"])))
feedback = loaders.fetch(principal, "training_feedback_for_unit", unit_id=unit["unit_id"],
                         school_year_id=year["school_year_id"])
if feedback.frame.is_empty():
    st.info(t("empty.no_trainings_attended", lang, year=md(year["label"])))
else:
    fb = feedback.frame.with_columns(topic_name=pl.col("topic").map_elements(lambda x: t(f"topic.{x}", lang),
                                                                             return_dtype=pl.String))
    table = widgets.table(fb, {"name": "col.training", "topic_name": "col.topic", "attended": "col.attended",
                               "answers": "col.answers", "mean_rating": "col.unit_mean",
                               "city_mean_rating": "col.city_mean"}, lang,
                          decimals={"mean_rating": 2, "city_mean_rating": 2})
    widgets.show_table(table)
    st.caption(t("staff.feedback_note", lang, hidden=feedback.suppressed_cells,
                 threshold=session.settings().suppression_threshold))
    widgets.downloads(table, key="staff_feedback", filename=f"koulutuspalaute-{year['school_year_id']}")

st.header(t("staff.competence_header", lang, year=md(year["label"])))
survey = loaders.fetch(principal, "competence_unit_vs_city", unit_id=unit["unit_id"],
                       school_year_id=year["school_year_id"])
mine = survey.frame.filter(pl.col("level") == "unit")
if survey.frame.is_empty():
    st.info(t("empty.no_survey", lang, year=md(year["label"])))
else:
    if mine.is_empty() or mine["mean_score"].is_null().all():
        st.info(t("staff.survey_too_few", lang, threshold=session.settings().suppression_threshold))
    names = {"unit": unit["name"], "sector": t(f"sector.{unit['sector']}", lang), "city": t("level.city", lang)}
    by_area = survey.frame.with_columns(
        series=pl.col("level").replace_strict(names, return_dtype=pl.String),
        name=pl.col("area").map_elements(lambda a: t(f"area.{a}", lang), return_dtype=pl.String))
    widgets.chart_block(
        figures.grouped_bars(by_area, x="name", series="series", y="mean_score", kind="mean", horizontal=True,
                             title=t("staff.competence_title", lang), y_title=t("m5.mean", lang)),
        widgets.table(by_area, {"name": "col.area", "series": "col.level", "mean_score": "m5.mean",
                                "respondents": "col.respondents"}, lang, decimals={"mean_score": 2}),
        key="staff_competence", filename=f"digiosaaminen-{year['school_year_id']}",
        summary=t("staff.competence_summary", lang, threshold=session.settings().suppression_threshold))

st.header(t("staff.eservices_header", lang))
use = loaders.frame(principal, "eservice_monthly_for_unit", unit_id=unit["unit_id"]).filter(
    (pl.col("user_type") == "henkilosto") & (pl.col("school_year_id") == year["school_year_id"]))
if use.is_empty():
    st.info(t("empty.no_eservice", lang))
else:
    lines = use.with_columns(series=pl.col("service").map_elements(lambda s: t(f"service.{s}", lang),
                                                                   return_dtype=pl.String)).sort("service", "month")
    widgets.chart_block(
        figures.monthly_lines(lines, month="month", series="series", y="activation",
                              title=t("staff.eservices_title", lang), y_title=t("metric.M3.unit", lang), kind="share"),
        widgets.table(lines, {"month": "col.month", "series": "col.service", "active_users": "col.active_users",
                              "eligible_users": "col.eligible_users", "activation": "col.share"}, lang,
                      percent=("activation",)),
        key="staff_eservices", filename=f"henkiloston-palvelut-{year['school_year_id']}",
        summary=t("staff.eservices_summary", lang))
widgets.data_as_of(principal)
