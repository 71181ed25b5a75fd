"""Unfinished and closed periods (issue 18 items 2 and 4): which school year, term and month the
data only partly cover, and how an unfinished year's metrics compare with the year before — a
cumulative metric (M1, M6) with last year's value on the same date and no verdict yet, a rate or a
mean with the whole year before, judged as it is; a spring survey's latest value in the autumn."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tilannekuva import metrics, periods

AS_OF = dt.date(2026, 11, 20)  # the demo's data-as-of date: 2026–2027 a third done
GOAL = metrics.targets()


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 11, 20), 2026),
        (dt.date(2026, 8, 1), 2026),
        (dt.date(2026, 7, 31), 2025),
        (dt.date(2026, 3, 15), 2025),
    ],
)
def test_the_school_year_of_a_day(day, expected):
    assert periods.school_year_of(day) == expected


@pytest.mark.parametrize(
    "year, as_of, expected",
    [
        (2026, AS_OF, True),  # the data end in November: the year is a third done
        (2025, AS_OF, False),  # closed on 31.7.2026
        (2025, dt.date(2026, 7, 31), False),  # the last day is in: closed
        (2025, dt.date(2026, 7, 30), True),
        (2027, AS_OF, True),  # a year not yet begun is not finished either
        (2026, None, False),  # no data-as-of date: nothing is marked
    ],
)
def test_which_school_year_is_unfinished(year, as_of, expected):
    assert periods.is_unfinished(year, as_of) is expected


@pytest.mark.parametrize(
    "as_of, year, expected",
    [
        (AS_OF, 2025, dt.date(2025, 11, 20)),
        (AS_OF, 2022, dt.date(2022, 11, 20)),
        (dt.date(2026, 3, 15), 2024, dt.date(2025, 3, 15)),  # spring: the next calendar year
        (dt.date(2028, 2, 29), 2025, dt.date(2026, 2, 28)),  # no 29.2. in 2026
    ],
)
def test_the_same_date_last_year(as_of, year, expected):
    assert periods.same_date(as_of, year) == expected


@pytest.mark.parametrize(
    "metric, year, expected",
    [
        ("M1", 2026, periods.SAME_DATE),  # cumulative: year to date against last year to date
        ("M6", 2026, periods.SAME_DATE),
        ("M2", 2026, periods.PARTIAL),  # a mean: comparable, but partial
        ("M3", 2026, periods.PARTIAL),
        ("M4", 2026, periods.PARTIAL),
        ("M5", 2026, periods.PARTIAL),
        ("M1", 2025, periods.YEAR),  # a closed year: whole year against whole year
    ],
)
def test_how_a_metric_is_compared(metric, year, expected):
    assert periods.basis(metric, year, AS_OF) == expected


@pytest.mark.parametrize(
    "month, expected",
    [
        (dt.date(2026, 11, 1), True),  # 20 days of 30
        (dt.date(2026, 10, 1), False),
        (dt.date(2025, 11, 1), False),  # the same month a year ago is whole
    ],
)
def test_the_partial_month(month, expected):
    assert periods.month_is_partial(month, AS_OF) is expected
    assert periods.month_is_partial(month, dt.date(2026, 11, 30)) is False  # its last day: complete


@pytest.mark.parametrize(
    "year, term, expected",
    [
        (2026, "syksy", True),
        (2026, "kevat", False),  # not begun: no data, nothing to mark
        (2025, "syksy", False),
        (2025, "kevat", False),
    ],
)
def test_the_partial_term(year, term, expected):
    assert periods.term_is_partial(year, term, AS_OF) is expected


def values(rows: list[tuple]) -> pl.DataFrame:
    """(metric, school_year_id, value, value_to_date, is_suppressed) as metrics.rollup gives them."""
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "school_year_id": pl.Int64,
            "value": pl.Float64,
            "value_to_date": pl.Float64,
            "is_suppressed": pl.Boolean,
        },
        orient="row",
    )


# The demo's scorecard as the director saw it: M1 52 → 59 → 66 → 73 → 47 %, "↓ −25,1 %-yks., Jäljessä".
CITY = values(
    [
        ("M1", 2022, 0.52, 0.30, False),
        ("M1", 2023, 0.59, 0.36, False),
        ("M1", 2024, 0.66, 0.40, False),
        ("M1", 2025, 0.731, 0.44, False),  # 44 % by 20.11.2025
        ("M1", 2026, 0.47, 0.47, False),  # 47 % by 20.11.2026
        ("M2", 2025, 3.9, None, False),
        ("M2", 2026, 3.95, None, False),
        ("M5", 2024, 3.3, None, False),
        ("M5", 2025, 3.4, None, False),  # the spring 2026 survey; none yet for 2026–2027
        ("M6", 2025, 0.8, 0.3, False),
        ("M6", 2026, 0.35, 0.35, False),
    ]
)


@pytest.mark.parametrize(
    "year, metric, expected",
    [
        # Like with like: 47 % on 20.11.2026 against 44 % on 20.11.2025 (+3 points), not the whole 73 %.
        (
            2026,
            "M1",
            {
                "value": 0.47,
                "previous": 0.44,
                "basis": "same_date",
                "compared_on": dt.date(2025, 11, 20),
                "light": "pending",
                "trend_partial": True,
            },
        ),
        (2026, "M6", {"previous": 0.3, "light": "pending"}),
        # A mean: the part-year value against the whole year before, judged as it is (but partial).
        (2026, "M2", {"value": 3.95, "previous": 3.9, "basis": "partial", "light": "amber", "compared_on": None}),
        # A closed year is compared and judged as before.
        (2025, "M1", {"value": 0.731, "previous": 0.66, "basis": "year", "light": "red", "trend_partial": True}),
        # The spring survey in the autumn: no value for the year, the latest one with its year.
        (2026, "M5", {"value": None, "light": "amber", "latest_value": 3.4, "latest_year": 2025}),
        (2025, "M5", {"value": 3.4, "latest_value": None, "latest_year": None}),
    ],
)
def test_the_cards_of_an_unfinished_year(year, metric, expected):
    card = metrics.cards(CITY, year, GOAL, AS_OF).filter(pl.col("metric") == metric).row(0, named=True)
    for field, want in expected.items():
        assert card[field] == (pytest.approx(want) if isinstance(want, float) else want), field


def test_a_hidden_year_does_not_fall_back_to_an_older_value():
    """Hidden stays hidden: a year whose M5 is suppressed shows no 'latest' value in its place."""
    hidden = values([("M5", 2024, 3.3, None, False), ("M5", 2025, None, None, True)])
    card = metrics.cards(hidden, 2025, GOAL, AS_OF).filter(pl.col("metric") == "M5").row(0, named=True)
    assert (card["value"], card["latest_value"], card["light"]) == (None, None, "none")


@pytest.mark.parametrize(
    "level, expected",
    [("unit", 0.5), ("sector", 1 / 3), ("city", 1 / 3)],
)
def test_year_to_date_parts_sum_like_the_parts(level, expected):
    """num_to_date is summed as num is and divided by the same den (never averaged)."""
    parts = pl.DataFrame(
        {
            "metric": ["M1"] * 2,
            "school_year_id": [2025] * 2,
            "unit_id": [1, 2],
            "sector": ["perusopetus"] * 2,
            "num": [2.0, 3.0],
            "den": [2.0, 4.0],
            "events": [2, 4],
            "num_to_date": [1.0, 1.0],
        }
    )
    levels = metrics.beside_sector_and_city(parts.filter(pl.col("unit_id") == 1), parts, "perusopetus")
    got = levels.filter(pl.col("level") == level)["value_to_date"][0]
    assert got == pytest.approx(expected)


def test_year_to_date_parts_of_a_hidden_group_stay_hidden():
    parts = pl.DataFrame(
        {
            "metric": ["M1"],
            "school_year_id": [2025],
            "num": [2.0],
            "den": [2.0],
            "events": [2],
            "num_to_date": [1.0],
            "is_suppressed": [True],
        }
    )
    rolled = metrics.rollup(parts, "city")
    assert rolled["num_to_date"][0] is None and rolled["value_to_date"][0] is None


@pytest.mark.parametrize(
    "year, as_of, expected",
    [
        (2026, AS_OF, "not_open"),  # November of a spring survey: not "you have not answered"
        (2026, dt.date(2027, 3, 1), "open"),
        (2025, AS_OF, "closed"),  # "you did not answer the 2025–2026 survey"
        (2025, dt.date(2026, 7, 31), "closed"),
    ],
)
def test_the_state_of_a_spring_survey(year, as_of, expected):
    assert periods.survey_status(year, as_of) == expected
