"""Sections of the sector's unit comparison (sector_units): one unit's metrics beside its sector and the
city, the chosen metric per district, and every unit of the selection on the chosen metric (a table
with downloads and the top 15 as bars)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.inert import md
from views import figures, filters, sections, tables
from views.context import PageContext


def one_unit(page: PageContext, unit: dict, parts: pl.DataFrame, metric: str, year: dict) -> None:
    """The unit's metrics in `year` beside its sector and the city (a table), and `metric` over the years."""
    unit_id, sector = unit["unit_id"], page.t(f"sector.{unit['sector']}")
    st.header(md(unit["name"]))
    st.caption(page.t("unit.caption", sector=md(sector), district=md(unit[filters.district_column(page.lang)])))
    levels = metrics.beside_sector_and_city(parts.filter(pl.col("unit_id") == unit_id), parts, unit["sector"])
    cards = metrics.unit_cards(levels, year["school_year_id"], metrics.targets(page.settings.targets))
    sections.unit_metrics_table(page, cards, unit["name"], sector, key="unit_view",
                                filename=f"yksikko-{unit_id}-{year['school_year_id']}")
    sections.unit_trend(page, levels, metric, {"unit": unit["name"], "sector": sector, "city": page.t("level.city")},
                        filename=f"yksikko-{unit_id}-{metric.lower()}", summary=page.t("units.unit_summary"))


def districts(page: PageContext, chosen: pl.DataFrame, units: pl.DataFrame, metric: str, year: dict) -> None:
    """`metric` in `year` per district (the summed parts of `chosen`), with the hint to drill down."""
    district = filters.district_column(page.lang)
    this_year = chosen.filter(pl.col("metric") == metric, pl.col("school_year_id") == year["school_year_id"])
    by_district = metrics.rollup(this_year, "district").join(units.select("district_id", district).unique(),
                                                             on="district_id").sort("district_id")
    value = ("col.value", tables.metric_number(metric))
    tables.show(tables.table(by_district, {district: "col.district", "value": value}, page.lang))
    st.caption(page.t("units.drill_hint"))


def compared(page: PageContext, chosen: pl.DataFrame, units: pl.DataFrame, metric: str, year: dict,
             district_id: int | None) -> pl.DataFrame:
    """Every unit of `chosen` (in `district_id`, if given) on `metric` in `year` beside its sector and the
    city (metrics.compare_units), best first, with its district's name."""
    return metrics.compare_units(chosen, metric, year["school_year_id"], district_id).join(
        units.select("unit_id", filters.district_column(page.lang)), on="unit_id", maintain_order="left")


def units_table(page: PageContext, shown: pl.DataFrame, metric: str, year: dict) -> None:
    """The compared units as a sortable table with downloads."""
    fmt, district = tables.metric_number(metric), filters.district_column(page.lang)
    table = tables.table(shown, {
        "unit": "col.unit", "sector": ("col.sector", "label:sector"), district: "col.district",
        **{c: (f"col.{c}", fmt) for c in ("value", "sector_value", "city_value", "vs_city")},
        "events": f"metric.{metric}.events"}, page.lang)
    tables.show(table, height=min(600, 38 + 35 * shown.height))
    tables.downloads(page, table, key="units", filename=f"yksikot-{metric.lower()}-{year['school_year_id']}")


def top_units(page: PageContext, shown: pl.DataFrame, metric: str, year: dict) -> None:
    """The first 15 compared units as bars, with a line saying how many of all."""
    top = shown.head(15).with_columns(series=pl.lit(year["label"]))
    sections.plot(page, figures.grouped_bars(
        top, x="unit", series="series", y="value", horizontal=True, kind=metrics.METRICS[metric].kind,
        title=page.t("units.top_title", metric=metric), y_title=page.t(f"metric.{metric}.unit")), key="units_top")
    st.caption(page.t("units.top_summary", metric=metric, count=top.height, total=shown.height))
