"""Staff small-n: M2 (training feedback) and M5 (competence survey) rest on staff answers. A unit
with fewer than the threshold of answers or respondents is hidden wherever its value is rolled up
to — unit comparison, the principal's own unit, downloads — and the district, sector, language
and city totals the pages show do not give it back (LP audit on the answer counts)."""

import numpy as np
import polars as pl
import pytest

from tests.conftest import PROJECT_ROOT
from tilannekuva import duck, metrics
from tilannekuva.access import Principal, load_policy
from tilannekuva.disclosure import intervals
from tilannekuva.publication import _raw_staff_answers, block_of
from tilannekuva.warehouse import Warehouse, WarehouseUnavailable, current_file

T = 5
CURRENT = 2026


@pytest.fixture(scope="module")
def raw(demo_home):
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        return _raw_staff_answers(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def parts(warehouse, principals):
    return warehouse.fetch(principals["johto"], "metric_parts_by_unit_year").frame


@pytest.mark.parametrize("metric", ["M2", "M5"])
def test_a_unit_under_the_threshold_is_hidden_in_every_unit_view(parts, metric):
    chosen = parts.filter(pl.col("metric") == metric)
    small = chosen.filter((pl.col("events") > 0) & (pl.col("events") < T))
    assert small.height, f"the tiny city has units with under {T} {metric} answers"
    for year in small["school_year_id"].unique().to_list():
        compared = metrics.compare_units(chosen, metric, year)
        hidden_units = small.filter(pl.col("school_year_id") == year)["unit_id"].to_list()
        shown = compared.filter(pl.col("unit_id").is_in(hidden_units))
        assert shown["value"].null_count() == shown.height and shown["events"].null_count() == shown.height
    for row in small.iter_rows(named=True):  # the principal's "Yksikköni": the unit rolled up on its own
        mine = chosen.filter(pl.col("unit_id") == row["unit_id"])
        rolled = metrics.rollup(mine, "city").filter(pl.col("school_year_id") == row["school_year_id"])
        assert rolled["value"][0] is None
    assert small["is_suppressed"].all()


def test_the_principal_reads_the_same_marks_for_their_own_unit(warehouse, principals, parts):
    p = principals["rehtori"]
    own = warehouse.fetch(p, "metric_parts_by_unit_year").frame
    expected = parts.filter(pl.col("unit_id").is_in(list(p.unit_ids)))
    assert (
        own.select("metric", "school_year_id", "unit_id", "is_suppressed")
        .sort(pl.all())
        .equals(expected.select("metric", "school_year_id", "unit_id", "is_suppressed").sort(pl.all()))
    )


def _shown(parts: pl.DataFrame, metric: str, year: int, key: tuple) -> bool:
    """Is the cell (sector, district, language, unit; None = all) shown by the rollup the pages use?"""
    sector, district, language, unit = key
    chosen = parts.filter((pl.col("metric") == metric) & (pl.col("school_year_id") == year))
    if unit is not None:
        chosen = chosen.filter(pl.col("unit_id") == unit)
    else:
        chosen = metrics.apply_filters(chosen, sector=sector, district_id=district, language=language)
    rolled = metrics.rollup(chosen, "city")
    return rolled.height == 1 and rolled["value"][0] is not None


@pytest.mark.parametrize("metric", ["M2", "M5"])
def test_totals_do_not_give_a_hidden_unit_back(parts, raw, metric):
    checked = 0
    for (year,), rows in raw.filter(pl.col("metric") == metric).group_by("school_year_id"):
        block, where = block_of(rows, ("sector", "district_id", "language", "unit_id"), ("events",), None)
        hidden = np.array([not _shown(parts, metric, year, key) for key in block.keys])
        if not hidden.any():
            continue
        for cell, (low, high) in intervals(block, hidden).items():
            if 0 < block.values[cell] < T:
                checked += 1
                assert high - low >= T - 1e-6, (metric, year, block.keys[cell], low, high)
    assert checked, "the audit saw small cells"


def test_staff_answer_means_follow_the_apps_threshold(demo_home, principals):
    """Attack finding (issue 14): pub_metric_hidden was served with the cube's own threshold, so raising
    suppression_threshold to 10 without a load left every M2 / M5 mean of 5–9 answers on the pages
    (26 unit values in the test city) while the pupil cubes were refused. Now the staff-answer
    parts are refused the same way, and hide_below is the app's threshold."""
    higher = 10
    wh = Warehouse(demo_home / "warehouse", suppression_threshold=higher)
    johto = principals["johto"]
    with pytest.raises(WarehouseUnavailable):
        wh.fetch(
            johto,
            "absence_over_thresholds_by_year_and_area",
            district_id=None,
            language=None,
            concern_hours=60.0,
            serious_hours=100.0,
        )
    with pytest.raises(WarehouseUnavailable, match="pub_metric_hidden"):
        wh.fetch(johto, "metric_parts_by_unit_year")
    # The sector benchmarks (no cube marks) hide under the app's threshold, not the cube's.
    bench = wh.fetch(principals["rehtori"], "metric_bench_by_sector_year").frame
    assert set(bench.filter(pl.col("metric").is_in(["M2", "M5"]))["hide_below"].unique()) == {higher}


# Someone who is one of the respondents (attack finding 2): a unit figure shown to a respondent needs
# the threshold of answers besides theirs. Before the fix the teacher case below recovered 180 area
# means of 4 colleagues' answers in the test city.


def test_a_teacher_cannot_recompute_the_mean_of_fewer_than_t_colleagues(demo_home, warehouse):
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        cases = con.sql(
            """
            with r as (select school_year_id, unit_id, count(distinct response_id) as n
                       from fct_competence_survey group by all)
            select distinct c.staff_id, c.school_year_id, c.unit_id
            from fct_competence_survey c join r using (school_year_id, unit_id)
            join dim_staff s on s.staff_id = c.staff_id
            where r.n = $t order by all""",
            params={"t": T},
        ).fetchall()
        truth = {
            (y, u, a): (s, n)
            for y, u, a, s, n in con.sql("""
            select school_year_id, unit_id, area, sum(score), count(*) from fct_competence_survey
            group by all""").fetchall()
        }
        own = {
            (st, y, a): sc
            for st, y, a, sc in con.sql(
                "select staff_id, school_year_id, area, score from fct_competence_survey"
            ).fetchall()
        }
    finally:
        con.close()
    if not cases:
        pytest.skip("no unit with exactly T respondents in the test city")
    teacher = load_policy(PROJECT_ROOT / "roles.yaml").roles["teacher"]
    recovered = []
    for staff_id, year, unit_id in cases:
        p = Principal(
            username=f"t{staff_id}",
            display_name="t",
            role="teacher",
            pages=teacher.pages,
            scope=teacher.scope,
            staff_id=staff_id,
            pupil_rows=teacher.pupil_rows,
            suppress_pupil_aggregates=teacher.suppress_pupil_aggregates,
        )
        frame = warehouse.fetch(p, "my_competence_vs_unit_city", school_year_id=year).frame
        unit_rows = frame.filter(frame["level"] == "unit")
        own_rows = {r["area"]: r["mean_score"] for r in frame.filter(frame["level"] == "own").iter_rows(named=True)}
        for r in unit_rows.iter_rows(named=True):
            if r["mean_score"] is None or r["respondents"] is None or r["area"] not in own_rows:
                continue
            n = r["respondents"]
            others = (n * r["mean_score"] - own_rows[r["area"]]) / (n - 1)
            s, cnt = truth[(year, unit_id, r["area"])]
            true_others = (s - own[(staff_id, year, r["area"])]) / (cnt - 1)
            if n - 1 < T and abs(others - true_others) < 1e-9:
                recovered.append((staff_id, year, unit_id, r["area"], n - 1, round(others, 3)))
    assert not recovered, (
        f"{len(recovered)} means of fewer than {T} colleagues' answers recomputed exactly by "
        f"a teacher from own answers and the unit mean, e.g. {recovered[:4]}"
    )


def _as(role: str, staff_id: int, units: tuple[int, ...] = ()) -> Principal:
    r = load_policy(PROJECT_ROOT / "roles.yaml").roles[role]
    return Principal(
        username=f"{role}{staff_id}",
        display_name="x",
        role=role,
        pages=r.pages,
        scope=r.scope,
        unit_ids=units,
        staff_id=staff_id,
        pupil_rows=r.pupil_rows,
        suppress_pupil_aggregates=r.suppress_pupil_aggregates,
    )


def _respondents_at(con, n: int) -> list[tuple[int, int, int]]:
    """(staff_id, school_year_id, unit_id) of every M5 respondent of a unit with exactly n respondents."""
    return con.sql(
        """
        with r as (select school_year_id, unit_id, count(distinct response_id) as n
                   from fct_competence_survey where area not like 'ymparisto%' group by all)
        select distinct c.staff_id, c.school_year_id, c.unit_id
        from fct_competence_survey c join r using (school_year_id, unit_id) where r.n = $n order by all""",
        params={"n": n},
    ).fetchall()


@pytest.fixture(scope="module")
def survey_cases(demo_home):
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        return {n: _respondents_at(con, n) for n in (T, T + 1)}
    finally:
        con.close()


def test_a_principal_who_answered_sees_the_unit_survey_only_with_t_others(warehouse, survey_cases):
    """competence_unit_vs_city (principal's staff page) and the unit M5 on Yksikköni: hidden at exactly
    T respondents when the principal is one of them, shown at T + 1; a principal who did not answer
    still sees a unit of T."""
    assert survey_cases[T] and survey_cases[T + 1], "the test city has units of T and T + 1 respondents"
    for n, shown in ((T, False), (T + 1, True)):
        for staff_id, year, unit_id in survey_cases[n][:6]:
            p = _as("principal", staff_id, (unit_id,))
            frame = warehouse.fetch(p, "competence_unit_vs_city", unit_id=unit_id, school_year_id=year).frame
            unit_rows = frame.filter(pl.col("level") == "unit")
            areas = unit_rows.filter(~pl.col("area").str.starts_with("ymparisto"))
            assert areas.height and (
                areas["mean_score"].is_not_null().all() if shown else areas["mean_score"].is_null().all()
            ), (n, staff_id, unit_rows)
            parts = warehouse.fetch(p, "metric_parts_by_unit_year").frame.filter(
                (pl.col("metric") == "M5") & (pl.col("unit_id") == unit_id)
            )
            rolled = metrics.rollup(parts, "city").filter(pl.col("school_year_id") == year)
            assert (rolled["value"][0] is not None) == shown, (n, staff_id, rolled)
    # Someone who did not answer (no staff record) sees a unit of exactly T respondents.
    _, year, unit_id = survey_cases[T][0]
    outsider = _as("principal", -1, (unit_id,))
    frame = warehouse.fetch(outsider, "competence_unit_vs_city", unit_id=unit_id, school_year_id=year).frame
    assert (
        frame.filter((pl.col("level") == "unit") & ~pl.col("area").str.starts_with("ymparisto"))["mean_score"]
        .is_not_null()
        .all()
    )


def test_a_principal_who_attended_does_not_count_towards_the_units_feedback_threshold(demo_home, warehouse):
    """M2 on Yksikköni and the staff page's feedback per training: feedback is anonymous, so a viewer
    who attended is counted as one of the answers; the figure needs T answers besides."""
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        cases = con.sql(
            """
            with a as (select t.school_year_id, f.unit_id, count(*) as n from fct_training_feedback f
                       join dim_training t using (training_id) group by all)
            select distinct p.staff_id, t.school_year_id, e.unit_id, a.n
            from fct_training_participation p join dim_training t using (training_id)
            join fct_employment e on e.staff_id = p.staff_id and e.school_year_id = t.school_year_id
            join a on a.school_year_id = t.school_year_id and a.unit_id = e.unit_id
            where a.n between $t and $t + 1
              and (select count(*) from fct_training_participation p2 join dim_training t2 using (training_id)
                   where p2.staff_id = p.staff_id and t2.school_year_id = t.school_year_id) = 1
            order by all""",
            params={"t": T},
        ).fetchall()
        per_training = con.sql(
            """
            select p.staff_id, p.training_id, e.unit_id, count(f.feedback_id) as n
            from fct_training_participation p join dim_training t using (training_id)
            join fct_employment e on e.staff_id = p.staff_id and e.school_year_id = t.school_year_id
            join fct_training_feedback f on f.training_id = p.training_id and f.unit_id = e.unit_id
            group by all having count(f.feedback_id) = $t order by all limit 5""",
            params={"t": T},
        ).fetchall()
    finally:
        con.close()
    assert {n for *_, n in cases} == {T, T + 1}, "the test city has units of T and T + 1 answers"
    for staff_id, year, unit_id, n in cases[:12]:
        p = _as("principal", staff_id, (unit_id,))
        parts = warehouse.fetch(p, "metric_parts_by_unit_year").frame.filter(
            (pl.col("metric") == "M2") & (pl.col("unit_id") == unit_id)
        )
        rolled = metrics.rollup(parts, "city").filter(pl.col("school_year_id") == year)
        assert (rolled["value"][0] is not None) == (n > T) or rolled["is_suppressed"][0], (staff_id, year, unit_id, n)
        assert n > T or rolled["value"][0] is None
    for staff_id, training_id, unit_id, _ in per_training:
        p = _as("principal", staff_id, (unit_id,))
        year = warehouse.fetch(p, "school_years").frame  # any year: find the training's
        rows = None
        for y in year["school_year_id"].to_list():
            f = warehouse.fetch(p, "training_feedback_for_unit", unit_id=unit_id, school_year_id=y).frame
            if f.filter(pl.col("training_id") == training_id).height:
                rows = f.filter(pl.col("training_id") == training_id)
                break
        assert rows is not None and rows["mean_rating"][0] is None, (staff_id, training_id, rows)


def test_m2_topics_and_units_keep_every_hidden_cell_at_least_t_wide(demo_home):
    """The LP audit of M2 over every filter combination of the sector pages: the per-topic cells of
    pub_feedback_topics (topic × sector × district × language, every total), linked with M2's unit and
    total answer counts (shown by the unit comparison and every rollup unless pub_metric_hidden marks
    them). Hidden = what the served tables leave null; visible cells are true; intervals >= T."""
    from tilannekuva.publication import _raw_feedback_topics

    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        raw = _raw_feedback_topics(con)
        topics = con.sql("select * from pub_feedback_topics").pl()
        marked = {
            tuple(r)
            for r in con.sql("""select school_year_id, sector, district_id, language, unit_id
                                               from pub_metric_hidden where metric = 'M2'""").fetchall()
        }
    finally:
        con.close()
    keys = ["school_year_id", "topic", "sector", "district_id", "language"]
    joined = topics.join(raw.filter(pl.col("topic").is_not_null()), on=keys, nulls_equal=True, how="left")
    shown = joined.filter(pl.col("answers").is_not_null())
    assert (shown["answers"] == shown["events"]).all() and (shown["rating_sum"] == shown["rating_sum_right"]).all()
    assert not shown.filter((pl.col("answers") > 0) & (pl.col("answers") < T)).height
    assert joined.filter(pl.col("is_suppressed"))["answers"].null_count() == joined["is_suppressed"].sum()
    hidden_topics = {tuple(r) for r in topics.filter(pl.col("is_suppressed")).select(keys).rows()}
    dims = ("topic", "sector", "district_id", "language", "unit_id")
    small, narrowest = 0, np.inf
    for (year,), rows in raw.group_by("school_year_id"):
        block, where = block_of(rows, dims, ("events",), None)
        hidden = np.array(
            [((year, *k[:4]) in hidden_topics) if k[0] is not None else ((year, *k[1:]) in marked) for k in block.keys]
        )
        for cell, (low, high) in intervals(block, hidden).items():
            narrowest = min(narrowest, high - low)
            small += 0 < block.values[cell] < T
            assert high - low >= T - 1e-6, (year, block.keys[cell], block.values[cell], low, high)
        assert not any(0 < v < T for v, h in zip(block.values, hidden, strict=True) if not h)
    assert small, "the audit saw small topic cells"
