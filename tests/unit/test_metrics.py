"""The metric rules the pages name: a unit beside its sector and the city (sums of parts, never an
average of averages), the cards of the scorecard and of one unit, sector and term order."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tilannekuva import metrics, terms

GOAL = metrics.targets()


def parts(rows: list[tuple]) -> pl.DataFrame:
    """(metric, school_year_id, unit_id, sector, num, den) rows as metric_parts_by_unit_year has them."""
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "school_year_id": pl.Int64,
            "unit_id": pl.Int64,
            "sector": pl.String,
            "num": pl.Float64,
            "den": pl.Float64,
        },
        orient="row",
    ).with_columns(events=pl.col("den").cast(pl.Int64))


CITY = parts(
    [
        ("M1", 2025, 1, "perusopetus", 1, 2),  # the unit: 50 %
        ("M1", 2025, 2, "perusopetus", 90, 100),  # a big school of the same sector: 90 %
        ("M1", 2025, 3, "lukio", 0, 98),  # another sector: 0 %
        ("M1", 2024, 1, "perusopetus", 2, 2),
        ("M1", 2024, 3, "lukio", 49, 98),
        ("M2", 2025, 1, "perusopetus", 40, 10),  # a mean rating: sum of ratings / answers
        ("M2", 2025, 2, "perusopetus", 30, 10),
    ]
)


def value(levels: pl.DataFrame, metric: str, year: int, level: str) -> float | None:
    hit = levels.filter(pl.col("metric") == metric, pl.col("school_year_id") == year, pl.col("level") == level)
    return hit["value"][0] if hit.height else None


@pytest.mark.parametrize(
    "metric, year, level, expected",
    [
        ("M1", 2025, "unit", 0.5),
        ("M1", 2025, "sector", 91 / 102),  # summed parts, not (0.5 + 0.9) / 2
        ("M1", 2025, "city", 91 / 200),  # every sector, not the mean of 0.5, 0.9 and 0
        ("M1", 2024, "unit", 1.0),
        ("M1", 2024, "sector", 1.0),  # the sector in 2024 is the unit alone
        ("M1", 2024, "city", 51 / 100),
        ("M2", 2025, "sector", 3.5),  # mean rating: 70 / 20
        ("M2", 2025, "city", 3.5),
        ("M2", 2024, "unit", None),  # no parts that year: no row
        ("M3", 2025, "city", None),
    ],
)
def test_a_unit_beside_its_sector_and_the_city_sums_the_parts(metric, year, level, expected):
    levels = metrics.beside_sector_and_city(CITY.filter(pl.col("unit_id") == 1), CITY, "perusopetus")
    assert value(levels, metric, year, level) == (pytest.approx(expected) if expected is not None else None)


def test_a_principal_gets_the_same_benchmarks_from_the_sums_by_sector():
    """A principal sees no other unit: the sector and city come from metric_bench_by_sector_year (the
    parts already summed by sector); the result is the same as from the units themselves."""
    bench = CITY.group_by("metric", "school_year_id", "sector").agg(pl.col("num", "den", "events").sum())
    mine = CITY.filter(pl.col("unit_id") == 1)
    from_units = metrics.beside_sector_and_city(mine, CITY, "perusopetus").sort("metric", "school_year_id", "level")
    from_bench = metrics.beside_sector_and_city(mine, bench, "perusopetus").sort("metric", "school_year_id", "level")
    assert from_bench.select("metric", "school_year_id", "level", "value").equals(
        from_units.select("metric", "school_year_id", "level", "value")
    )


def test_a_hidden_unit_value_stays_hidden_beside_its_sector():
    hidden = CITY.with_columns(is_suppressed=pl.col("metric") == "M2")
    levels = metrics.beside_sector_and_city(hidden.filter(pl.col("unit_id") == 1), hidden, "perusopetus")
    assert value(levels, "M2", 2025, "unit") is None
    assert levels.filter(pl.col("metric") == "M2", pl.col("level") == "unit")["is_suppressed"].all()


@pytest.mark.parametrize(
    "metric, field, expected",
    [
        ("M1", "value", 0.5),
        ("M1", "previous", 1.0),
        ("M1", "target", GOAL["M1"]),
        ("M1", "light", "red"),
        ("M1", "trend", [1.0, 0.5]),
        ("M1", "sector", 91 / 102),
        ("M1", "city", 91 / 200),
        ("M2", "value", 4.0),
        ("M2", "previous", None),
        ("M2", "light", "green"),
        ("M2", "sector", 3.5),
        ("M4", "value", None),
        ("M4", "light", "none"),
        ("M4", "trend", []),
        ("M4", "city", None),
    ],
)
def test_the_cards_of_one_unit(metric, field, expected):
    levels = metrics.beside_sector_and_city(CITY.filter(pl.col("unit_id") == 1), CITY, "perusopetus")
    cards = metrics.unit_cards(levels, 2025, GOAL)
    assert cards["metric"].to_list() == list(metrics.METRICS)  # every metric, in order, with or without data
    got = cards.filter(pl.col("metric") == metric)[field].to_list()[0]
    assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)


@pytest.mark.parametrize(
    "year, metric, expected",
    [
        (2025, "M1", {"value": 91 / 200, "previous": 51 / 100, "light": "red", "trend": [51 / 100, 91 / 200]}),
        (2024, "M1", {"value": 51 / 100, "previous": None, "light": "red"}),
        (2025, "M2", {"value": 3.5, "previous": None, "light": "red"}),  # target 4.0, tolerance 0.3
        (2023, "M1", {"value": None, "previous": None, "light": "none"}),
    ],
)
def test_the_scorecard_of_a_selection(year, metric, expected):
    card = metrics.scorecard(CITY, year, GOAL).filter(pl.col("metric") == metric).row(0, named=True)
    for field, want in expected.items():
        assert card[field] == (pytest.approx(want) if isinstance(want, (float, list)) else want), field


@pytest.mark.parametrize(
    "metric, value, target, expected",
    [
        ("M1", 1.0, 1.0, "green"),
        ("M1", 0.86, 1.0, "amber"),
        ("M1", 0.84, 1.0, "red"),
        ("M1", None, 1.0, "none"),
        ("M2", 3.7, 4.0, "amber"),
        ("M2", 3.69, 4.0, "red"),
    ],
)
def test_the_traffic_light(metric, value, target, expected):
    assert metrics.light(metric, value, target) == expected


@pytest.mark.parametrize(
    "given, expected",
    [
        (["lukio", None, "varhaiskasvatus", "perusopetus"], ["varhaiskasvatus", "perusopetus", "lukio", None]),
        (["perusopetus", "lukio"], ["perusopetus", "lukio"]),
    ],
)
def test_sectors_sort_in_their_own_order(given, expected):
    frame = pl.DataFrame({"sector": given}).sort(metrics.sector_order(), nulls_last=True)
    assert frame["sector"].to_list() == expected


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([(2025, "kevat"), (2025, "syksy"), (2024, "kevat")], [(2024, "kevat"), (2025, "syksy"), (2025, "kevat")]),
        ([(2026, "syksy"), (2025, "kevat")], [(2025, "kevat"), (2026, "syksy")]),
    ],
)
def test_terms_sort_in_time_order(rows, expected):
    frame = pl.DataFrame(rows, schema={"school_year_id": pl.Int64, "term": pl.String}, orient="row")
    assert frame.sort(terms.order()).rows() == expected


@pytest.mark.parametrize(
    "given, expected",
    [
        (["syksy", "kevat"], "kevat"),
        (["kevat", "syksy"], "kevat"),
        (["syksy"], "syksy"),
        ([], None),
        (["x"], None),
    ],
)
def test_the_latest_term_of_a_school_year(given, expected):
    assert terms.latest(given) == expected


@pytest.mark.parametrize(
    "month, expected",
    [
        (dt.date(2025, 8, 1), "syksy"),
        (dt.date(2025, 12, 31), "syksy"),
        (dt.date(2026, 1, 1), "kevat"),
        (dt.date(2026, 7, 31), "kevat"),
    ],
)
def test_the_term_of_a_month(month, expected):
    assert terms.term_of(month) == expected


@pytest.mark.parametrize(
    "year, sector, expected",
    [
        (2025, None, 91 / 200),  # the selection: every unit's parts summed
        (2025, "perusopetus", 91 / 102),
        (2025, "lukio", 0.0),
        (2024, None, 51 / 100),
        (2024, "perusopetus", 1.0),
    ],
)
def test_a_metric_over_the_years_for_the_selection_and_each_sector(year, sector, expected):
    levels = metrics.selection_and_sectors(CITY.filter(pl.col("metric") == "M1"))
    assert levels.filter(pl.col("sector").is_null())["school_year_id"].to_list() == [2024, 2025]
    assert levels["sector"].to_list()[:2] == [None, None]  # the selection first, then the sectors
    hit = levels.filter(pl.col("school_year_id") == year, pl.col("sector").eq_missing(sector))
    assert hit["value"].to_list() == [pytest.approx(expected)]


@pytest.mark.parametrize(
    "area, expected_mean, expected_answers",
    [
        ("arviointi", (4 * 10 + 2 * 1) / 11, 11),  # summed scores over summed answers, not (4 + 2) / 2
        ("digitaaliset_resurssit", 3.0, 2),
    ],
)
def test_competence_by_area_sums_scores_and_answers(area, expected_mean, expected_answers):
    survey = pl.DataFrame(
        {
            "school_year_id": [2025, 2025, 2025, 2024],
            "sector": ["a", "b", "a", "a"],
            "area": ["arviointi", "arviointi", "digitaaliset_resurssit", "arviointi"],
            "score_sum": [40, 2, 6, 5],
            "answers": [10, 1, 2, 5],
        }
    )
    by_area = metrics.competence_by_area(survey, 2025)
    assert by_area["area"].to_list() == ["digitaaliset_resurssit", "arviointi"]  # DigCompEdu 2 before 4
    row = by_area.filter(pl.col("area") == area).row(0, named=True)
    assert row["mean"] == pytest.approx(expected_mean) and row["answers"] == expected_answers


def _lines(values: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(
        [(name, year, v) for name, vs in values.items() for year, v in zip((2022, 2023, 2024), vs, strict=False)],
        schema=["series", "year", "value"],
        orient="row",
    )


@pytest.mark.parametrize(
    "values, groups",
    [
        # The M1 detail page: the selection and its three sectors within a point of each other each year.
        (
            {
                "Valinta": [0.52, 0.59, 0.66],
                "Vaka": [0.525, 0.595, 0.665],
                "Perus": [0.515, 0.58, 0.655],
                "Lukio": [0.52, 0.6, 0.67],
            },
            [["Valinta", "Vaka", "Perus", "Lukio"]],
        ),
        # The principal's trend: the unit apart, its sector and the city on top of each other.
        (
            {"Koulu": [0.45, 0.5, 0.47], "Perusopetus": [0.52, 0.59, 0.66], "Kaupunki": [0.52, 0.585, 0.66]},
            [["Koulu"], ["Perusopetus", "Kaupunki"]],
        ),
        # Apart in one year is apart.
        ({"A": [0.5, 0.5, 0.5], "B": [0.5, 0.5, 0.53]}, [["A"], ["B"]]),
        # Other years (a series with a missing year) are not the same line.
        ({"A": [0.5, 0.5, 0.5], "B": [0.5, 0.5]}, [["A"], ["B"]]),
        ({"A": [0.5, None, 0.5], "B": [0.5, None, 0.5]}, [["A"], ["B"]]),
        ({"A": [0.7]}, [["A"]]),
    ],
)
def test_coinciding_lines_are_grouped(values, groups):
    """Issue 18 item 11: four identical series drawn on top of each other (M1 detail, principal trend)."""
    frame = _lines(values)
    assert metrics.coinciding(frame, x="year", series="series", y="value", tolerance=0.01) == groups
    drawn = metrics.one_line_each(frame, groups, series="series")
    assert drawn["series"].unique(maintain_order=True).to_list() == [" = ".join(g) for g in groups]
    assert drawn.height == sum(frame.filter(pl.col("series") == g[0]).height for g in groups)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_competence_areas_come_in_digcompedu_order(seed):
    """Issue 18 item 11: the areas were sorted by their code, so 'arviointi' (area 4) came second."""
    from tilannekuva import competence

    areas = pl.Series(competence.AREAS).sample(fraction=1.0, shuffle=True, seed=seed).to_list()
    survey = pl.DataFrame(
        {
            "school_year_id": [2026] * len(areas),
            "area": areas,
            "score_sum": [30.0] * len(areas),
            "answers": [10] * len(areas),
        }
    )
    assert metrics.competence_by_area(survey, 2026)["area"].to_list() == list(competence.AREAS)
    levels = survey.with_columns(level=pl.lit("city")).vstack(survey.with_columns(level=pl.lit("unit")))
    ordered = competence.by_level(levels)
    assert ordered["level"].to_list() == ["unit"] * len(areas) + ["city"] * len(areas)
    assert ordered["area"].to_list() == list(competence.AREAS) * 2


COMPARED = pl.DataFrame(
    {
        "unit": ["A", "B", "C", "D", "E"],
        "unit_id": [1, 2, 3, 4, 5],
        "value": [0.9, 0.8, 0.55, 0.4, None],  # best first, as compare_units sorts; E has no value
    }
)


@pytest.mark.parametrize(
    "count, top, bottom",
    [
        (2, ["A", "B"], ["D", "C"]),
        (3, ["A", "B", "C"], ["D", "C", "B"]),
        (10, ["A", "B", "C", "D"], ["D", "C", "B", "A"]),
    ],
)
def test_highest_and_lowest_units(count, top, bottom):
    """Issue 18 item 17: bottom-N beside top-N (the lowest first; no value is neither)."""
    high, low = metrics.ranked(COMPARED, count)
    assert high["unit"].to_list() == top and low["unit"].to_list() == bottom


@pytest.mark.parametrize(
    "target, below",
    [(1.0, ["D", "C", "B", "A"]), (0.8, ["D", "C"]), (0.55, ["D"]), (0.3, [])],  # at the target is not below
)
def test_units_below_the_target_furthest_first(target, below):
    found = metrics.below_target(COMPARED, target)
    assert found["unit"].to_list() == below
    assert all(gap < 0 for gap in found["to_target"])
