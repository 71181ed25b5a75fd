"""Sources' freshness: each source contract's threshold judges its data-as-of date on a day, and the
metrics that read a stale source are the ones marked."""

import datetime as dt

import polars as pl
import pytest

from tilannekuva import catalogue, freshness
from tilannekuva.demo import DATA_AS_OF
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.settings import DEMO_TODAY, ConfigError, load_settings

D = dt.date


def sources(**as_of) -> pl.DataFrame:
    return pl.DataFrame(
        {"source": list(as_of), "data_as_of": list(as_of.values())}, schema={"source": pl.String, "data_as_of": pl.Date}
    )


def test_every_source_with_a_data_as_of_date_has_a_threshold_and_no_other():
    assert {c.name for c in CONTRACTS.values() if c.as_of} == {c.name for c in CONTRACTS.values() if c.freshness}


@pytest.mark.parametrize(
    ("source", "as_of", "today", "stale", "since"),
    [
        ("poissaolot", D(2026, 11, 20), D(2026, 11, 30), False, D(2026, 12, 1)),  # 10 days: the last fresh day
        ("poissaolot", D(2026, 11, 20), D(2026, 12, 1), True, D(2026, 12, 1)),  # the first stale day
        ("kirjautumiset", D(2026, 11, 20), D(2026, 11, 27), False, D(2026, 11, 28)),
        ("kirjautumiset", D(2026, 11, 1), D(2026, 11, 24), True, D(2026, 11, 9)),
        ("osaamiskysely", D(2026, 5, 31), D(2027, 6, 15), False, D(2027, 7, 31)),  # yearly, spring
        ("osaamiskysely", D(2025, 5, 31), D(2026, 11, 24), True, D(2026, 7, 31)),
        ("poissaolot", None, D(2026, 11, 24), False, None),  # no data: missing, not stale
    ],
)
def test_a_source_is_stale_from_the_day_after_its_threshold(source, as_of, today, stale, since):
    row = freshness.assess(sources(**{source: as_of}), today).filter(pl.col("source") == source).row(0, named=True)
    assert (row["is_stale"], row["stale_since"]) == (stale, since)


def test_stale_metrics_are_exactly_those_reading_a_stale_source():
    cat = catalogue.catalogue()
    fresh = {s: D(2026, 11, 20) for s in freshness.thresholds()["source"]}
    assessed = freshness.assess(sources(**{**fresh, "poissaolot": D(2026, 9, 30)}), D(2026, 11, 24))
    assert list(freshness.stale_metrics(assessed, cat)) == ["S1", "S4"]
    assessed = freshness.assess(sources(**{**fresh, "kirjautumiset": D(2026, 10, 1)}), D(2026, 11, 24))
    assert list(freshness.stale_metrics(assessed, cat)) == ["M3"]
    assert freshness.stale_metrics(freshness.assess(sources(**fresh), D(2026, 11, 24)), cat) == {}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TILANNEKUVA_MODE": "demo"}, DEMO_TODAY),
        ({"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_TODAY": "2027-01-15"}, D(2027, 1, 15)),
        ({"TILANNEKUVA_MODE": "production", "TILANNEKUVA_TODAY": "2027-01-15"}, D(2027, 1, 15)),
        ({"TILANNEKUVA_MODE": "production"}, "the real date"),
    ],
)
def test_the_day_freshness_is_judged_on(env, expected, tmp_path):
    """The real date is read when the test runs, not when it is collected (a suite that started before midnight
    ran this after it, in CI), and either side of a midnight passing during the call is right."""
    before = dt.date.today()
    judged_on = load_settings({**env, "TILANNEKUVA_CONFIG": ""}, for_app=False).today_date
    after = dt.date.today()
    if expected == "the real date":
        assert judged_on in {before, after}
    else:
        assert judged_on == expected


def test_a_bad_today_is_refused():
    with pytest.raises(ConfigError, match="today must be a date"):
        load_settings({"TILANNEKUVA_TODAY": "24.11.2026"}, for_app=False)


def test_the_demos_day_is_after_its_data():
    assert DATA_AS_OF < DEMO_TODAY
