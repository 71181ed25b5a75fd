"""Teacher: me — my training record (what, when, hours), what is still due this school year, and my
competence-survey answers by DigCompEdu area against my unit (only with at least 5 respondents) and
the city."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("teacher_me")
lang = session.language()
year = widgets.school_year_filter(principal)

st.title(t("page.teacher_me", lang))
st.header(t("me.training_header", lang))
record = loaders.frame(principal, "my_training_record")
this_year = record.filter(pl.col("school_year_id") == year["school_year_id"])
widgets.kpi_row([
    (t("me.trainings_year", lang, year=md(year["label"])), fmt_number(this_year.height, lang), None),
    (t("me.hours_year", lang, year=md(year["label"])), fmt_number(this_year["hours"].sum(), lang, 1), None),
    (t("me.trainings_all", lang), fmt_number(record.height, lang), None),
])
if this_year.is_empty():
    st.warning(t("me.training_due", lang, year=md(year["label"])))
else:
    st.success(t("me.training_done", lang, year=md(year["label"])))
if record.is_empty():
    st.info(t("empty.no_training_record", lang))
else:
    widgets.show_table(record.select(
        pl.col("attended_on").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String).alias(t("col.date", lang)),
        pl.col("name").alias(t("col.training", lang)),
        pl.col("topic").map_elements(lambda x: t(f"topic.{x}", lang), return_dtype=pl.String).alias(t("col.topic", lang)),
        pl.col("hours").alias(t("col.hours", lang))))

st.header(t("me.competence_header", lang, year=md(year["label"])))
survey = loaders.fetch(principal, "my_competence_vs_unit_city", school_year_id=year["school_year_id"])
if survey.frame.is_empty():
    st.info(t("me.no_answers", lang, year=md(year["label"])))
else:
    names = {"own": t("me.my_answers", lang), "unit": t("me.my_unit", lang), "city": t("level.city", lang)}
    by_area = survey.frame.with_columns(
        series=pl.col("level").replace_strict(names, return_dtype=pl.String),
        name=pl.col("area").map_elements(lambda a: t(f"area.{a}", lang), return_dtype=pl.String),
        order=pl.col("level").replace_strict({"own": 0, "unit": 1, "city": 2}, return_dtype=pl.Int8)).sort("order", "area")
    if by_area.filter(pl.col("level") == "unit")["mean_score"].is_null().all():
        st.info(t("staff.survey_too_few", lang, threshold=session.settings().suppression_threshold))
    widgets.chart_block(
        figures.grouped_bars(by_area, x="name", series="series", y="mean_score", kind="mean", horizontal=True,
                             title=t("me.competence_title", lang), y_title=t("m5.mean", lang)),
        widgets.table(by_area, {"name": "col.area", "series": "col.level", "mean_score": "m5.mean"}, lang,
                      decimals={"mean_score": 2}),
        key="me_competence", filename=f"oma-digiosaaminen-{year['school_year_id']}",
        summary=t("me.competence_summary", lang, threshold=session.settings().suppression_threshold))
widgets.data_as_of(principal)
