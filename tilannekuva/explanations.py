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

from tilannekuva import freshness
from tilannekuva.catalogue import Catalogue, Metric, Texts, render
from tilannekuva.i18n import t
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
    data_freshness query's). Staleness is tilannekuva.freshness.assess's, the one rule."""
    judged = {row["source"]: row for row in freshness.assess(fresh, today).iter_rows(named=True)}
    out = []
    for name in sources:
        contract = CONTRACTS[name]
        row = judged.get(name)
        if contract.as_of is None or row is None:  # no data-as-of date (units, staff, groups)
            out.append(SourceState(name, contract.system, REFERENCE))
        elif row["data_as_of"] is None:
            out.append(SourceState(name, contract.system, MISSING, rhythm=row["rhythm"]))
        else:
            out.append(
                SourceState(
                    name, contract.system, DATED, row["data_as_of"], row["rhythm"], row["stale_since"], row["is_stale"]
                )
            )
    return out


def system_name(source: str, lang: str) -> str:
    """The name of the system `source` comes from, in `lang` ('Inloggningsloggen')."""
    return t(CONTRACTS[source].system_key, lang)


def stale_metrics(catalogue: Catalogue, fresh: pl.DataFrame, today: dt.date) -> tuple[str, ...]:
    """The metrics (catalogue order) that read at least one stale source (freshness.stale_metrics)."""
    return tuple(freshness.stale_metrics(freshness.assess(fresh, today), catalogue))


def texts(metric: Metric, lang: str, settings) -> Texts:
    """The metric's texts in `lang` with every placeholder filled from `settings` (absence_concern_hours,
    absence_serious_hours, suppression_threshold) as the catalogue's other readers fill them (render.fill)."""
    values = render.values_of(settings)
    raw = metric.texts(lang)
    return dataclasses.replace(
        raw,
        **{
            f.name: render.fill(getattr(raw, f.name), values, lang)
            for f in dataclasses.fields(raw)
            if isinstance(getattr(raw, f.name), str)
        },
        caveats=tuple(render.fill(c, values, lang) for c in raw.caveats),
    )


def matches(metric: Metric, lang: str, query: str, settings) -> bool:
    """Does `query` (case-insensitive; every word) occur in the metric's id, name or definition in `lang`?"""
    words = query.casefold().split()
    said = texts(metric, lang, settings)
    haystack = " ".join((metric.id, said.name, said.definition)).casefold()
    return all(word in haystack for word in words)
