"""Small-cell suppression with complementary suppression, case by case."""

import polars as pl
import pytest

from tilannekuva.queries import Suppression
from tilannekuva.suppression import suppress

RULE = Suppression("n", cells=("district", "lang"), fixed=(), values=("share",))


def frame(rows):
    return pl.DataFrame(
        rows, schema={"district": pl.String, "lang": pl.String, "n": pl.Int64, "share": pl.Float64}, orient="row"
    )


def hidden_cells(result):
    return sorted(
        ((r["district"], r["lang"]) for r in result.filter(pl.col("is_suppressed")).iter_rows(named=True)), key=str
    )


@pytest.mark.parametrize(
    "rows, expected",
    [
        # nothing small: nothing hidden
        ([("A", "fi", 50, 0.5), ("A", "sv", 20, 0.2), ("A", None, 70, 0.7)], []),
        # one small cell with its total: the next smallest cell goes too
        (
            [("A", "fi", 50, 0.5), ("A", "sv", 3, 0.03), ("A", None, 53, 0.53)],
            sorted([("A", "fi"), ("A", "sv")], key=str),
        ),
        # zero is shown; the small cell's partner is the smallest non-zero visible cell
        (
            [
                ("A", "fi", 40, 0.4),
                ("A", "sv", 2, 0.02),
                ("A", "en", 0, 0.0),
                ("A", "xx", 30, 0.3),
                ("A", None, 72, 0.72),
            ],
            [("A", "sv"), ("A", "xx")],
        ),
        # two small cells protect each other
        (
            [("A", "fi", 4, 0.4), ("A", "sv", 3, 0.3), ("A", "en", 30, 0.3), ("A", None, 37, 0.37)],
            sorted([("A", "fi"), ("A", "sv")], key=str),
        ),
        # a lone cell equals its total: the total is hidden too
        ([("A", "sv", 3, 0.3), ("A", None, 3, 0.3)], sorted([("A", None), ("A", "sv")], key=str)),
    ],
)
def test_primary_and_complementary(rows, expected):
    result, count = suppress(frame(rows), RULE, threshold=5)
    assert hidden_cells(result) == expected
    assert count == len(expected)
    assert result.filter(pl.col("is_suppressed"))["n"].null_count() == len(expected)
    assert result.filter(pl.col("is_suppressed"))["share"].null_count() == len(expected)


def test_two_dimensions_cascade_until_no_cell_can_be_recomputed():
    rows = [
        ("A", "fi", 30, 0.0),
        ("A", "sv", 2, 0.0),
        ("A", None, 32, 0.0),
        ("B", "fi", 40, 0.0),
        ("B", "sv", 12, 0.0),
        ("B", None, 52, 0.0),
        (None, "fi", 70, 0.0),
        (None, "sv", 14, 0.0),
        (None, None, 84, 0.0),
    ]
    result, _ = suppress(frame(rows), RULE, threshold=5)
    visible = {(r["district"], r["lang"]): r["n"] for r in result.iter_rows(named=True)}
    # every partition (a row or a column with its total) has 0 or >= 2 hidden entries
    for key_index in (0, 1):
        groups = {}
        for k, v in visible.items():
            groups.setdefault(k[1 - key_index], []).append(v)
        for values in groups.values():
            assert sum(v is None for v in values) != 1
    assert visible[("A", "sv")] is None


def test_threshold_is_configurable_and_fixed_dims_are_not_summed():
    rule = Suppression("n", cells=("year", "lang"), fixed=("year",), values=())
    f = pl.DataFrame({"year": [2025, 2026], "lang": ["sv", "sv"], "n": [8, 30]})
    result, count = suppress(f, rule, threshold=10)
    assert count == 1 and result["n"].to_list() == [None, 30]


def test_empty_frame():
    result, count = suppress(frame([]), RULE, threshold=5)
    assert result.is_empty() and count == 0


def test_a_small_base_hides_a_zero_count_and_the_base():
    """'0 of 3 pupils have support' tells something about each of the three: hidden, with its base."""
    rule = Suppression("n", cells=("unit",), fixed=(), values=("share",), base="enrolled")
    f = pl.DataFrame(
        {
            "unit": ["a", "b", "c", None],
            "n": [0, 6, 9, 15],
            "enrolled": [3, 40, 50, 93],
            "share": [0.0, 0.15, 0.18, 0.16],
        }
    )
    result, count = suppress(f, rule, threshold=5)
    rows = {r["unit"]: r for r in result.iter_rows(named=True)}
    assert rows["a"]["n"] is None and rows["a"]["enrolled"] is None and rows["a"]["share"] is None
    # its partner goes too, so the unit's base cannot be recomputed from the total
    assert rows["b"]["enrolled"] is None and rows["c"]["n"] == 9 and count == 2


def test_fixed_dimensions_split_the_partitions():
    """Issue 14, finding 1: a year is never summed over, so each year's district needs its own partner."""
    rule = Suppression("n", cells=("district",), fixed=("year",), values=())
    rows = pl.DataFrame(
        [("A", 2024, 40), ("B", 2024, 30), (None, 2024, 70), ("A", 2025, 3), ("B", 2025, 30), (None, 2025, 33)],
        schema={"district": pl.String, "year": pl.Int64, "n": pl.Int64},
        orient="row",
    )
    result, count = suppress(rows, rule, threshold=5)
    hidden = sorted((r["district"], r["year"]) for r in result.filter(pl.col("is_suppressed")).iter_rows(named=True))
    assert hidden == [("A", 2025), ("B", 2025)]
