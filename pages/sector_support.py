"""Sector leadership: support for learning (S2) and absences (S1) by district and school over
five years. The 1 Aug 2025 reform is a break: the old tiers and the new group- and pupil-specific
support are separate series, never joined. Pupil counts under the threshold are suppressed."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from views import figures, filters, loaders, sections, tables
from views.context import open_page

SUPPORT_COLUMNS = {"series": "col.support", "pupils": "col.pupils", "enrolled": "col.enrolled",
                   "share": ("col.share", "pct1")}
ABSENCE_COLUMNS = {"series": "col.threshold", "pupils": "col.pupils", "enrolled": "col.pupils_with_records",
                   "share": ("col.share", "pct1")}

page = open_page("sector_support")
year = filters.school_year(page)
units = loaders.frame(page, "units_in_scope")
area = filters.area(page, units)
scope, conf = {"district_id": area["district_id"], "language": area["language"]}, page.settings
whole = pl.col("district_id").is_null() & pl.col("unit_id").is_null()        # the selection's own rows
per_district = pl.col("district_id").is_not_null() & pl.col("unit_id").is_null()

st.title(page.t("page.sector_support"))
st.caption(filters.summary(page, area, units))
st.header(page.t("support.header"))
st.markdown(page.t("support.reform_note"))
support = loaders.support_levels(page, **scope)
city = support.frame.filter(whole).sort("school_year_id", "regime", "support_level", descending=[False, True, False])
if city.is_empty() or area["sector"] not in (None, "perusopetus"):
    st.info(page.t("empty.no_support"))
else:
    sections.chart_with_table(
        page, figures.reform_trend(city, x="school_year", series="series", y="share", y_title=page.t("col.share"),
                                   title=page.t("support.trend_title"), break_before="2025–2026",
                                   break_label=page.t("support.break")),
        tables.table(city, {"school_year": "col.school_year", **SUPPORT_COLUMNS}, page.lang),
        key="support_trend", filename="tuki-kehitys",
        summary=page.t("support.trend_summary", hidden=support.suppressed_cells))
    sections.by_district(
        page, support.frame.filter(per_district, pl.col("school_year_id") == year["school_year_id"]).sort(
            "regime", "support_level"), units, y="share", kind="share", columns=SUPPORT_COLUMNS,
        title=page.t("support.district_title", year=year["label"]), y_title=page.t("col.share"),
        key="support_district", filename=f"tuki-alueittain-{year['school_year_id']}",
        summary=page.t("support.hidden_summary", hidden=support.suppressed_cells))

st.header(page.t("absence.header"))
st.markdown(page.t("absence.definition", concern=fmt_number(conf.absence_concern_hours, page.lang),
                   serious=fmt_number(conf.absence_serious_hours, page.lang)))
absence = loaders.absence_terms(page, **scope)
city_absence = absence.frame.filter(whole)
if city_absence.is_empty():
    st.info(page.t("empty.no_absences_selection"))
else:
    sections.chart_with_table(
        page, figures.share_trend(city_absence, x="term_label", series="series", y="share", y_title=page.t("col.share"),
                                  title=page.t("absence.trend_title")).update_yaxes(
            range=[0, max(0.05, (city_absence["share"].max() or 0) * 1.3)]),
        tables.table(city_absence, {"term_label": "col.term", **ABSENCE_COLUMNS}, page.lang),
        key="absence_trend", filename="poissaolot-kehitys",
        summary=page.t("absence.trend_summary", hidden=absence.suppressed_cells))
    latest = absence.frame.filter(per_district, pl.col("school_year_id") == year["school_year_id"]).filter(
        pl.col("term_order") == pl.col("term_order").max())                               # the year's latest term
    sections.by_district(
        page, latest, units, y="share", kind="share", columns=ABSENCE_COLUMNS, y_title=page.t("col.share"),
        title=page.t("absence.district_title", term="".join(latest["term_label"][:1])),
        key="absence_district", filename=f"poissaolot-alueittain-{year['school_year_id']}",
        summary=page.t("absence.hidden_summary", hidden=absence.suppressed_cells))
sections.data_as_of(page)
