"""Principal: my unit's strategy metrics M1–M6 beside its sector and the whole city, with targets,
traffic lights and five-year trends; a unit switcher for principals of several units."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("principal_unit")
lang = session.language()
unit = widgets.unit_switcher(principal)
year = widgets.school_year_filter(principal)
ids = list(metrics.METRICS)
chosen = widgets.metric_filter(principal)
goal = metrics.targets(dict(session.settings().targets))
sector_name = t(f"sector.{unit['sector']}", lang)

st.title(md(unit["name"]))
st.caption(t("unit.caption", lang, sector=md(sector_name), district=md(unit["district_sv" if lang == "sv" else "district_fi"])))
st.header(t("page.principal_unit", lang))
parts = loaders.frame(principal, "metric_parts_by_unit_year").filter(pl.col("unit_id") == unit["unit_id"])
bench = loaders.frame(principal, "metric_bench_by_sector_year")
levels = pl.concat([
    metrics.rollup(parts, "city").with_columns(level=pl.lit("unit")),
    metrics.rollup(bench.filter(pl.col("sector") == unit["sector"]).with_columns(unit_id=pl.lit(0)), "city")
    .with_columns(level=pl.lit("sector")),
    metrics.rollup(bench.with_columns(unit_id=pl.lit(0)), "city").with_columns(level=pl.lit("city")),
])
if parts.is_empty():
    st.info(t("empty.no_metrics", lang))
    st.stop()


def value(metric: str, level: str, school_year: int) -> float | None:
    hit = levels.filter((pl.col("metric") == metric) & (pl.col("level") == level)
                        & (pl.col("school_year_id") == school_year))
    return hit["value"][0] if hit.height else None


rows = []
for start in range(0, len(ids), 3):
    for column, metric in zip(st.columns(3), ids[start:start + 3]):
        mine, city = value(metric, "unit", year["school_year_id"]), value(metric, "city", year["school_year_id"])
        sector = value(metric, "sector", year["school_year_id"])
        rows.append({"metric": metric, "unit": mine, "sector": sector, "city": city, "target": goal[metric],
                     "light": metrics.light(metric, mine, goal[metric])})
        with column.container(border=True):
            st.markdown(f"**{metric} {t(f'metric.{metric}.name', lang)}**")
            st.metric(t("unit.value", lang, year=md(year["label"])), widgets.metric_value(metric, mine),
                      widgets.metric_delta(metric, mine, value(metric, "unit", year["school_year_id"] - 1)),
                      border=False)
            st.markdown(widgets.light_badge(rows[-1]["light"]) + " · "
                        + t("scorecard.target", lang, target=widgets.metric_value(metric, goal[metric])))
            st.caption(t("unit.benchmarks", lang, sector=md(sector_name), sector_value=widgets.metric_value(metric, sector),
                         city=widgets.metric_value(metric, city)))
if loaders.frame(principal, "school_years").filter(
        (pl.col("school_year_id") == year["school_year_id"]) & pl.col("is_current")).height:
    st.caption(t("scorecard.current_year_note", lang, year=md(year["label"])))

table = pl.DataFrame(rows).select(
    pl.col("metric").alias(t("col.metric", lang)),
    pl.col("metric").map_elements(lambda m: t(f"metric.{m}.name", lang), return_dtype=pl.String).alias(t("col.name", lang)),
    *[pl.struct("metric", c).map_elements(lambda r, c=c: widgets.metric_value(r["metric"], r[c], lang), return_dtype=pl.String)
      .alias(label) for c, label in (("unit", unit["name"]), ("sector", sector_name), ("city", t("level.city", lang)),
                                     ("target", t("col.target", lang)))],
    pl.col("light").map_elements(lambda x: t(f"light.{x}", lang), return_dtype=pl.String).alias(t("col.status", lang)))
with st.expander(t("table.show", lang)):
    widgets.show_table(table)
    widgets.downloads(table, key="unit_metrics", filename=f"yksikko-{unit['unit_id']}-mittarit-{year['school_year_id']}")

spec = metrics.METRICS[chosen]
years = loaders.frame(principal, "school_years").select("school_year_id", pl.col("label").alias("school_year"))
names = {"unit": unit["name"], "sector": t("level.sector", lang, sector=sector_name), "city": t("level.city", lang)}
trend = (levels.filter(pl.col("metric") == chosen).join(years, on="school_year_id")
         .with_columns(order=pl.col("level").replace_strict({"unit": 0, "sector": 1, "city": 2}, return_dtype=pl.Int8),
                       series=pl.col("level").replace_strict(names, return_dtype=pl.String))
         .filter(pl.col("value").is_not_null()).sort("order", "school_year_id"))
widgets.chart_block(
    figures.share_trend(trend, x="school_year", series="series", y="value", kind=spec.kind,
                        title=f"{chosen} {t(f'metric.{chosen}.name', lang)}", y_title=t(f"metric.{chosen}.unit", lang),
                        target=goal[chosen], target_label=t("col.target", lang)),
    widgets.table(trend, {"school_year": "col.school_year", "series": "col.level", "value": "col.value"}, lang,
                  percent=("value",) if spec.kind == "share" else (), decimals={"value": 2}),
    key="unit_trend", filename=f"yksikko-{unit['unit_id']}-{chosen.lower()}",
    summary=t(f"metric.{chosen}.definition", lang))
widgets.data_as_of(principal)
