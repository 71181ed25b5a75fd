"""Support-signal rules, case by case: one pupil per case, the reasons expected."""

import datetime as dt

import polars as pl
import pytest

from tilannekuva.signals import Rules, chosen_signals, support_signals, with_severity

MONTHS = [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]


def absences(hours: list[float | None], pupil: int = 1) -> pl.DataFrame:
    rows = [(pupil, m, h) for m, h in zip(MONTHS, hours, strict=False) if h is not None]
    return pl.DataFrame(
        rows, schema={"pupil_id": pl.Int64, "month": pl.Date, "absence_hours": pl.Float64}, orient="row"
    )


def grades(means: list[float], min_grade: int = 7, pupil: int = 1) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "pupil_id": [pupil] * len(means),
            "term_order": list(range(len(means))),
            "mean_grade": means,
            "min_grade": ([8] * (len(means) - 1) + [min_grade]) if means else [],
        },
        schema={"pupil_id": pl.Int64, "term_order": pl.Int64, "mean_grade": pl.Float64, "min_grade": pl.Int64},
    )


NO_GRADES = grades([])


@pytest.mark.parametrize(
    "case, absent, marks, supported, expected",
    [
        ("steady absences, steady grades", [3, 4, 3, 4], grades([8.0, 8.1]), False, []),
        ("absences double in the last two months", [3, 3, 9, 10], grades([8.0, 8.0]), False, ["absence_rising"]),
        ("rising but still few hours", [1, 1, 3, 4], grades([8.0, 8.0]), False, []),
        ("August alone is no baseline", [2, None, 9, 10], grades([8.0, 8.0]), False, []),
        ("a short August does not make a rise", [1, 5, 9, 10], grades([8.0, 8.0]), False, []),
        ("many hours this term", [15, 16, 15, 16], grades([8.0, 8.0]), False, ["absence_high"]),
        ("grades fall by a whole grade", [3, 3, 3, 3], grades([8.2, 7.2]), False, ["grades_falling"]),
        ("grades fall a little", [3, 3, 3, 3], grades([8.2, 7.5]), False, []),
        ("a failing grade", [3, 3, 3, 3], grades([7.0, 7.0], min_grade=4), False, ["failing_grade"]),
        (
            "everything at once",
            [10, 10, 30, 35],
            grades([8.0, 6.5], min_grade=4),
            False,
            ["absence_rising", "absence_high", "grades_falling", "failing_grade"],
        ),
        ("support in place: no signal", [3, 3, 9, 10], grades([8.0, 6.0]), True, []),
        ("no grades yet (ECEC, grades 1–3)", [3, 3, 9, 10], NO_GRADES, False, ["absence_rising"]),
        ("grades only, no absence records", [], grades([8.0, 6.9]), False, ["grades_falling"]),
    ],
)
def test_rules(case, absent, marks, supported, expected):
    result = support_signals(absences(absent), marks, {1} if supported else set())
    found = result["reasons"].to_list()[0] if result.height else []
    assert found == expected, case


def test_rules_are_tunable_and_only_listed_pupils_come_back():
    frame = pl.concat([absences([3, 3, 7, 7], pupil=1), absences([3, 3, 3, 3], pupil=2)])
    assert support_signals(frame, NO_GRADES, set()).is_empty()
    lenient = support_signals(frame, NO_GRADES, set(), Rules(rising_factor=2.0, rising_min_hours=6.0))
    assert lenient["pupil_id"].to_list() == [1]
    assert lenient.row(0, named=True)["earlier_hours"] == 3.0 and lenient.row(0, named=True)["recent_hours"] == 7.0


# Severity (issue 18 items 15, 17): the principal's list most urgent first, and filtered by it.
@pytest.mark.parametrize(
    ("reasons", "term_hours", "severity", "level"),
    [
        (["absence_rising"], 20.0, 2, "low"),
        (["grades_falling"], None, 2, "low"),
        (["absence_high"], 70.0, 3, "medium"),
        (["failing_grade"], None, 3, "medium"),
        (["absence_rising", "grades_falling"], 30.0, 4, "medium"),
        (["absence_rising", "absence_high"], 80.0, 5, "high"),
        (["failing_grade", "grades_falling"], 5.0, 5, "high"),
        (["absence_rising", "absence_high", "grades_falling", "failing_grade"], 90.0, 10, "high"),
    ],
)
def test_severity_weighs_the_reasons(reasons, term_hours, severity, level):
    one = with_severity(pl.DataFrame({"pupil_id": [1], "reasons": [reasons], "term_hours": [term_hours]}))
    assert one.row(0, named=True) == {
        "pupil_id": 1,
        "reasons": reasons,
        "term_hours": term_hours,
        "severity": severity,
        "severity_level": level,
    }


SIGNALLED = pl.DataFrame(
    {
        "pupil_id": [1, 2, 3, 4, 5],
        "reasons": [["absence_rising"], ["absence_high", "absence_rising"], ["failing_grade"], ["absence_high"], []],
        "term_hours": [20.0, 80.0, None, 65.0, 0.0],
        "followed_by": [None, "opettaja", None, "opettaja", None],
    }
)


def test_the_most_severe_come_first_then_the_most_absent():
    assert with_severity(SIGNALLED)["pupil_id"].to_list() == [2, 4, 3, 1, 5]


@pytest.mark.parametrize(
    ("least_level", "followed", "pupils"),
    [
        (None, None, [2, 4, 3, 1, 5]),
        ("medium", None, [2, 4, 3]),
        ("high", None, [2]),
        (None, True, [2, 4]),
        (None, False, [3, 1, 5]),
        ("medium", False, [3]),
        ("high", False, []),
    ],
)
def test_the_list_can_be_narrowed_by_severity_and_follow_up(least_level, followed, pupils):
    chosen = chosen_signals(with_severity(SIGNALLED), least_level, followed)
    assert chosen["pupil_id"].to_list() == pupils
