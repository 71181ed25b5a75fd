"""Sector leadership: unit comparison with drill-down city → district → unit. Every unit on the
chosen metric beside its sector and the city (sortable table, CSV/Excel); choosing a district
narrows the list, choosing a unit (?yksikko=) shows that unit's metrics over five years."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.inert import md
from views import explain, filters, loaders, sections, unit_comparison
from views.context import open_page

page = open_page("sector_units")
metric = filters.metric(page)
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)
unit_id = filters.unit(page, metrics.apply_filters(units, **area))
parts = loaders.frame(page, "metric_parts_by_unit_year")

st.title(page.t("page.sector_units"))
st.caption(filters.breadcrumb(page, area, units, unit_id))
if unit_id is not None:
    unit_comparison.one_unit(page, units.filter(pl.col("unit_id") == unit_id).row(0, named=True), parts, metric, year)
else:
    explain.about(page, metric)        # every figure below is of the chosen metric
    chosen = metrics.apply_filters(parts, sector=area["sector"], language=area["language"])
    if area["district_id"] is None:
        st.header(page.t("units.districts_header", metric=metric))
        unit_comparison.districts(page, chosen, units, metric, year)
    shown = unit_comparison.compared(page, chosen, units, metric, year, area["district_id"])
    st.header(page.t("units.units_header", metric=metric, year=md(year["label"]), count=shown.height))
    if shown.is_empty():
        st.info(page.t("empty.no_units_selection"))
    else:
        unit_comparison.units_table(page, shown, metric, year)
        unit_comparison.ranked_units(page, shown, metric, year)
sections.data_as_of(page)
