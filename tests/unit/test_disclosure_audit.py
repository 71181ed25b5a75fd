"""The interval audit: no hidden cell of a published cube can be narrowed below the threshold.

The attacker's view of a cube is every visible cell (every filter combination of the sector pages
is a selection of cube cells) and what they know of its structure: additivity over each dimension
(unit ⊂ district ⊂ city, fi + sv = all, sectors), 0 ≤ count ≤ its base, serious ≤ concern, and
which units exist. For each hidden cell two linear programmes (HiGHS) give its feasible interval;
the protection rule is that the interval is at least the threshold wide (docs/SUPPRESSION.md).
"""

import numpy as np
import polars as pl
import pytest

from tilannekuva import duck
from tilannekuva.disclosure import Block, exposed, intervals, primary, protect
from tilannekuva.publication import PublicationRules, _raw_absence, _raw_pupils, _raw_support, audit
from tilannekuva.queries import Suppression
from tilannekuva.suppression import suppress
from tilannekuva.warehouse import Warehouse, WarehouseUnavailable, current_file

T = 5


@pytest.fixture(scope="module")
def con(demo_home):
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    yield con
    con.close()


def test_every_hidden_cell_of_every_published_cube_keeps_an_interval_at_least_the_threshold_wide(con):
    audited = audit(con)
    by_cube = {c.cube for c in audited}
    assert "pub_absence_thresholds" in by_cube, "the tiny city has small absence cells: the audit is not vacuous"
    narrow = [c for c in audited if c.width < T - 1e-6]
    assert not narrow, narrow[:10]


def test_the_cubes_show_the_true_value_of_every_visible_cell_and_hide_every_small_one(con):
    rules = PublicationRules()
    raw = _raw_absence(con, rules).unpivot(
        index=["school_year_id", "term", "district_id", "language", "unit_id", "enrolled"],
        on=["huoli", "vakava"],
        variable_name="threshold",
        value_name="true_pupils",
    )
    pub = con.sql("select * from pub_absence_thresholds").pl()
    keys = ["school_year_id", "term", "threshold", "district_id", "language", "unit_id"]
    both = pub.join(raw.rename({"enrolled": "true_enrolled"}), on=keys, nulls_equal=True, how="full", coalesce=True)
    assert both.height == pub.height == raw.height
    visible = both.filter(pl.col("pupils").is_not_null())
    assert (visible["pupils"] == visible["true_pupils"]).all()
    small = both.filter((pl.col("true_pupils") > 0) & (pl.col("true_pupils") < T))
    assert small.height > 0 and small["pupils"].null_count() == small.height
    assert both.filter(pl.col("is_suppressed"))["share"].null_count() == both["is_suppressed"].sum()
    support = con.sql("select * from pub_support").pl()
    assert support.filter(pl.col("is_suppressed"))["pupils"].null_count() == support["is_suppressed"].sum()
    assert _raw_support(con).height and _raw_pupils(con).height


@pytest.mark.parametrize(
    ("table", "rule"),
    [
        ("pub_pupils", "pupils is null"),
        ("pub_absence_thresholds", "(pupils is null or enrolled is null) and share is null"),
        ("pub_support", "(pupils is null or enrolled is null) and share is null"),
    ],
)
def test_the_served_file_holds_no_value_of_a_hidden_cell(con, table, rule):
    leaked = con.sql(f"select count(*) from {table} where is_suppressed and not ({rule})").fetchall()[0][0]
    assert leaked == 0


def test_a_cube_built_with_a_lower_threshold_is_not_served(demo_home, principals):
    stricter = Warehouse(demo_home / "warehouse", suppression_threshold=T + 1)
    with pytest.raises(WarehouseUnavailable):
        stricter.fetch(principals["johto"], "pupils_by_year_and_area", sector=None, district_id=None, language=None)


def _block(rows, leq=(), base_of=None):
    """rows: (district, language, unit, measure, value)."""
    return Block(
        [r[:3] for r in rows], [r[3] for r in rows], [float(r[4]) for r in rows], leq=list(leq), base_of=base_of or {}
    )


# One district, two Finnish schools and one Swedish: the attack of issue 14, finding 2.
DISTRICT = [
    (4, "fi", 41, "n", 30),
    (4, "fi", 42, "n", 20),
    (4, "sv", 43, "n", 3),
    (4, "fi", None, "n", 50),
    (4, "sv", None, "n", 3),
    (4, None, None, "n", 53),
]


