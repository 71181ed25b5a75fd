"""Sector leadership: the city overview — children, pupils and students by sector, district and
language over five school years (small cells suppressed), with the data-as-of date."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, t
from tilannekuva.inert import md
from tilannekuva.metrics import SECTORS
from views import figures, loaders, session, widgets

principal = session.require_page("sector_overview")
lang = session.language()
year = widgets.school_year_filter(principal)
units = loaders.frame(principal, "units_in_scope")
area = widgets.area_filters(principal, units)

st.title(t("page.sector_overview", lang))
st.caption(widgets.filter_summary(area, units))
result = loaders.fetch(principal, "pupils_by_year_and_area", **area)
years = loaders.frame(principal, "school_years").select("school_year_id", pl.col("label").alias("school_year"))
order = {s: i for i, s in enumerate(SECTORS)}     # ECEC, basic, upper secondary — not alphabetical
counts = result.frame.join(years, on="school_year_id").with_columns(
    sector_order=pl.col("sector").replace_strict(order, default=None, return_dtype=pl.Int8)).sort(
    "school_year_id", "sector_order", "district_id", "language", nulls_last=True)
total = counts.filter(pl.col("sector").is_null() & pl.col("district_id").is_null() & pl.col("language").is_null())
if total.is_empty():
    st.info(t("empty.no_pupils_selection", lang))
    st.stop()

this_year = counts.filter(pl.col("school_year_id") == year["school_year_id"])
by_sector = this_year.filter(pl.col("sector").is_not_null())
widgets.kpi_row([(t("overview.total", lang, year=md(year["label"])),
                  widgets.count_or_hidden(total.filter(pl.col("school_year_id") == year["school_year_id"])["pupils"]),
                  None)] + [
    (t(f"sector.{row['sector']}", lang), widgets.count_or_hidden(pl.Series([row["pupils"]])), None)
    for row in by_sector.iter_rows(named=True)])

sector_names = {s: t(f"sector.{s}", lang) for s in ("varhaiskasvatus", "perusopetus", "lukio")}
trend = counts.filter(pl.col("sector").is_not_null()).with_columns(
    series=pl.col("sector").replace_strict(sector_names, default=None))
widgets.chart_block(
    figures.grouped_bars(trend, x="school_year", series="series", y="pupils",
                         title=t("overview.by_sector_title", lang), y_title=t("col.pupils", lang)),
    widgets.table(trend, {"school_year": "col.school_year", "series": "col.sector", "pupils": "col.pupils"}, lang),
    key="overview_sector", filename="lapset-ja-oppilaat-sektoreittain",
    summary=t("overview.by_sector_summary", lang, year=md(year["label"]),
              total=widgets.count_or_hidden(total.filter(pl.col("school_year_id") == year["school_year_id"])["pupils"])))

districts = units.select("district_id", pl.col("district_sv" if lang == "sv" else "district_fi").alias("district")).unique()
by_district = this_year.filter(pl.col("district_id").is_not_null()).join(districts, on="district_id").sort("district_id")
widgets.chart_block(
    figures.grouped_bars(by_district.with_columns(series=pl.lit(year["label"])), x="district", series="series",
                         y="pupils", title=t("overview.by_district_title", lang, year=year["label"]),
                         y_title=t("col.pupils", lang)),
    widgets.table(by_district, {"district": "col.district", "pupils": "col.pupils"}, lang),
    key="overview_district", filename="lapset-ja-oppilaat-alueittain",
    summary=t("overview.hidden_summary", lang, hidden=result.suppressed_cells))

language_names = {x: t(f"language.{x}", lang) for x in ("fi", "sv")}
by_language = counts.filter(pl.col("language").is_not_null()).with_columns(
    series=pl.col("language").replace_strict(language_names, default=None))
widgets.chart_block(
    figures.grouped_bars(by_language, x="school_year", series="series", y="pupils",
                         title=t("overview.by_language_title", lang), y_title=t("col.pupils", lang)),
    widgets.table(by_language, {"school_year": "col.school_year", "series": "col.language", "pupils": "col.pupils"},
                  lang),
    key="overview_language", filename="lapset-ja-oppilaat-kielittain",
    summary=t("overview.hidden_summary", lang, hidden=result.suppressed_cells))
widgets.data_as_of(principal)
