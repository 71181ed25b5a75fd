"""Sector leadership: the city overview — children, pupils and students by sector, district and
language over five school years (small cells suppressed), with the data-as-of date."""

import polars as pl
import streamlit as st

from tilannekuva.inert import md
from tilannekuva.metrics import sector_order
from views import figures, filters, labels, loaders, sections, tables
from views.context import open_page

page = open_page("sector_overview")
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)

st.title(page.t("page.sector_overview"))
st.caption(filters.summary(page, area, units))
result = loaders.fetch(page, "pupils_by_year_and_area", **area)
counts = result.frame.join(loaders.school_years(page), on="school_year_id").sort(
    "school_year_id", sector_order(), "district_id", "language", nulls_last=True).with_columns(
    labels.label("sector", "sector", page.lang).alias("sector_name"), labels.label("language", "language", page.lang))
total = counts.filter(pl.col("sector").is_null() & pl.col("district_id").is_null() & pl.col("language").is_null())
if total.is_empty():
    st.info(page.t("empty.no_pupils_selection"))
    st.stop()
this_year = counts.filter(pl.col("school_year_id") == year["school_year_id"])
total = total.filter(pl.col("school_year_id") == year["school_year_id"])["pupils"]
sections.kpi_row([(page.t("overview.total", year=md(year["label"])), labels.count_or_hidden(total, page.lang), None)] + [
    (page.t(f"sector.{row['sector']}"), labels.count_or_hidden(pl.Series([row["pupils"]]), page.lang), None)
    for row in this_year.filter(pl.col("sector").is_not_null()).iter_rows(named=True)])

by_sector = counts.filter(pl.col("sector").is_not_null())
sections.chart_with_table(
    page, figures.grouped_bars(by_sector, x="school_year", series="sector_name", y="pupils",
                               title=page.t("overview.by_sector_title"), y_title=page.t("col.pupils")),
    tables.table(by_sector, {"school_year": "col.school_year", "sector_name": "col.sector", "pupils": "col.pupils"},
                 page.lang), key="overview_sector", filename="lapset-ja-oppilaat-sektoreittain",
    summary=page.t("overview.by_sector_summary", year=md(year["label"]),
                   total=labels.count_or_hidden(total, page.lang)))
sections.by_district(page, this_year.filter(pl.col("district_id").is_not_null()).with_columns(series=pl.lit(
    year["label"])), units, y="pupils", columns={"pupils": "col.pupils"}, y_title=page.t("col.pupils"),
    title=page.t("overview.by_district_title", year=year["label"]), key="overview_district",
    filename="lapset-ja-oppilaat-alueittain",
    summary=page.t("overview.hidden_summary", hidden=result.suppressed_cells))
by_language = counts.filter(pl.col("language").is_not_null())
sections.chart_with_table(
    page, figures.grouped_bars(by_language, x="school_year", series="language", y="pupils",
                               title=page.t("overview.by_language_title"), y_title=page.t("col.pupils")),
    tables.table(by_language, {"school_year": "col.school_year", "language": "col.language", "pupils": "col.pupils"},
                 page.lang), key="overview_language", filename="lapset-ja-oppilaat-kielittain",
    summary=page.t("overview.hidden_summary", hidden=result.suppressed_cells))
sections.data_as_of(page)
