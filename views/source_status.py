"""The admin's view of the sources: each one's data-as-of date, how often it should arrive, its threshold,
whether it is up to date on the settings' day (tilannekuva.freshness) and the metrics that read it, with a
warning at the top naming every stale source."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva import freshness
from tilannekuva.catalogue import catalogue
from tilannekuva.i18n import fmt_date, t
from views import labels, loaders, tables
from views.context import PageContext


def judged(page: PageContext) -> pl.DataFrame:
    """freshness.source_status of the served warehouse on settings.today_date."""
    return freshness.source_status(loaders.frame(page, "data_freshness"), page.settings.today_date, catalogue())


def stale_warning(page: PageContext, sources: pl.DataFrame) -> None:
    """'2 lähdettä on vanhentunut: Poissaolot, Kirjautumiset' and a line per stale source (since when, its
    data-as-of date and rhythm); nothing when every source is fresh."""
    stale = sources.filter(pl.col("status") == "stale")
    if stale.is_empty():
        return
    lang = page.lang
    st.warning((t("admin.stale_source", lang, sources=", ".join(t(f"source.{s}", lang) for s in stale["source"]))
                if stale.height == 1 else
                t("admin.stale_sources", lang, count=stale.height,
                  sources=", ".join(t(f"source.{s}", lang) for s in stale["source"])))
               + "\n\n- " + "\n- ".join(t("freshness.stale", lang, since=fmt_date(row["stale_since"], lang),
                                           source=t(f"source.{row['source']}", lang),
                                           date=fmt_date(row["data_as_of"], lang),
                                           rhythm=t(f"rhythm.{row['rhythm']}", lang))
                                         for row in stale.iter_rows(named=True)))


def sources_table(page: PageContext, sources: pl.DataFrame) -> None:
    """The sources as a table: name, data-as-of date, loaded, rows, rhythm, threshold, status, metrics (with a
    note above it when no source has been loaded)."""
    lang = page.lang
    if sources["data_as_of"].is_null().all():
        st.info(t("empty.no_sources", lang))
    before, after = t("metrics.stale_since", lang, since="\0").split("\0")
    words = {"fresh": t("freshness.fresh", lang), "missing": t("freshness.missing", lang)}
    shown = sources.with_columns(
        status_text=pl.when(pl.col("status") == "stale")
        .then(pl.concat_str(pl.lit(before), labels.date("stale_since", lang), pl.lit(after)))
        .otherwise(pl.col("status").replace_strict(words, default="", return_dtype=pl.String)))
    tables.show(tables.table(shown, {
        "source": ("col.source", "label:source"), "data_as_of": ("col.data_as_of", "date"),
        "loaded_at": ("col.loaded_at", "date"), "row_count": "col.rows", "rhythm": ("col.rhythm", "label:rhythm"),
        "stale_after_days": "col.stale_after", "status_text": "col.status", "metrics": "col.metrics"}, lang))
