"""Sector leadership: unit comparison with drill-down city → district → unit. Every unit on the
chosen metric beside its sector and the city (sortable table, CSV/Excel); choosing a district
narrows the list, choosing a unit (?yksikko=) shows that unit's metrics over five years."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("sector_units")
lang = session.language()
ids = list(metrics.METRICS)
metric = widgets.metric_filter(principal)
year = widgets.school_year_filter(principal)
units = loaders.frame(principal, "units_in_scope")
area = widgets.area_filters(principal, units)
spec = metrics.METRICS[metric]
district_name = "district_sv" if lang == "sv" else "district_fi"

in_area = metrics.apply_filters(units, **area)
unit_ids = [None, *in_area["unit_id"].to_list()]
unit_id = widgets.url_select("yksikko", unit_ids, {None: t("filter.all_units", lang),
                                                   **dict(zip(in_area["unit_id"], in_area["name"]))},
                             None, label_key="filter.unit", bad_key="filter.bad_unit", key="tk_units_unit",
                             principal=principal)

parts = loaders.frame(principal, "metric_parts_by_unit_year")
years = loaders.frame(principal, "school_years").select("school_year_id", pl.col("label").alias("school_year"))
sector_names = {s: t(f"sector.{s}", lang) for s in metrics.SECTORS}

# Breadcrumb: city → district → unit; each step is a link that keeps the other filters.
crumbs = [t("level.city", lang)]
if area["district_id"] is not None:
    crumbs.append(units.filter(pl.col("district_id") == area["district_id"])[district_name][0])
if unit_id is not None:
    crumbs.append(in_area.filter(pl.col("unit_id") == unit_id)["name"][0])
st.title(t("page.sector_units", lang))
st.caption(" → ".join(md(c) for c in crumbs) + " · " + widgets.filter_summary(area, units))

if unit_id is not None:
    unit = units.filter(pl.col("unit_id") == unit_id).row(0, named=True)
    st.header(md(unit["name"]))
    st.caption(t("unit.caption", lang, sector=md(sector_names[unit["sector"]]), district=md(unit[district_name])))
    rows = []
    for m in ids:
        mine = parts.filter((pl.col("metric") == m) & (pl.col("unit_id") == unit_id))
        same_sector = parts.filter((pl.col("metric") == m) & (pl.col("sector") == unit["sector"]))
        everyone = parts.filter(pl.col("metric") == m)
        for label, frame, level in ((unit["name"], mine, "city"), (sector_names[unit["sector"]], same_sector, "city"),
                                    (t("level.city", lang), everyone, "city")):
            rolled = metrics.rollup(frame, level).filter(pl.col("school_year_id") == year["school_year_id"])
            rows.append({"metric": m, "level": label, "value": rolled["value"][0] if rolled.height else None})
    view = pl.DataFrame(rows, schema={"metric": pl.String, "level": pl.String, "value": pl.Float64})
    wide = view.pivot(on="level", index="metric", values="value")
    table = wide.select(
        pl.col("metric").alias(t("col.metric", lang)),
        pl.col("metric").map_elements(lambda m: t(f"metric.{m}.name", lang), return_dtype=pl.String)
        .alias(t("col.name", lang)),
        *[pl.struct("metric", c).map_elements(lambda r, c=c: widgets.metric_value(r["metric"], r[c]),
                                              return_dtype=pl.String).alias(c)
          for c in wide.columns if c != "metric"])
    widgets.show_table(table)
    widgets.downloads(table, key="unit_view", filename=f"yksikko-{unit_id}-{year['school_year_id']}")
    trend = pl.concat([
        metrics.rollup(parts.filter((pl.col("metric") == metric) & (pl.col("unit_id") == unit_id)), "city")
        .with_columns(series=pl.lit(unit["name"])),
        metrics.rollup(parts.filter((pl.col("metric") == metric) & (pl.col("sector") == unit["sector"])), "city")
        .with_columns(series=pl.lit(sector_names[unit["sector"]])),
        metrics.rollup(parts.filter(pl.col("metric") == metric), "city").with_columns(series=pl.lit(t("level.city", lang))),
    ]).join(years, on="school_year_id").filter(pl.col("value").is_not_null()).sort("school_year_id", maintain_order=True)
    widgets.chart_block(
        figures.share_trend(trend, x="school_year", series="series", y="value", kind=spec.kind,
                            title=f"{metric} {t(f'metric.{metric}.name', lang)}",
                            y_title=t(f"metric.{metric}.unit", lang)),
        widgets.table(trend, {"school_year": "col.school_year", "series": "col.level", "value": "col.value"}, lang,
                      percent=("value",) if spec.kind == "share" else (), decimals={"value": 2}),
        key="unit_trend", filename=f"yksikko-{unit_id}-{metric.lower()}",
        summary=t("units.unit_summary", lang))
else:
    compared = metrics.compare_units(metrics.apply_filters(parts, sector=area["sector"], language=area["language"]),
                                     metric, year["school_year_id"])
    if area["district_id"] is None:
        st.header(t("units.districts_header", lang, metric=metric))
        chosen = metrics.apply_filters(parts, sector=area["sector"], language=area["language"]).filter(
            (pl.col("metric") == metric) & (pl.col("school_year_id") == year["school_year_id"]))
        by_district = metrics.rollup(chosen, "district").join(
            units.select("district_id", pl.col(district_name).alias("district")).unique(), on="district_id")
        widgets.show_table(widgets.table(by_district.sort("district_id"),
                                   {"district": "col.district", "value": "col.value"}, lang,
                                   percent=("value",) if spec.kind == "share" else (), decimals={"value": 2}))
        st.caption(t("units.drill_hint", lang))
    shown = compared.filter(pl.col("district_id") == area["district_id"]) if area["district_id"] is not None else compared
    shown = shown.join(units.select("unit_id", pl.col(district_name).alias("district")), on="unit_id").with_columns(
        sector_name=pl.col("sector").replace_strict(sector_names, default=None)).sort(
        "value", "unit", descending=[True, False], nulls_last=True)
    st.header(t("units.units_header", lang, metric=metric, year=md(year["label"]), count=shown.height))
    if shown.is_empty():
        st.info(t("empty.no_units_selection", lang))
    else:
        pct = spec.kind == "share"
        table = widgets.table(shown, {"unit": "col.unit", "sector_name": "col.sector", "district": "col.district",
                                      "value": "col.value", "sector_value": "col.sector_value",
                                      "city_value": "col.city_value", "vs_city": "col.vs_city",
                                      "events": f"metric.{metric}.events"}, lang,
                              percent=("value", "sector_value", "city_value", "vs_city") if pct else (),
                              decimals={"value": 2, "sector_value": 2, "city_value": 2, "vs_city": 2})
        widgets.show_table(table, height=min(600, 38 + 35 * shown.height))
        widgets.downloads(table, key="units", filename=f"yksikot-{metric.lower()}-{year['school_year_id']}")
        top = shown.head(15).with_columns(series=pl.lit(year["label"]))
        widgets.plot(figures.grouped_bars(top, x="unit", series="series", y="value", kind=spec.kind, horizontal=True,
                                          title=t("units.top_title", lang, metric=metric),
                                          y_title=t(f"metric.{metric}.unit", lang)), key="units_top")
        st.caption(t("units.top_summary", lang, metric=metric, count=top.height, total=shown.height))
widgets.data_as_of(principal)