def test_the_audit_pins_what_the_old_per_view_suppression_let_through():
    """The old code suppressed each filtered result on its own: the unfiltered view hides the Swedish
    school and a partner, the kieli=fi view hides nothing, and together they give the school away."""
    rule = Suppression("n", cells=("district_id", "unit_id"), fixed=(), values=())
    schema = {"district_id": pl.Int64, "unit_id": pl.Int64, "n": pl.Int64}
    unfiltered = pl.DataFrame([(4, 41, 30), (4, 42, 20), (4, 43, 3), (4, None, 53)], schema=schema, orient="row")
    only_fi = pl.DataFrame([(4, 41, 30), (4, 42, 20), (4, None, 50)], schema=schema, orient="row")
    shown_all, _ = suppress(unfiltered, rule, T)
    shown_fi, _ = suppress(only_fi, rule, T)
    visible = {}
    for frame, language in ((shown_all, None), (shown_fi, "fi")):
        for row in frame.iter_rows(named=True):
            if row["n"] is not None:
                unit_language = {41: "fi", 42: "fi", 43: "sv"}.get(row["unit_id"], language)
                visible[(4, unit_language, row["unit_id"])] = row["n"]
    hidden = np.array([(d, lang, u) not in visible for d, lang, u, _, _ in DISTRICT])
    block = _block(DISTRICT)
    assert hidden.any()
    pinned = exposed(block, hidden, T)
    assert {block.keys[c] for c in pinned} >= {(4, "sv", 43)}
    assert intervals(block, hidden)[2] == pytest.approx((3.0, 3.0))


@pytest.mark.parametrize(
    ("rows", "leq", "base_of"),
    [
        # the district: a lone Swedish school
        (DISTRICT, (), None),
        # two districts, two languages, small cells in both; city totals
        (
            [
                (1, "fi", 11, "n", 40),
                (1, "sv", 12, "n", 2),
                (2, "fi", 21, "n", 35),
                (2, "sv", 22, "n", 9),
                (1, "fi", None, "n", 40),
                (1, "sv", None, "n", 2),
                (2, "fi", None, "n", 35),
                (2, "sv", None, "n", 9),
                (1, None, None, "n", 42),
                (2, None, None, "n", 44),
                (None, "fi", None, "n", 75),
                (None, "sv", None, "n", 11),
                (None, None, None, "n", 86),
            ],
            (),
            None,
        ),
        # a count and its base: the base under the threshold hides both, serious <= concern
        (
            [
                (1, "fi", 11, "base", 3),
                (1, "fi", 11, "huoli", 1),
                (1, "fi", 12, "base", 60),
                (1, "fi", 12, "huoli", 8),
                (1, "fi", None, "base", 63),
                (1, "fi", None, "huoli", 9),
                (1, None, None, "base", 63),
                (1, None, None, "huoli", 9),
            ],
            [(1, 0), (3, 2), (5, 4), (7, 6)],
            {1: 0, 3: 2, 5: 4, 7: 6},
        ),
    ],
)
def test_protect_gives_every_hidden_cell_an_interval_at_least_the_threshold_wide(rows, leq, base_of):
    block = _block(rows, leq, base_of)
    hidden = protect(block, T)
    assert (hidden >= primary(block, T)).all()
    assert not exposed(block, hidden, T)


@pytest.mark.parametrize("seed", range(6))
def test_protect_on_random_hierarchical_cubes(seed):
    """Random cities: districts × languages × units, with totals; every hidden cell stays protected."""
    rng = np.random.default_rng(seed)
    rows = []
    totals: dict[tuple, int] = {}
    unit = 0
    for d in range(1, 4):
        for lang in ("fi", "sv"):
            for _ in range(int(rng.integers(0, 4))):
                unit += 1
                value = int(rng.choice([0, 1, 2, 3, 4, 6, 12, 30]))
                rows.append((d, lang, unit, "n", value))
                for key in ((d, lang, None), (d, None, None), (None, lang, None), (None, None, None)):
                    totals[key] = totals.get(key, 0) + value
    rows += [(*k, "n", v) for k, v in totals.items()]
    block = _block(rows)
    hidden = protect(block, T)
    assert (hidden >= primary(block, T)).all()
    assert not exposed(block, hidden, T)
