"""Sector leadership: support for learning (S2) and absences (S1) by district and school over
five years. The 1 Aug 2025 reform is a break: the old tiers and the new group- and pupil-specific
support are separate series, never joined. Pupil counts under the threshold are suppressed."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("sector_support")
lang = session.language()
year = widgets.school_year_filter(principal)
units = loaders.frame(principal, "units_in_scope")
area = widgets.area_filters(principal, units)
conf = session.settings()

st.title(t("page.sector_support", lang))
st.caption(widgets.filter_summary(area, units))
years = loaders.frame(principal, "school_years").select("school_year_id", pl.col("label").alias("school_year"))
districts = units.select("district_id", pl.col("district_sv" if lang == "sv" else "district_fi").alias("district")).unique()
filters = {"district_id": area["district_id"], "language": area["language"]}

st.header(t("support.header", lang))
st.markdown(t("support.reform_note", lang))
support = loaders.fetch(principal, "support_by_year_and_area", **filters)
levels = support.frame.join(years, on="school_year_id").sort("school_year_id", "regime", "support_level").with_columns(
    series=pl.format("{} ({})", pl.col("support_level").map_elements(lambda x: t(f"support_level.{x}", lang),
                                                                      return_dtype=pl.String),
                     pl.col("regime").map_elements(lambda x: t(f"regime.{x}", lang), return_dtype=pl.String)))
city = levels.filter(pl.col("district_id").is_null() & pl.col("unit_id").is_null()).sort(
    "school_year_id", "regime", "support_level", descending=[False, True, False])
if city.is_empty() or area["sector"] not in (None, "perusopetus"):
    st.info(t("empty.no_support", lang))
else:
    widgets.chart_block(
        figures.reform_trend(city, x="school_year", series="series", y="share", title=t("support.trend_title", lang),
                             y_title=t("col.share", lang), break_before="2025–2026",
                             break_label=t("support.break", lang)),
        widgets.table(city, {"school_year": "col.school_year", "series": "col.support", "pupils": "col.pupils",
                             "enrolled": "col.enrolled", "share": "col.share"}, lang, percent=("share",)),
        key="support_trend", filename="tuki-kehitys",
        summary=t("support.trend_summary", lang, hidden=support.suppressed_cells))
    by_district = levels.filter(pl.col("district_id").is_not_null() & pl.col("unit_id").is_null()
                                & (pl.col("school_year_id") == year["school_year_id"])).join(
        districts, on="district_id").sort("district_id", "regime", "support_level")
    if by_district.height:
        widgets.chart_block(
            figures.grouped_bars(by_district, x="district", series="series", y="share", kind="share",
                                 title=t("support.district_title", lang, year=year["label"]),
                                 y_title=t("col.share", lang)),
            widgets.table(by_district, {"district": "col.district", "series": "col.support", "pupils": "col.pupils",
                                        "enrolled": "col.enrolled", "share": "col.share"}, lang, percent=("share",)),
            key="support_district", filename=f"tuki-alueittain-{year['school_year_id']}",
            summary=t("support.hidden_summary", lang, hidden=support.suppressed_cells))

st.header(t("absence.header", lang))
st.markdown(t("absence.definition", lang, concern=fmt_number(conf.absence_concern_hours, lang),
              serious=fmt_number(conf.absence_serious_hours, lang)))
absence = loaders.fetch(principal, "absence_over_thresholds_by_year_and_area", **filters,
                        concern_hours=conf.absence_concern_hours, serious_hours=conf.absence_serious_hours)
rows = absence.frame.join(years, on="school_year_id").sort("school_year_id", "term", "threshold").with_columns(
    term_label=pl.format("{} {}", pl.col("school_year"),
                         pl.col("term").map_elements(lambda x: t(f"term.{x}", lang), return_dtype=pl.String)),
    series=pl.col("threshold").map_elements(lambda x: t(f"threshold.{x}", lang), return_dtype=pl.String),
    term_order=pl.col("school_year_id") * 10 + pl.when(pl.col("term") == "syksy").then(1).otherwise(2))
city_abs = rows.filter(pl.col("district_id").is_null() & pl.col("unit_id").is_null()).sort("term_order", "threshold")
if city_abs.is_empty():
    st.info(t("empty.no_absences_selection", lang))
else:
    widgets.chart_block(
        figures.share_trend(city_abs, x="term_label", series="series", y="share",
                            title=t("absence.trend_title", lang), y_title=t("col.share", lang)).update_yaxes(
            range=[0, max(0.05, (city_abs["share"].max() or 0) * 1.3)]),
        widgets.table(city_abs, {"term_label": "col.term", "series": "col.threshold", "pupils": "col.pupils",
                                 "enrolled": "col.pupils_with_records", "share": "col.share"}, lang,
                      percent=("share",)),
        key="absence_trend", filename="poissaolot-kehitys",
        summary=t("absence.trend_summary", lang, hidden=absence.suppressed_cells))
    latest = rows.filter((pl.col("school_year_id") == year["school_year_id"]) & pl.col("district_id").is_not_null()
                         & pl.col("unit_id").is_null())
    if latest.height:
        term = latest.sort("term_order")["term"][-1]
        by_district = latest.filter(pl.col("term") == term).join(districts, on="district_id").sort("district_id")
        widgets.chart_block(
            figures.grouped_bars(by_district, x="district", series="series", y="share", kind="share",
                                 title=t("absence.district_title", lang, term=by_district["term_label"][0]),
                                 y_title=t("col.share", lang)),
            widgets.table(by_district, {"district": "col.district", "series": "col.threshold", "pupils": "col.pupils",
                                        "enrolled": "col.pupils_with_records", "share": "col.share"}, lang,
                          percent=("share",)),
            key="absence_district", filename=f"poissaolot-alueittain-{year['school_year_id']}",
            summary=t("absence.hidden_summary", lang, hidden=absence.suppressed_cells))
widgets.data_as_of(principal)
