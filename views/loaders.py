"""Cached reads through the scoped warehouse. Pages call these; they never open the database.

Loaders take the page context and read as its acting principal. Every cached function takes the Principal (frozen, hashable) and the warehouse
version, so the cache key always holds the user's scope and a newly published warehouse is a cache miss.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import polars as pl
import streamlit as st

from tilannekuva import metrics, periods, terms, whatsnew
from tilannekuva.access import Principal
from tilannekuva.followups import FollowUps
from tilannekuva.i18n import fmt_date, t
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.metrics import sector_order
from tilannekuva.signals import Rules, signals_in_scope
from tilannekuva.statedb import StateDB, for_settings
from tilannekuva.warehouse import FetchResult, Warehouse, WarehouseUnavailable
from views import labels
from views.cache_keys import KEYED
from views.context import PageContext
from views.language import language
from views.stores import settings

log = logging.getLogger("tilannekuva.app")


@st.cache_resource(show_spinner=False)
def _warehouse(warehouse_dir: str, threshold: int) -> Warehouse:
    return Warehouse(Path(warehouse_dir), threshold)


def warehouse() -> Warehouse:
    conf = settings()
    if conf is None:
        st.stop()
    return _warehouse(str(conf.warehouse_dir), conf.suppression_threshold)


@st.cache_resource(show_spinner=False)
def _warmed(warehouse_dir: str, threshold: int, version: str) -> str:
    _warehouse(warehouse_dir, threshold).warm()
    return version


def warm_up() -> None:
    """Once per served version and process: open the warehouse connection and its scope views while the
    sign-in page is shown, so the landing page after signing in does not wait for them. Quiet when the
    warehouse is unavailable (the pages say so)."""
    conf = settings()
    if conf is None:
        return
    try:
        wh = _warehouse(str(conf.warehouse_dir), conf.suppression_threshold)
        _warmed(str(conf.warehouse_dir), conf.suppression_threshold, wh.version)
    except WarehouseUnavailable as exc:
        log.warning("warehouse not warmed up: %s", exc)


@st.cache_data(ttl=900, max_entries=2000, show_spinner=False, hash_funcs=KEYED)
def _cached_fetch(principal: Principal, version: str, query: str, params: tuple) -> FetchResult:
    return warehouse().fetch(principal, query, **dict(params))


@st.cache_resource(show_spinner=False)
def suppression_counts() -> dict[str, list[int]]:
    """Since the server started: per query, [page loads, cells suppressed] (the admin status page)."""
    return {}


def fetch(page: PageContext, query: str, **params) -> FetchResult:
    """Run a named query as the acting principal: the frame and how many cells were suppressed. Shows a
    clear message and stops if the data is unavailable."""
    principal = page.acting
    try:
        version = warehouse().version
        result = _cached_fetch(principal, version, query, tuple(sorted(params.items())))
        if result.suppressed_cells or "is_suppressed" in result.frame.columns:
            counts = suppression_counts().setdefault(query, [0, 0])
            counts[0] += 1
            counts[1] += result.suppressed_cells
        return result
    except WarehouseUnavailable as exc:
        log.error("warehouse unavailable for %s: %s", principal.username, exc)
        st.error(t("error.warehouse", language()))
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner=False)
def _history(where: str, _db: StateDB) -> LoadHistory:
    return LoadHistory(_db)  # one per state place (`where`: the file, or the database and schema)


def load_history() -> LoadHistory:
    """The load history (the state's loads store, not the warehouse); admin pages only."""
    conf = settings()
    if conf is None:
        st.stop()
    db = for_settings(conf, "loads")
    return _history(db.where, db)


def frame(page: PageContext, query: str, **params) -> pl.DataFrame:
    """`fetch(...).frame`: the rows of a named query as the acting principal."""
    return fetch(page, query, **params).frame


def school_years(page: PageContext) -> pl.DataFrame:
    """school_year_id and its label as `school_year` ('2025–2026'), to join onto a frame for charts, and
    `partial`: the data end before the year does (periods.is_unfinished; labels.partial marks it)."""
    years, day = frame(page, "school_years"), as_of(page)
    unfinished = [y for y in years["school_year_id"].to_list() if periods.is_unfinished(y, day)]
    return years.select("school_year_id", pl.col("label").alias("school_year"),
                        pl.col("school_year_id").is_in(unfinished).alias("partial"))


def metric_parts(page: PageContext, metric: str, **area) -> pl.DataFrame:
    """The parts (numerator, denominator, events) of `metric` by unit and school year in the selection
    `area` (sector, district_id, language: None means all)."""
    return metrics.apply_filters(frame(page, "metric_parts_of_metric", metric=metric), **area)


def metric_levels(page: PageContext, parts: pl.DataFrame) -> pl.DataFrame:
    """The selection's value (`sector` null) and each sector's by school year (metrics.selection_and_sectors
    of `parts`), with the year's label as `school_year`."""
    return metrics.selection_and_sectors(parts).join(school_years(page), on="school_year_id", maintain_order="left")


def support_levels(page: PageContext, **area) -> FetchResult:
    """Support for learning by school year, district and unit (support_by_year_and_area, small cells
    suppressed) with the year's label (`school_year`) and each level named with its regime (`series`:
    the 2025 reform's levels are never summed with the old tiers)."""
    result = fetch(page, "support_by_year_and_area", **area)
    return FetchResult(result.frame.join(school_years(page), on="school_year_id").with_columns(
        series=labels.support_series(page.lang)), result.suppressed_cells)


def pupil_counts(page: PageContext, **area) -> FetchResult:
    """Children, pupils and students by school year, sector, district and language (pupils_by_year_and_area,
    small cells suppressed; a null sector, district or language is the total over it), in the order of the
    school years and sectors, with the year's label (`school_year`), `sector_name` and `language` named."""
    result = fetch(page, "pupils_by_year_and_area", **area)
    counts = result.frame.join(school_years(page), on="school_year_id").sort(
        "school_year_id", sector_order(), "district_id", "language", nulls_last=True).with_columns(
        labels.label("sector", "sector", page.lang).alias("sector_name"), labels.label("language", "language", page.lang),
        language_code="language")
    return FetchResult(counts, result.suppressed_cells)


def absence_terms(page: PageContext, **area) -> FetchResult:
    """Pupils over the absence thresholds (settings: concern and serious hours) by term, district and
    unit (small cells suppressed), in time order (terms.order): `term_label` ('2025–2026 syksy'; the
    term the data end in '2026–2027 syksy (kesken)', `partial_term`), the threshold's name as `series`,
    `term_order`."""
    conf = page.settings
    result = fetch(page, "absence_over_thresholds_by_year_and_area", **area, concern_hours=conf.absence_concern_hours,
                   serious_hours=conf.absence_serious_hours)
    day = as_of(page)
    partial = [y * 10 + 1 + terms.TERMS.index(term) for y, term in result.frame.select("school_year_id", "term")
               .unique().rows() if periods.term_is_partial(y, term, day)]       # the term the data end in
    return FetchResult(result.frame.join(school_years(page).drop("partial"), on="school_year_id").with_columns(
        labels.label("threshold", "threshold", page.lang).alias("series"), terms.order()).with_columns(
        partial_term=pl.col("term_order").is_in(partial)).with_columns(
        labels.partial(pl.format("{} {}", "school_year", labels.label("term", "term", page.lang)),
                       "partial_term", page.lang).alias("term_label")).sort(
        "term_order", "threshold"), result.suppressed_cells)


def as_of(page: PageContext) -> dt.date | None:
    """The data-as-of date: the newest of the sources' (the day the data end; tilannekuva.periods)."""
    fresh = frame(page, "data_freshness")
    return None if fresh.is_empty() else fresh["data_as_of"].max()


def as_of_text(page: PageContext) -> str | None:
    """'Tiedot ajalta 20.11.2026 asti.' — the newest data-as-of date of the sources; None if no data."""
    lang = page.lang
    fresh = frame(page, "data_freshness")
    return None if fresh.is_empty() else t("app.data_as_of", lang, date=fmt_date(fresh["data_as_of"].max(), lang))


@st.cache_data(ttl=900, max_entries=500, show_spinner=False, hash_funcs=KEYED)
def _cached_signals(principal: Principal, version: str, unit_id: int | None, school_year_id: int,
                    concern_hours: float) -> pl.DataFrame:
    read = whatsnew.Reader(warehouse(), principal)
    return signals_in_scope(read, {"unit_id": unit_id, "school_year_id": school_year_id}, Rules(concern_hours=concern_hours))


def signals(page: PageContext, unit_id: int | None, school_year_id: int) -> pl.DataFrame:
    """The support signals (tilannekuva.signals) of the pupils in scope, with their names and groups."""
    principal = page.acting
    try:
        return _cached_signals(principal, warehouse().version, unit_id, school_year_id,
                               settings().absence_concern_hours)
    except WarehouseUnavailable as exc:
        log.error("warehouse unavailable for %s: %s", principal.username, exc)
        st.error(t("error.warehouse", language()))
        st.stop()
        raise


@st.cache_resource(show_spinner=False)
def _followups(where: str, _db: StateDB) -> FollowUps:
    return FollowUps(_db)  # one per state place (`where`: the file, or the database and schema)


def followups() -> FollowUps:
    """Follow-up marks on the watch list (the state's followups store, shared by every app process)."""
    conf = settings()
    if conf is None:
        st.stop()
    db = for_settings(conf, "followups")
    return _followups(db.where, db)


def group_pupils(page: PageContext, group_id: int, school_year_id: int) -> pl.DataFrame:
    """The named pupils of one of the teacher's groups (pupils_in_my_groups), by name, each with `pupil`
    (their name, surname first) and `trend` (their absence hours month by month this school year)."""
    pupils = frame(page, "pupils_in_my_groups", school_year_id=school_year_id).filter(pl.col("group_id") == group_id)
    months = frame(page, "pupil_absence_by_month", unit_id=None, school_year_id=school_year_id)
    trend = (months.filter(pl.col("pupil_id").is_in(pupils["pupil_id"].implode())).sort("month")
             .group_by("pupil_id", maintain_order=True).agg(pl.col("absence_hours").alias("trend")))
    return (pupils.join(trend, on="pupil_id", how="left").sort("last_name", "first_name")
            .with_columns(pl.format("{} {}", "last_name", "first_name").alias("pupil")))
