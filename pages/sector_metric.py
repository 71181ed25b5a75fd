"""Sector leadership: one strategy metric (?mittari=M1…M6) in detail — by sector over five years
against its target, by district and by unit for the chosen year, and its distribution where one
means something (M2 ratings, M5 DigCompEdu areas)."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import fmt_number, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("sector_metric")
lang = session.language()
metric = widgets.metric_filter(principal)
year = widgets.school_year_filter(principal)
units = loaders.frame(principal, "units_in_scope")
area = widgets.area_filters(principal, units)
spec = metrics.METRICS[metric]
target = metrics.targets(dict(session.settings().targets))[metric]

st.title(f"{metric} {t(f'metric.{metric}.name', lang)}")
st.caption(widgets.filter_summary(area, units))
st.markdown(t(f"metric.{metric}.definition", lang))
parts = metrics.apply_filters(loaders.frame(principal, "metric_parts_by_unit_year"), **area).filter(
    pl.col("metric") == metric)
years = loaders.frame(principal, "school_years").select("school_year_id", pl.col("label").alias("school_year"))
city = metrics.rollup(parts, "city").join(years, on="school_year_id").sort("school_year_id")
now = city.filter(pl.col("school_year_id") == year["school_year_id"])
if now.height and now["is_suppressed"][0]:
    st.info(t("metric.hidden_selection", lang, year=md(year["label"]), threshold=session.settings().suppression_threshold))
    st.stop()
if now.is_empty() or now["value"][0] is None:
    st.info(t("empty.no_metric_year", lang, year=md(year["label"])))
    st.stop()
before = city.filter(pl.col("school_year_id") == year["school_year_id"] - 1)
value, previous = now["value"][0], (before["value"][0] if before.height else None)
widgets.kpi_row([
    (t("metric.value", lang, year=md(year["label"])), widgets.metric_value(metric, value),
     widgets.metric_delta(metric, value, previous)),
    (t("col.target", lang), widgets.metric_value(metric, target), None),
    (t(f"metric.{metric}.events", lang), fmt_number(now["events"][0], lang), None),
])
st.markdown(widgets.light_badge(metrics.light(metric, value, target)))

sector_names = {s: t(f"sector.{s}", lang) for s in metrics.SECTORS}
by_sector = [] if area["sector"] else [   # one sector chosen: its line is the selection's line
    metrics.rollup(parts, "sector").join(years, on="school_year_id").with_columns(
        order=pl.col("sector").replace_strict({s: i for i, s in enumerate(metrics.SECTORS)}, default=None,
                                              return_dtype=pl.Int8)).sort("order", "school_year_id").with_columns(
        series=pl.col("sector").replace_strict(sector_names, default=None)).select("school_year", "series", "value")]
trend = pl.concat([
    city.with_columns(series=pl.lit(t("level.selection", lang))).select("school_year", "series", "value"), *by_sector,
]).filter(pl.col("value").is_not_null())
widgets.chart_block(
    figures.share_trend(trend, x="school_year", series="series", y="value", kind=spec.kind,
                        title=t("metric.trend_title", lang), y_title=t(f"metric.{metric}.unit", lang),
                        target=target, target_label=t("col.target", lang)),
    widgets.table(trend, {"school_year": "col.school_year", "series": "col.level", "value": "col.value"}, lang,
                  percent=("value",) if spec.kind == "share" else (), decimals={"value": 2}),
    key="metric_trend", filename=f"{metric.lower()}-kehitys",
    summary=t("metric.trend_summary", lang, value=widgets.metric_value(metric, value), year=md(year["label"]),
              target=widgets.metric_value(metric, target)))

this_year = parts.filter(pl.col("school_year_id") == year["school_year_id"])
districts = units.select("district_id", pl.col("district_sv" if lang == "sv" else "district_fi").alias("district")).unique()
by_district = metrics.rollup(this_year, "district").join(districts, on="district_id").sort("district_id")
widgets.chart_block(
    figures.grouped_bars(by_district.with_columns(series=pl.lit(year["label"])), x="district", series="series",
                         y="value", kind=spec.kind, title=t("metric.by_district_title", lang, year=year["label"]),
                         y_title=t(f"metric.{metric}.unit", lang)),
    widgets.table(by_district, {"district": "col.district", "value": "col.value", "events": f"metric.{metric}.events"},
                  lang, percent=("value",) if spec.kind == "share" else (), decimals={"value": 2}),
    key="metric_district", filename=f"{metric.lower()}-alueittain",
    summary=t("metric.by_district_summary", lang, best=md(by_district.sort("value", descending=True)["district"][0])
              if by_district.height else "–"))

if metric == "M2":
    # Per training topic from the publication cube (pub_feedback_topics): a topic of fewer than the
    # threshold of answers, or one that would give such a topic back, is hidden under every filter.
    by_topic = loaders.frame(principal, "feedback_topics_by_year", **area).filter(
        pl.col("school_year_id") == year["school_year_id"])
    topics = {x: t(f"topic.{x}", lang) for x in ("tietosuoja", "tiedonhallinta", "digiturvallisuus")}
    by_topic = by_topic.with_columns(name=pl.col("topic").replace_strict(topics, default=None),
                                     series=pl.lit(year["label"])).sort("topic")
    widgets.chart_block(
        figures.grouped_bars(by_topic.filter(pl.col("mean_rating").is_not_null()), x="name", series="series",
                             y="mean_rating", kind="mean", title=t("m2.topics_title", lang, year=year["label"]),
                             y_title=t("metric.M2.unit", lang)),
        widgets.table(by_topic, {"name": "col.topic", "answers": "col.answers", "mean_rating": "col.mean_rating"},
                      lang, decimals={"mean_rating": 2}),
        key="m2_topics", filename="m2-aiheittain",
        summary=t("m2.topics_summary", lang, hidden=int(by_topic["is_suppressed"].sum()),
                  threshold=session.settings().suppression_threshold))
if metric == "M5":
    survey = metrics.apply_filters(loaders.frame(principal, "competence_by_area_year"), **area).filter(
        pl.col("school_year_id") == year["school_year_id"])
    by_area = (survey.group_by("area").agg(pl.col("score_sum").sum(), pl.col("answers").sum())
               .with_columns(mean=pl.col("score_sum") / pl.col("answers"),
                             name=pl.col("area").map_elements(lambda a: t(f"area.{a}", lang), return_dtype=pl.String),
                             series=pl.lit(year["label"]))
               .sort("area"))
    widgets.chart_block(
        figures.grouped_bars(by_area, x="name", series="series", y="mean", kind="mean", horizontal=True,
                             title=t("m5.areas_title", lang, year=year["label"]), y_title=t("m5.mean", lang)),
        widgets.table(by_area, {"name": "col.area", "mean": "m5.mean", "answers": "col.answers"}, lang,
                      decimals={"mean": 2}),
        key="m5_areas", filename="m5-osa-alueet",
        summary=t("m5.areas_summary", lang, weakest=md(by_area.sort("mean")["name"][0]) if by_area.height else "–"))
st.page_link("pages/sector_units.py", label=t("metric.compare_units", lang), icon=":material/leaderboard:",
             query_params={"mittari": metric, "lukuvuosi": str(year["school_year_id"]), **widgets.area_params(area)})
widgets.data_as_of(principal)
