"""What the explanation of a metric says, in words and dates: its texts with the settings filled in, and
each source it reads with its data-as-of date, rhythm and freshness on a day.

The pages (views/explain.py) render this beside every figure of a metric and on the Mittarit page; the
rules live here so they are tested without Streamlit. Everything comes from the catalogue, the source
contracts and the `data_freshness` rows (meta_source): a source whose contract has no data-as-of date is
reference data (units, staff, groups: no date to show), a dated source with no row is not loaded yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from tilannekuva.catalogue import Catalogue, Metric, Texts
from tilannekuva.i18n import fmt_number
from tilannekuva.ingest.contracts import CONTRACTS

DATED, REFERENCE, MISSING = "dated", "reference", "missing"


@dataclasses.dataclass(frozen=True)
class SourceState:
    """One source a metric reads, as of a day: `state` is dated (with `data_as_of`), reference (its
    contract has no data-as-of date) or missing (dated, but nothing loaded); `stale_since` is the first
    day it is past its contract's threshold and `is_stale` whether that day has come."""

    source: str
    system: str
    state: str
    data_as_of: dt.date | None = None
    rhythm: str | None = None
    stale_since: dt.date | None = None
    is_stale: bool = False


def source_states(sources: tuple[str, ...], fresh: pl.DataFrame, today: dt.date) -> list[SourceState]:
    """The sources (in the given order) as of `today`; `fresh`: rows with source and data_as_of (the
    data_freshness query's)."""
    dates = dict(fresh.select("source", pl.col("data_as_of").cast(pl.Date)).iter_rows()) if fresh.height else {}
    out = []
    for name in sources:
        contract = CONTRACTS[name]
        rhythm = contract.freshness.rhythm if contract.freshness else None
        if contract.as_of is None:
            out.append(SourceState(name, contract.system, REFERENCE))
            continue
        as_of = dates.get(name)
        if as_of is None:
            out.append(SourceState(name, contract.system, MISSING, rhythm=rhythm))
            continue
        since = as_of + dt.timedelta(days=contract.freshness.stale_after_days + 1) if contract.freshness else None
        out.append(
            SourceState(name, contract.system, DATED, as_of, rhythm, since, since is not None and since <= today)
        )
    return out


def stale_metrics(catalogue: Catalogue, fresh: pl.DataFrame, today: dt.date) -> tuple[str, ...]:
    """The metrics (catalogue order) that read at least one stale source."""
    return tuple(m.id for m in catalogue if any(s.is_stale for s in source_states(m.sources, fresh, today)))


def fill(text: str, lang: str, *, concern: float, serious: float, threshold: int) -> str:
    """A catalogue text with its placeholders ({concern}, {serious}: the S1 hours; {threshold}: the
    suppression threshold) filled as numbers in `lang`."""
    return text.format(
        concern=fmt_number(concern, lang), serious=fmt_number(serious, lang), threshold=fmt_number(threshold, lang)
    )


def texts(metric: Metric, lang: str, settings) -> Texts:
    """The metric's texts in `lang` with every placeholder filled from `settings`
    (absence_concern_hours, absence_serious_hours, suppression_threshold)."""
    values = {
        "concern": settings.absence_concern_hours,
        "serious": settings.absence_serious_hours,
        "threshold": settings.suppression_threshold,
    }
    raw = metric.texts(lang)
    return dataclasses.replace(
        raw,
        **{
            f.name: fill(getattr(raw, f.name), lang, **values)
            for f in dataclasses.fields(raw)
            if isinstance(getattr(raw, f.name), str)
        },
        caveats=tuple(fill(c, lang, **values) for c in raw.caveats),
    )


def matches(metric: Metric, lang: str, query: str, settings) -> bool:
    """Does `query` (case-insensitive; every word) occur in the metric's id, name or definition in `lang`?"""
    words = query.casefold().split()
    said = texts(metric, lang, settings)
    haystack = " ".join((metric.id, said.name, said.definition)).casefold()
    return all(word in haystack for word in words)
