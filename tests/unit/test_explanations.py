"""What a metric's explanation says (tilannekuva.explanations): each source's state and freshness on a
day, the catalogue's texts with the settings filled in, and the Mittarit page's search."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from tilannekuva import explanations
from tilannekuva.catalogue import catalogue, render
from tilannekuva.ingest.contracts import CONTRACTS


@dataclasses.dataclass(frozen=True)
class Conf:
    absence_concern_hours: float = 50
    absence_serious_hours: float = 100
    suppression_threshold: int = 5


def fresh(rows: dict[str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source": list(rows), "data_as_of": list(rows.values())}, schema={"source": pl.String, "data_as_of": pl.Date}
    )


AS_OF = dt.date(2026, 11, 1)
LIMIT = CONTRACTS["poissaolot"].freshness.stale_after_days  # weekly, 10 days


# (the source's data-as-of or None, the day judged on, expected state, stale?)
STATES = [
    (AS_OF, AS_OF, explanations.DATED, False),
    (AS_OF, AS_OF + dt.timedelta(days=LIMIT), explanations.DATED, False),  # the last day within the threshold
    (AS_OF, AS_OF + dt.timedelta(days=LIMIT + 1), explanations.DATED, True),  # the first stale day
    (None, AS_OF, explanations.MISSING, False),  # not loaded: missing, not stale
]


@pytest.mark.parametrize("as_of, today, state, stale", STATES)
def test_a_dated_source(as_of, today, state, stale):
    (found,) = explanations.source_states(("poissaolot",), fresh({"poissaolot": as_of} if as_of else {}), today)
    assert (found.state, found.is_stale, found.data_as_of) == (state, stale, as_of)
    assert found.system == CONTRACTS["poissaolot"].system and found.rhythm == "weekly"
    if as_of:
        assert found.stale_since == as_of + dt.timedelta(days=LIMIT + 1)


def test_reference_data_have_no_date_and_keep_the_metrics_order():
    found = explanations.source_states(("ilmoittautumiset", "yksikot"), fresh({"ilmoittautumiset": AS_OF}), AS_OF)
    assert [(s.source, s.state) for s in found] == [
        ("ilmoittautumiset", explanations.DATED),
        ("yksikot", explanations.REFERENCE),
    ]
    assert found[1].data_as_of is None and not found[1].is_stale


# (stale source, the metrics that read it)
STALE = [("kirjautumiset", ("M3",)), ("poissaolot", ("S1", "S4")), ("arvioinnit", ("S3", "S4"))]


@pytest.mark.parametrize("source, metrics", STALE)
def test_only_the_metrics_that_read_a_stale_source_are_stale(source, metrics):
    rows = {name: AS_OF for name, c in CONTRACTS.items() if c.as_of is not None}
    rows[source] = AS_OF - dt.timedelta(days=500)
    assert explanations.stale_metrics(catalogue(), fresh(rows), AS_OF) == metrics


# (text, lang, expected)
FILLS = [
    ("over {concern} h, over {serious} h", "fi", "over 50 h, over 100 h"),
    ("under {threshold}", "en", "under 5"),
    ("no placeholder", "sv", "no placeholder"),
    ("{concern} h", "fi", "60,5 h"),
]


@pytest.mark.parametrize("text, lang, expected", FILLS)
def test_placeholders_are_filled_from_the_settings(text, lang, expected):
    values = {"concern": 60.5 if "60,5" in expected else 50, "serious": 100, "threshold": 5}
    assert render.fill(text, values, lang) == expected


@pytest.mark.parametrize("metric", catalogue().ids())
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_text_of_every_metric_is_filled(metric, lang):
    said = explanations.texts(catalogue()[metric], lang, Conf(absence_concern_hours=33))
    for value in [*(getattr(said, f.name) for f in dataclasses.fields(said) if f.name != "caveats"), *said.caveats]:
        assert "{" not in value and "}" not in value


def test_s1_says_the_configured_hours():
    assert "33" in explanations.texts(catalogue()["S1"], "fi", Conf(absence_concern_hours=33)).definition


# (lang, query, the metrics found)
SEARCHES = [
    ("fi", "", list(catalogue().ids())),
    ("fi", "M3", ["M3"]),
    ("fi", "poissaol", ["S1", "S4"]),
    ("sv", "frånvaro", ["S1", "S4"]),
    ("sv", "poissaol", []),  # Finnish words are not found in Swedish
    ("en", "TRAINING reach", ["M1"]),
]


@pytest.mark.parametrize("lang, query, found", SEARCHES)
def test_search_by_id_name_and_definition(lang, query, found):
    assert [m.id for m in catalogue() if explanations.matches(m, lang, query, Conf())] == found
