"""Sections of the sector leadership's city overview (pages/sector_overview.py): children, pupils and
students in the chosen school year as KPI cards, and over the school years by sector, by district (the
chosen year) and by language. `counts` is loaders.pupil_counts; small cells are suppressed there."""

from __future__ import annotations

import polars as pl

from tilannekuva.inert import md
from tilannekuva.warehouse import FetchResult
from views import figures, labels, sections, tables
from views.context import PageContext


def totals(counts: pl.DataFrame) -> pl.DataFrame:
    """The rows that total over sector, district and language (one a school year)."""
    return counts.filter(pl.col("sector").is_null() & pl.col("district_id").is_null() & pl.col("language").is_null())


def _in_year(frame: pl.DataFrame, year: dict) -> pl.DataFrame:
    return frame.filter(pl.col("school_year_id") == year["school_year_id"])


def key_figures(page: PageContext, counts: pl.DataFrame, year: dict) -> None:
    """The year's total and each sector's count (or 'hidden')."""
    total = _in_year(totals(counts), year)["pupils"]
    by_sector = _in_year(counts, year).filter(pl.col("sector").is_not_null())
    sections.kpi_row(
        [(page.t("overview.total", year=md(year["label"])), labels.count_or_hidden(total, page.lang), None)]
        + [(page.t(f"sector.{row['sector']}"), labels.count_or_hidden(pl.Series([row["pupils"]]), page.lang), None)
           for row in by_sector.iter_rows(named=True)])


def by_sector(page: PageContext, counts: pl.DataFrame, year: dict) -> None:
    """Each sector over the school years, the chosen year's total in the summary."""
    shown = counts.filter(pl.col("sector").is_not_null())
    total = _in_year(totals(counts), year)["pupils"]
    sections.chart_with_table(
        page, figures.grouped_bars(shown, x="school_year", series="sector_name", y="pupils", colour_by="sector",
                                   title=page.t("overview.by_sector_title"), y_title=page.t("col.pupils")),
        tables.table(shown, {"school_year": "col.school_year", "sector_name": "col.sector", "pupils": "col.pupils"},
                     page.lang), key="overview_sector", filename="lapset-ja-oppilaat-sektoreittain",
        summary=page.t("overview.by_sector_summary", year=md(year["label"]),
                       total=labels.count_or_hidden(total, page.lang)))


def by_district(page: PageContext, counts: FetchResult, units: pl.DataFrame, year: dict) -> None:
    """Each district in the chosen year."""
    shown = _in_year(counts.frame, year).filter(pl.col("district_id").is_not_null())
    sections.by_district(page, shown.with_columns(series=pl.lit(year["label"])), units, y="pupils",
                         columns={"pupils": "col.pupils"}, y_title=page.t("col.pupils"),
                         title=page.t("overview.by_district_title", year=year["label"]), key="overview_district",
                         filename="lapset-ja-oppilaat-alueittain",
                         summary=page.t("overview.hidden_summary",
                                        hidden=labels.hidden_cells(counts.suppressed_cells, page.lang)))


def by_language(page: PageContext, counts: FetchResult) -> None:
    """Each language over the school years."""
    shown = counts.frame.filter(pl.col("language").is_not_null())
    sections.chart_with_table(
        page, figures.grouped_bars(shown, x="school_year", series="language", y="pupils", colour_by="language_code",
                                   title=page.t("overview.by_language_title"), y_title=page.t("col.pupils")),
        tables.table(shown, {"school_year": "col.school_year", "language": "col.language", "pupils": "col.pupils"},
                     page.lang), key="overview_language", filename="lapset-ja-oppilaat-kielittain",
        summary=page.t("overview.hidden_summary", hidden=labels.hidden_cells(counts.suppressed_cells, page.lang)))
