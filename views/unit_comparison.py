"""Sections of the sector's unit comparison (sector_units): one unit's metrics beside its sector and the
city, the chosen metric per district, and every unit of the selection on the chosen metric (a table
with downloads; the highest 15, the lowest 15 and those below the target). A click on a district's or a
unit's row or bar opens it (views.drill: through the URL filter, as a typed address would)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.inert import md
from views import drill, figures, filters, labels, sections, tables
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
    tables.show(tables.table(by_district, {district: "col.district", "value": value}, page.lang), key="districts_table")
    drill.chooser(page, "units.open_district", by_district, "district_id", district, "alue", key="districts_open")
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
    st.caption(page.t("units.click_hint"))
    part, first = tables.paged(page, table, key="units_table")      # a long list 100 units at a time
    event = tables.show(part, height=min(600, 38 + 35 * part.height), key="units_table", **drill.TABLE)
    tables.downloads(page, table, key="units", filename=f"yksikot-{metric.lower()}-{year['school_year_id']}",
                     metrics=(metric,))                                  # every unit, not only the part shown
    rows = shown.slice(first, part.height)
    drill.follow(drill.target(event, rows, "unit_id", "yksikko"))
    # The same without a pointer (a grid's rows are canvas): the units of the part shown, not all 3 500 each run.
    drill.chooser(page, "units.open_unit", rows, "unit_id", "unit", "yksikko", key="units_open")


RANKED = 15     # units in the highest and in the lowest list


def ranked_units(page: PageContext, shown: pl.DataFrame, metric: str, year: dict) -> None:
    """The highest and the lowest units as bars and those below the target as a table, side by side in
    tabs; a click on a bar, or the unit chosen under the table, opens the unit."""
    kind, target = metrics.METRICS[metric].kind, metrics.targets(page.settings.targets)[metric]
    top, bottom = metrics.ranked(shown, RANKED)
    below = metrics.below_target(shown, target)
    tabs = st.tabs([page.t("units.top_tab", count=top.height), page.t("units.bottom_tab", count=bottom.height),
                    page.t("units.below_tab", count=below.height)])
    for tab, units, key, title in ((tabs[0], top, "units_top", "units.highest_title"),
                                   (tabs[1], bottom, "units_bottom", "units.lowest_title")):
        with tab:
            event = sections.plot(page, figures.grouped_bars(
                units.with_columns(series=pl.lit(year["label"])), x="unit", series="series", y="value",
                horizontal=True, kind=kind, title=page.t(title, metric=metric, count=units.height),
                y_title=page.t(f"metric.{metric}.unit")), key=key, clickable=True)
            st.caption(page.t("units.ranked_summary", count=units.height, total=shown.height))
            drill.follow(drill.target(event, units, "unit_id", "yksikko"))
    with tabs[2]:
        if below.is_empty():
            st.success(page.t("units.none_below", target=labels.metric_text(metric, target, page.lang)))
        else:
            fmt = tables.metric_number(metric)
            st.caption(page.t("units.below_summary", count=below.height, total=shown.height,
                              target=labels.metric_text(metric, target, page.lang)))
            tables.show(tables.table(below, {
                "unit": "col.unit", "sector": ("col.sector", "label:sector"), "value": ("col.value", fmt),
                "to_target": ("col.to_target", fmt)}, page.lang), key="units_below")
            drill.chooser(page, "units.open_unit_below", below, "unit_id", "unit", "yksikko",
                          key="units_below_open")
