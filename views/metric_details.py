"""Sections of a strategy metric's detail page (sector_metric): the metric's value in one school year
as KPI cards, its trend by sector against the target, the metric by district in that year, the
distribution behind it where one means something (M2 by training topic, M5 by DigCompEdu area; other
metrics have none), and the link to the unit comparison."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import drill, figures, filters, labels, loaders, sections, tables
from views.context import PageContext


def no_value(page: PageContext, metric: str, levels: pl.DataFrame, now: pl.DataFrame, area: dict, year: dict) -> None:
    """Why the selection has no value in `year` (`now`: its row of loaders.metric_levels, if any): hidden
    under the threshold of answers; or no data yet — then the latest earlier value with its period
    ('kevät 2026' for the spring survey) and the trend of the years that have one."""
    if now.height and now["is_suppressed"][0]:
        threshold = page.settings.suppression_threshold
        st.info(page.t("metric.hidden_selection", year=md(year["label"]), threshold=threshold))
        return
    goal = metrics.targets(page.settings.targets)
    card = metrics.cards(levels.filter(pl.col("sector").is_null()), year["school_year_id"], goal,
                         loaders.as_of(page)).filter(pl.col("metric") == metric).row(0, named=True)
    if card["latest_value"] is None:
        st.info(page.t("empty.no_metric_year", year=md(year["label"])))
        return
    st.info(page.t(sections.no_value_key(page, metric, year), year=md(year["label"])))
    sections.kpi_row([(md(sections.latest_period(page, metric, card["latest_year"])),
                       labels.metric_text(metric, card["latest_value"], page.lang), None),
                      (page.t("col.target"), labels.metric_text(metric, goal[metric], page.lang), None)])
    st.markdown(labels.light_badge(card["light"], page.lang))
    latest = levels.filter(pl.col("school_year_id") == card["latest_year"])["school_year"][:1].to_list()
    trend(page, metric, levels, {**card, "value": card["latest_value"]}, area, {"label": "".join(latest)})


def headline(page: PageContext, metric: str, levels: pl.DataFrame, now: pl.DataFrame, year: dict) -> dict:
    """The selection's value in `year` with the change it is compared on ('vs. 20.11.2025' for an unfinished
    year's cumulative metric), the target and the events as KPI cards, and the traffic light ('no verdict
    yet' mid-year for a cumulative metric); returns the metric's card (metrics.cards)."""
    goal = metrics.targets(page.settings.targets)
    card = metrics.cards(levels.filter(pl.col("sector").is_null()), year["school_year_id"], goal,
                         loaders.as_of(page)).filter(pl.col("metric") == metric).row(0, named=True)
    sections.kpi_row([
        (page.t("metric.value", year=md(year["label"])) + (f" ({page.t('period.partial')})" if year["partial"] else ""),
         labels.metric_text(metric, card["value"], page.lang),
         labels.metric_delta(metric, card["value"], card["previous"], page.lang, on=card["compared_on"])),
        (page.t("col.target"), labels.metric_text(metric, goal[metric], page.lang), None),
        (page.t(f"metric.{metric}.events"), fmt_number(now["events"][0], page.lang), None)])
    st.markdown(labels.light_badge(card["light"], page.lang))
    return card


def trend(page: PageContext, metric: str, levels: pl.DataFrame, card: dict, area: dict, year: dict) -> None:
    """The selection's value over the years against the target, and each sector's when no sector is chosen;
    an unfinished last year drawn as partial (figures.mark_partial) and labelled '(kesken)' in the table."""
    target = metrics.targets(page.settings.targets)[metric]
    trend = levels.filter(pl.col("value").is_not_null(), pl.col("sector").is_null() | pl.lit(area["sector"] is None))
    trend = trend.with_columns(series=labels.label("sector", "sector", page.lang).fill_null(page.t("level.selection")))
    kind = metrics.METRICS[metric].kind
    drawn, lines = sections.one_line_each(trend, kind)
    fig = figures.share_trend(drawn, x="school_year", series="series", y="value", kind=kind,
                              target=target, title=labels.span_title(trend["school_year"], page.lang),
                              colour_by="sector", y_title=page.t(f"metric.{metric}.unit"),
                              target_label=page.t("col.target"))
    sections.chart_with_table(
        page, figures.mark_partial(fig, trend.filter(pl.col("partial"))["school_year"].unique().to_list(),
                                   page.t("period.partial")),
        tables.table(trend.with_columns(labels.partial("school_year", "partial", page.lang)),
                     {"school_year": "col.school_year", "series": "col.level",
                      "value": ("col.value", tables.metric_number(metric))}, page.lang),
        key="metric_trend", filename=f"{metric.lower()}-kehitys", metrics=(metric,),
        summary=page.t("metric.trend_summary", value=labels.metric_text(metric, card["value"], page.lang),
                       year=md(year["label"]), target=labels.metric_text(metric, target, page.lang))
        + (" " + page.t(f"chart.coinciding_{kind}", lines=md(lines)) if lines else ""))


def by_district(page: PageContext, metric: str, parts: pl.DataFrame, units: pl.DataFrame, year: dict,
                area: dict | None = None) -> None:
    """The metric's value per district in `year` (summed parts of the selection's units), naming the best;
    a click on a district's bar opens the unit comparison of that district on the same metric, year and
    selection (`area`), where the district filter checks it like any address (views.drill)."""
    district = filters.district_column(page.lang)
    by_district = metrics.rollup(parts.filter(pl.col("school_year_id") == year["school_year_id"]), "district").join(
        units.select("district_id", district).unique(), on="district_id").sort("district_id")
    best = by_district.sort("value", descending=True, nulls_last=True)[district][:1].to_list()
    event = sections.chart_with_table(
        page, figures.grouped_bars(by_district.with_columns(series=pl.lit(year["label"])), x=district, series="series",
                                   y="value", kind=metrics.METRICS[metric].kind,
                                   title=page.t("metric.by_district_title", year=year["label"]),
                                   y_title=page.t(f"metric.{metric}.unit")),
        tables.table(by_district, {district: "col.district", "value": ("col.value", tables.metric_number(metric)),
                                   "events": f"metric.{metric}.events"}, page.lang),
        key="metric_district", filename=f"{metric.lower()}-alueittain", clickable=True, metrics=(metric,),
        summary=page.t("metric.by_district_summary", best=md(best[0]) if best else "–") + " "
        + page.t("metric.district_click"))
    keep = {"mittari": metric, "lukuvuosi": str(year["school_year_id"]), **filters.area_params(area or {})}
    drill.follow(drill.target(event, by_district, "district_id", "alue"), "pages/sector_units.py", keep)


def distribution(page: PageContext, metric: str, area: dict, year: dict) -> None:
    """M2's topics or M5's areas in `year` for the selection `area` (a chart, its table, downloads)."""
    if metric == "M2":
        topics(page, area, year)
    elif metric == "M5":
        competence_areas(page, area, year)


def topics(page: PageContext, area: dict, year: dict) -> None:
    """M2 per training topic, from the publication cube (pub_feedback_topics): a topic of fewer than the
    threshold of answers, or one that would give such a topic back, is hidden under every filter."""
    shown = loaders.frame(page, "feedback_topics_by_year", **area).filter(
        pl.col("school_year_id") == year["school_year_id"]).sort("topic").with_columns(
        labels.label("topic", "topic", page.lang).alias("name"), series=pl.lit(year["label"]))
    sections.chart_with_table(
        page, figures.grouped_bars(shown.filter(pl.col("mean_rating").is_not_null()), x="name", series="series",
                                   y="mean_rating", kind="mean", title=page.t("m2.topics_title", year=year["label"]),
                                   y_title=page.t("metric.M2.unit")),
        tables.table(shown, {"name": "col.topic", "answers": "col.answers", "mean_rating": ("col.mean_rating", "num2")},
                     page.lang), key="m2_topics", filename="m2-aiheittain", metrics=("M2",),
        summary=page.t("m2.topics_summary", hidden=int(shown["is_suppressed"].sum()),
                       threshold=page.settings.suppression_threshold))


def competence_areas(page: PageContext, area: dict, year: dict) -> None:
    """M5 per DigCompEdu area (summed scores over summed answers: metrics.competence_by_area)."""
    survey = metrics.apply_filters(loaders.frame(page, "competence_by_area_year"), **area)
    by_area = metrics.competence_by_area(survey, year["school_year_id"]).with_columns(
        labels.label("area", "area", page.lang).alias("name"), series=pl.lit(year["label"]))
    weakest = by_area.sort("mean", nulls_last=True)["name"][:1].to_list()
    sections.chart_with_table(
        page, figures.grouped_bars(by_area, x="name", series="series", y="mean", kind="mean", horizontal=True,
                                   title=page.t("m5.areas_title", year=year["label"]), y_title=page.t("m5.mean")),
        tables.table(by_area, {"name": "col.area", "mean": ("m5.mean", "num2"), "answers": "col.answers"}, page.lang),
        key="m5_areas", filename="m5-osa-alueet", metrics=("M5",),
        summary=page.t("m5.areas_summary", weakest=md(weakest[0]) if weakest else "–"))


def compare_link(page: PageContext, metric: str, area: dict, year: dict) -> None:
    """A link to the unit comparison on the same metric, year and selection."""
    params = {"mittari": metric, "lukuvuosi": str(year["school_year_id"]), **filters.area_params(area)}
    st.page_link("pages/sector_units.py", label=page.t("metric.compare_units"), icon=":material/leaderboard:",
                 query_params=params)
