"""The rules the teacher and principal staff pages name (tilannekuva.terms, training, eservices,
competence), table by table."""

from __future__ import annotations

import polars as pl
import pytest

from tilannekuva import competence, eservices, groups, terms, training, unit_facts


@pytest.mark.parametrize(
    "present, latest",
    [
        (["syksy", "kevat"], "kevat"),
        (["kevat", "syksy", "syksy"], "kevat"),
        (["syksy"], "syksy"),
        (["kevat"], "kevat"),
        ([], None),
        ([None, "syksy"], "syksy"),
        (["talvi"], None),
    ],
)
def test_latest_term(present, latest):
    assert terms.latest(present) == latest


@pytest.mark.parametrize(
    "flags, trained, untrained, share",
    [
        ([True, False, True, True], 3, 1, 0.75),
        ([False, False], 0, 2, 0.0),
        ([True], 1, 0, 1.0),
        ([], 0, 0, None),
        ([True, None], 1, 1, 0.5),
    ],
)
def test_training_reach(flags, trained, untrained, share):
    got = training.reach(pl.Series(flags, dtype=pl.Boolean))
    assert (got.trained, got.untrained, got.share) == (trained, untrained, share)


@pytest.mark.parametrize("only_missing, names", [(True, ["b"]), (False, ["a", "b", "c"])])
def test_the_staff_list_shows_everyone_or_the_untrained(only_missing, names):
    staff = pl.DataFrame({"name": ["a", "b", "c"], "is_trained": [True, False, True]})
    assert training.still_missing(staff, only_missing)["name"].to_list() == names


RECORD = pl.DataFrame({"school_year_id": [2026, 2026, 2025], "hours": [2.0, 1.5, 3.0]})


@pytest.mark.parametrize(
    "year, trainings, hours, due",
    [
        (2026, 2, 3.5, False),
        (2025, 1, 3.0, False),
        (2024, 0, 0.0, True),
    ],
)
def test_year_record(year, trainings, hours, due):
    got = training.year_record(RECORD, year)
    assert (got.trainings, got.hours, got.due) == (trainings, hours, due)


def _year(rows, months=3):
    return pl.DataFrame(
        [(kind, active, people, months) for kind, active, people in rows],
        schema={"user_type": pl.String, "active_months": pl.Int64, "people": pl.Int32, "months": pl.Int32},
        orient="row",
    )


@pytest.mark.parametrize(
    "rows, months, expected",
    [
        # people, not accounts: 59 staff, on average 45 active a month in any service -> 45 / 59, never / 236;
        # everyone (the unit's M3) first, then staff, pupils, guardians; the sum is over people, not a mean of shares
        (
            [("oppilas", 3 * 100, 400), ("henkilosto", 3 * 45, 59)],
            3,
            [("kaikki", 145.0, 459, 145 / 459), ("henkilosto", 45.0, 59, 45 / 59), ("oppilas", 100.0, 400, 0.25)],
        ),
        # a user type with no one with access is left out, everyone still counted
        ([("huoltaja", 0, 0), ("henkilosto", 6, 4)], 3, [("kaikki", 2.0, 4, 0.5), ("henkilosto", 2.0, 4, 0.5)]),
        # no complete month yet: the people with access, no share
        ([("henkilosto", 0, 10)], 0, [("kaikki", None, 10, None), ("henkilosto", None, 10, None)]),
        ([], 3, []),
    ],
)
def test_eservice_year_activation_counts_people(rows, months, expected):
    got = eservices.year_activation(_year(rows, months))
    assert got.rows() == [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in expected]
    assert (got["active"].fill_null(0) <= got["people"]).all()


@pytest.mark.parametrize(
    "levels, order",
    [
        (["city", "unit", "own"], ["own", "unit", "city"]),
        (["city", "sector", "unit"], ["unit", "sector", "city"]),
    ],
)
def test_survey_levels_narrowest_first(levels, order):
    survey = pl.DataFrame({"level": levels, "area": ["a"] * len(levels)})
    assert competence.by_level(survey)["level"].to_list() == order


@pytest.mark.parametrize(
    "levels, means, hidden",
    [
        (["unit", "unit", "city"], [None, None, 3.0], True),
        (["unit", "unit", "city"], [None, 3.5, 3.0], False),
        (["own", "city"], [4.0, 3.0], True),  # no unit row at all
        ([], [], True),
    ],
)
def test_the_unit_mean_is_hidden(levels, means, hidden):
    survey = pl.DataFrame({"level": levels, "mean_score": means}, schema={"level": pl.String, "mean_score": pl.Float64})
    assert competence.unit_hidden(survey) is hidden


@pytest.mark.parametrize(
    "rows, kept",
    [
        ([("syksy", 1), ("kevat", 2), ("kevat", 3)], [2, 3]),
        ([("syksy", 1), ("syksy", 2)], [1, 2]),
        ([], []),
    ],
)
def test_rows_in_the_latest_term(rows, kept):
    frame = pl.DataFrame(rows, schema={"term": pl.String, "n": pl.Int64}, orient="row")
    assert terms.in_latest_term(frame)["n"].to_list() == kept


@pytest.mark.parametrize("is_trained, code", [(True, "trained_yes"), (False, "trained_no"), (None, "trained_no")])
def test_training_status(is_trained, code):
    frame = pl.DataFrame({"is_trained": [is_trained]}, schema={"is_trained": pl.Boolean})
    assert frame.select(training.status())["status"].to_list() == [code]


@pytest.mark.parametrize(
    "rows, shown",
    [
        # two groups of one name in two units: each with its unit; a name of its own stays as it is
        ([(1, "7A", "Koulu"), (2, "7A", "Skola"), (3, "8B", "Koulu")], ["7A · Koulu", "7A · Skola", "8B"]),
        # one group over several months is still one group
        ([(1, "7A", "Koulu"), (1, "7A", "Koulu")], ["7A", "7A"]),
        ([], []),
    ],
)
def test_group_label(rows, shown):
    frame = pl.DataFrame(
        rows, schema={"group_id": pl.Int64, "group_name": pl.String, "unit_name": pl.String}, orient="row"
    )
    assert frame.select(groups.group_label())["group_name"].to_list() == shown


FACTS = pl.DataFrame(
    {"school_year_id": [2024, 2025, 2026], "pupils": [300, None, 320], "groups": [12, 13, 13], "staff": [40, 41, None]},
    schema={"school_year_id": pl.Int32, "pupils": pl.Int32, "groups": pl.Int32, "staff": pl.Int32},
)


@pytest.mark.parametrize(
    "year, fact, expected",
    [
        (2026, "pupils", {"value": 320, "hidden": False, "trend": [(2024, 300), (2025, None), (2026, 320)]}),
        # a suppressed count stays hidden: no number, marked hidden
        (2025, "pupils", {"value": None, "hidden": True, "trend": [(2024, 300), (2025, None)]}),
        # staff not recorded that year: no number, and not called hidden (staff counts are not suppressed)
        (2026, "staff", {"value": None, "hidden": False, "trend": [(2024, 40), (2025, 41), (2026, None)]}),
        (2024, "groups", {"value": 12, "hidden": False, "trend": [(2024, 12)]}),
        # a year with no row: nothing, not hidden; later years are not in the trend
        (2023, "staff", {"value": None, "hidden": False, "trend": []}),
    ],
)
def test_unit_facts_through_a_year(year, fact, expected):
    assert unit_facts.facts_through(FACTS, year)[fact] == expected
