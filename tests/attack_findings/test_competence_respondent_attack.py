"""Attack on issue 14 (staff small-n), as a teacher: *my competence-survey answers against my unit
and the city* (my_competence_vs_unit_city) hides the unit's mean under 5 respondents, but shows it
at exactly 5 together with the respondent count and the teacher's own scores. The teacher is one of
the 5, so (5 × unit mean − own score) / 4 is the exact mean of the four colleagues who answered: a
figure built from 4 staff answers, per DigCompEdu area and environment item. The same holds for the
principal's competence_unit_vs_city when the principal answered. The brief: "The same rule covers
staff answers (feedback, competence survey) below 5" — the benchmark has to leave at least T
answers *besides the viewer's own* (hide the unit under T + 1, or subtract the viewer first).

The test takes, in the test city, every teacher who answered in a unit with exactly T respondents,
runs the real query through Warehouse.fetch as that teacher, and recomputes the colleagues' mean.
"""

from __future__ import annotations

import duckdb
import pytest

from tilannekuva.access import Principal, load_policy
from tilannekuva.warehouse import current_file

from tests.conftest import PROJECT_ROOT

T = 5


def test_teacher_cannot_recompute_the_mean_of_fewer_than_t_colleagues(demo_home, warehouse):
    con = duckdb.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        cases = con.sql("""
            with r as (select school_year_id, unit_id, count(distinct response_id) as n
                       from fct_competence_survey group by all)
            select distinct c.staff_id, c.school_year_id, c.unit_id
            from fct_competence_survey c join r using (school_year_id, unit_id)
            join dim_staff s on s.staff_id = c.staff_id
            where r.n = $t order by all""", params={"t": T}).fetchall()
        truth = {(y, u, a): (s, n) for y, u, a, s, n in con.sql("""
            select school_year_id, unit_id, area, sum(score), count(*) from fct_competence_survey
            group by all""").fetchall()}
        own = {(st, y, a): sc for st, y, a, sc in con.sql(
            "select staff_id, school_year_id, area, score from fct_competence_survey").fetchall()}
    finally:
        con.close()
    if not cases:
        pytest.skip("no unit with exactly T respondents in the test city")
    teacher = load_policy(PROJECT_ROOT / "roles.yaml").roles["teacher"]
    recovered = []
    for staff_id, year, unit_id in cases:
        p = Principal(username=f"t{staff_id}", display_name="t", role="teacher", pages=teacher.pages,
                      scope=teacher.scope, staff_id=staff_id, pupil_rows=teacher.pupil_rows,
                      suppress_pupil_aggregates=teacher.suppress_pupil_aggregates)
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
    assert not recovered, (f"{len(recovered)} means of fewer than {T} colleagues' answers recomputed exactly by "
                           f"a teacher from own answers and the unit mean, e.g. {recovered[:4]}")
