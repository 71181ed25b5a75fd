"""Sector leadership: unit comparison with drill-down city → district → unit. Every unit on the
chosen metric beside its sector and the city (sortable table, CSV/Excel); choosing a district
narrows the list, choosing a unit (?yksikko=) shows that unit's metrics over five years."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.inert import md
from views import figures, filters, loaders, sections, tables
from views.context import open_page

page = open_page("sector_units")
metric = filters.metric(page)
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)
unit_id = filters.unit(page, metrics.apply_filters(units, **area))
parts = loaders.frame(page, "metric_parts_by_unit_year")
district, fmt = filters.district_column(page.lang), tables.metric_number(metric)

st.title(page.t("page.sector_units"))
st.caption(filters.breadcrumb(page, area, units, unit_id))
if unit_id is not None:
    unit = units.filter(pl.col("unit_id") == unit_id).row(0, named=True)
    sector = page.t(f"sector.{unit['sector']}")
    st.header(md(unit["name"]))
    st.caption(page.t("unit.caption", sector=md(sector), district=md(unit[district])))
    levels = metrics.beside_sector_and_city(parts.filter(pl.col("unit_id") == unit_id), parts, unit["sector"])
    cards = metrics.unit_cards(levels, year["school_year_id"], metrics.targets(page.settings.targets))
    sections.unit_metrics_table(page, cards, unit["name"], sector, key="unit_view",
                                filename=f"yksikko-{unit_id}-{year['school_year_id']}")
    sections.unit_trend(page, levels, metric, {"unit": unit["name"], "sector": sector, "city": page.t("level.city")},
                        filename=f"yksikko-{unit_id}-{metric.lower()}", summary=page.t("units.unit_summary"))
else:
    chosen = metrics.apply_filters(parts, sector=area["sector"], language=area["language"])
    if area["district_id"] is None:
        st.header(page.t("units.districts_header", metric=metric))
        this_year = chosen.filter(pl.col("metric") == metric, pl.col("school_year_id") == year["school_year_id"])
        by_district = metrics.rollup(this_year, "district").join(units.select("district_id", district).unique(),
                                                                 on="district_id").sort("district_id")
        tables.show(tables.table(by_district, {district: "col.district", "value": ("col.value", fmt)}, page.lang))
        st.caption(page.t("units.drill_hint"))
    shown = metrics.compare_units(chosen, metric, year["school_year_id"], area["district_id"]).join(
        units.select("unit_id", district), on="unit_id", maintain_order="left")
    st.header(page.t("units.units_header", metric=metric, year=md(year["label"]), count=shown.height))
    if shown.is_empty():
        st.info(page.t("empty.no_units_selection"))
    else:
        table = tables.table(shown, {
            "unit": "col.unit", "sector": ("col.sector", "label:sector"), district: "col.district",
            **{c: (f"col.{c}", fmt) for c in ("value", "sector_value", "city_value", "vs_city")},
            "events": f"metric.{metric}.events"}, page.lang)
        tables.show(table, height=min(600, 38 + 35 * shown.height))
        tables.downloads(page, table, key="units", filename=f"yksikot-{metric.lower()}-{year['school_year_id']}")
        top = shown.head(15).with_columns(series=pl.lit(year["label"]))
        sections.plot(page, figures.grouped_bars(
            top, x="unit", series="series", y="value", horizontal=True, kind=metrics.METRICS[metric].kind,
            title=page.t("units.top_title", metric=metric), y_title=page.t(f"metric.{metric}.unit")), key="units_top")
        st.caption(page.t("units.top_summary", metric=metric, count=top.height, total=shown.height))
sections.data_as_of(page)
