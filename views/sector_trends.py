"""Sections of the sector's support page (sector_support): support for learning (S2) and absences (S1),
each as the selection's trend over five years and its values per district in the chosen year. Both
read a FetchResult (loaders.support_levels, loaders.absence_terms) whose rows are the selection's own
(no district, no unit: `WHOLE`), per district (`PER_DISTRICT`) and per unit."""

from __future__ import annotations

import polars as pl

from tilannekuva.warehouse import FetchResult
from views import figures, labels, sections, tables
from views.context import PageContext

WHOLE = pl.col("district_id").is_null() & pl.col("unit_id").is_null()
PER_DISTRICT = pl.col("district_id").is_not_null() & pl.col("unit_id").is_null()
SUPPORT_COLUMNS = {"series": "col.support", "pupils": "col.pupils", "enrolled": "col.enrolled",
                   "share": ("col.share", "pct1")}
ABSENCE_COLUMNS = {"series": "col.threshold", "pupils": "col.pupils", "enrolled": "col.pupils_with_records",
                   "share": ("col.share", "pct1")}


def support(page: PageContext, support: FetchResult, units: pl.DataFrame, year: dict) -> None:
    """The shares in support over the years, the reform a break between the old tiers and the 2025
    levels (never joined), then the chosen year's shares per district."""
    city = support.frame.filter(WHOLE).sort("school_year_id", "regime", "support_level",
                                            descending=[False, True, False])
    sections.chart_with_table(
        page, figures.reform_trend(city, x="school_year", series="series", y="share", y_title=page.t("col.share"),
                                   title=page.t("support.trend_title"), break_before="2025–2026",
                                   break_label=page.t("support.break"), colour_by="support_level"),
        tables.table(city, {"school_year": "col.school_year", **SUPPORT_COLUMNS}, page.lang),
        key="support_trend", filename="tuki-kehitys", metrics=("S2",),
        summary=page.t("support.trend_summary", hidden=labels.hidden_cells(support.suppressed_cells, page.lang)))
    sections.by_district(
        page, support.frame.filter(PER_DISTRICT, pl.col("school_year_id") == year["school_year_id"]).sort(
            "regime", "support_level"), units, y="share", kind="share", columns=SUPPORT_COLUMNS, colour_by="support_level",
        title=page.t("support.district_title", year=year["label"]), y_title=page.t("col.share"),
        key="support_district", filename=f"tuki-alueittain-{year['school_year_id']}", metrics=("S2",),
        summary=page.t("support.hidden_summary", hidden=labels.hidden_cells(support.suppressed_cells, page.lang)))


def absences(page: PageContext, absence: FetchResult, units: pl.DataFrame, year: dict) -> None:
    """The shares of pupils over the absence thresholds term by term (the term the data end in drawn as
    partial and labelled '(kesken)', not read as a dip), then per district in the chosen year's latest term."""
    city = absence.frame.filter(WHOLE)
    fig = figures.share_trend(city, x="term_label", series="series", y="share", y_title=page.t("col.share"),
                              title=page.t("absence.trend_title"), colour_by="threshold").update_yaxes(
        range=[0, max(0.05, (city["share"].max() or 0) * 1.3)])
    sections.chart_with_table(
        page, figures.mark_partial(fig, city.filter(pl.col("partial_term"))["term_label"].unique().to_list(),
                                   page.t("period.partial")),
        tables.table(city, {"term_label": "col.term", **ABSENCE_COLUMNS}, page.lang),
        key="absence_trend", filename="poissaolot-kehitys", metrics=("S1",),
        summary=page.t("absence.trend_summary", hidden=labels.hidden_cells(absence.suppressed_cells, page.lang)))
    latest = absence.frame.filter(PER_DISTRICT, pl.col("school_year_id") == year["school_year_id"]).filter(
        pl.col("term_order") == pl.col("term_order").max())
    sections.by_district(
        page, latest, units, y="share", kind="share", columns=ABSENCE_COLUMNS, y_title=page.t("col.share"),
        colour_by="threshold",
        title=page.t("absence.district_title", term="".join(latest["term_label"][:1])),
        key="absence_district", filename=f"poissaolot-alueittain-{year['school_year_id']}", metrics=("S1",),
        summary=page.t("absence.hidden_summary", hidden=labels.hidden_cells(absence.suppressed_cells, page.lang)))
