"""The contract: every query as every demo role returns nothing outside that role's scope,
whatever parameters are passed — including another user's unit and random values — and a
query runs only for the roles whose pages (roles.yaml) use it, at a grain the role may read."""

import re
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import truth_frame
from tilannekuva.queries import load_query, query_names
from tilannekuva.warehouse import ScopeError

CURRENT = 2026


def truth(demo_home, sql, **params):
    """Ground truth read straight from the file (the test's own connection, not the access layer)."""
    return truth_frame(demo_home, sql, **params)


def allowed_units(demo_home, p):
    if p.scope == "all":
        return set(truth(demo_home, "select unit_id from dim_unit")["unit_id"])
    if p.scope == "units":
        return set(p.unit_ids)
    return set(
        truth(
            demo_home,
            """
        select unit_id from fct_employment where staff_id = $s
        union select g.unit_id from brg_group_teacher t join dim_group g using (group_id) where t.staff_id = $s""",
            s=p.staff_id,
        )["unit_id"]
    )


def allowed_groups(demo_home, p):
    if p.scope == "all":
        return set(truth(demo_home, "select group_id from dim_group")["group_id"])
    if p.scope == "units":
        return set(
            truth(demo_home, "select group_id from dim_group where list_contains($u, unit_id)", u=list(p.unit_ids))[
                "group_id"
            ]
        )
    return set(truth(demo_home, "select group_id from brg_group_teacher where staff_id = $s", s=p.staff_id)["group_id"])


def params_for(name, unit_id, year):
    values = {
        "unit_id": unit_id,
        "school_year_id": year,
        "sector": None,
        "district_id": None,
        "language": None,
        "concern_hours": 60.0,
        "serious_hours": 100.0,
        "metric": "M1",
    }
    return {k: values[k] for k in load_query(name).params}


def check_scope(demo_home, p, name, frame):
    if "unit_id" in frame.columns:
        assert set(frame["unit_id"].drop_nulls()) <= allowed_units(demo_home, p), name
    if "group_id" in frame.columns:
        assert set(frame["group_id"].drop_nulls()) <= allowed_groups(demo_home, p), name
    if "pupil_id" in frame.columns:
        groups = allowed_groups(demo_home, p)
        enrolled = truth(demo_home, "select pupil_id, group_id from fct_enrolment")
        mine = set(enrolled.filter(pl.col("group_id").is_in(list(groups)))["pupil_id"])
        assert set(frame["pupil_id"]) <= mine, name


def may_run(p, name) -> bool:
    """The expectation, from the query's `-- page:` line and the role's pages in roles.yaml (not from
    its `-- roles:` line): a page of the role uses it, and the role may read the query's grain."""
    q = load_query(name)
    pages = set(re.findall(r"[a-z_]+", q.page.split("(")[0]))
    used = "all" in pages or bool(pages & set(p.pages))
    grain_ok = {"aggregate": True, "pupil": p.pupil_rows, "staff": not p.suppress_pupil_aggregates}[q.grain]
    return used and grain_ok


@pytest.mark.parametrize("name", query_names())
@pytest.mark.parametrize("user", ["johto", "rehtori", "rehtori2", "opettaja", "admin"])
def test_every_query_as_every_role_is_allowed_or_refused_and_stays_in_scope(
    demo_home, warehouse, principals, user, name, caplog
):
    p = principals[user]
    unit = p.unit_ids[0] if p.unit_ids else 101
    if not may_run(p, name):
        with pytest.raises(ScopeError):
            warehouse.fetch(p, name, **params_for(name, unit, CURRENT))
        assert any("refused" in r.getMessage() and name in r.getMessage() for r in caplog.records)
        return
    result = warehouse.fetch(p, name, **params_for(name, unit, CURRENT))
    check_scope(demo_home, p, name, result.frame)


@pytest.mark.parametrize(
    ("user", "name", "allowed"),
    [
        ("johto", "staff_training_status", False),  # named staff: never for an aggregate-only role
        ("admin", "staff_training_status", False),
        ("rehtori", "staff_training_status", True),
        ("opettaja", "staff_training_status", False),  # not a teacher's page
        ("opettaja", "my_training_record", True),
        ("johto", "pupils_by_year_and_area", True),
        ("rehtori", "pupils_by_year_and_area", False),  # the city cubes are the sector pages' only
        ("opettaja", "absence_over_thresholds_by_year_and_area", False),
        ("johto", "support_by_group", False),
        ("admin", "units_in_scope", True),
        ("admin", "metric_parts_by_unit_year", False),
    ],
)
def test_queries_are_bound_to_roles(warehouse, principals, user, name, allowed):
    assert may_run(principals[user], name) is allowed
    p = principals[user]
    params = params_for(name, p.unit_ids[0] if p.unit_ids else 101, CURRENT)
    if allowed:
        warehouse.fetch(p, name, **params)
    else:
        with pytest.raises(ScopeError):
            warehouse.fetch(p, name, **params)


def test_every_query_declares_roles_that_exist():
    roles = {"sector_lead", "principal", "teacher", "admin"}
    for name in query_names():
        assert load_query(name).roles and set(load_query(name).roles) <= roles, name


def test_pupil_rows_only_for_roles_that_may_see_them(warehouse, principals):
    for user in ("johto", "admin"):
        with pytest.raises(ScopeError):
            warehouse.fetch(principals[user], "pupils_in_my_groups", school_year_id=CURRENT)


def test_a_unit_of_someone_else_returns_nothing(demo_home, warehouse, principals):
    p = principals["rehtori"]
    other = next(u for u in truth(demo_home, "select unit_id from dim_unit")["unit_id"] if u not in p.unit_ids)
    for name in (
        "competence_unit_vs_city",
        "training_feedback_for_unit",
        "staff_training_status",
        "support_by_group",
        "assessment_by_subject",
        "pupil_roster",
        "pupil_absence_by_month",
        "pupil_grades_by_term",
        "absence_by_group_month",
    ):
        for year in (CURRENT - 1, CURRENT):
            assert warehouse.fetch(p, name, unit_id=other, school_year_id=year).frame.is_empty(), name
    assert warehouse.fetch(p, "eservice_monthly_for_unit", unit_id=other).frame.is_empty()
    own = warehouse.fetch(p, "competence_unit_vs_city", unit_id=p.unit_ids[0], school_year_id=CURRENT - 1).frame
    assert set(own["level"]) == {"unit", "sector", "city"}


def test_teacher_sees_only_groups_taught_that_year(demo_home, warehouse, principals):
    p = principals["opettaja"]
    for year in (CURRENT - 1, CURRENT):
        taught = set(
            truth(
                demo_home,
                """select group_id from brg_group_teacher join dim_group using (group_id)
                                         where staff_id = $s and school_year_id = $y""",
                s=p.staff_id,
                y=year,
            )["group_id"]
        )
        got = warehouse.fetch(p, "my_groups", school_year_id=year).frame
        assert set(got["group_id"]) == taught
        pupils = warehouse.fetch(p, "pupils_in_my_groups", school_year_id=year).frame
        expected = truth(
            demo_home, "select pupil_id from fct_enrolment where list_contains($g, group_id)", g=list(taught)
        )
        assert set(pupils["pupil_id"]) == set(expected["pupil_id"])
    # A co-teacher's other groups are not the teacher's.
    co_teachers = truth(
        demo_home,
        """select distinct t2.staff_id from brg_group_teacher t1
        join brg_group_teacher t2 on t1.group_id = t2.group_id and t2.staff_id <> t1.staff_id where t1.staff_id = $s""",
        s=p.staff_id,
    )["staff_id"].to_list()
    others = truth(
        demo_home, "select group_id from brg_group_teacher where list_contains($c, staff_id)", c=co_teachers
    )["group_id"]
    not_mine = set(others) - allowed_groups(demo_home, p)
    all_years = set()
    for year in range(CURRENT - 4, CURRENT + 1):
        all_years |= set(warehouse.fetch(p, "my_groups", school_year_id=year).frame["group_id"])
    assert co_teachers, "the demo teacher co-teaches at least one group"
    assert not_mine, "the co-teachers have groups of their own"
    assert not (all_years & not_mine)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    user=st.sampled_from(["rehtori", "rehtori2", "opettaja"]),
    unit=st.integers(-5, 400),
    year=st.integers(2015, 2030),
    name=st.sampled_from(query_names()),
)
def test_generated_filters_never_leave_scope(demo_home, warehouse, principals, user, unit, year, name):
    p = principals[user]
    if not may_run(p, name):
        return
    result = warehouse.fetch(p, name, **params_for(name, unit, year))
    check_scope(demo_home, p, name, result.frame)


def test_concurrent_users_get_their_own_rows(warehouse, principals):
    """One shared connection, many threads: every call must see its own scope."""
    own_query = {
        "rehtori": ("units_in_scope", {}),
        "rehtori2": ("units_in_scope", {}),
        "opettaja": ("my_groups", {"school_year_id": CURRENT}),
        "johto": ("units_in_scope", {}),
    }
    jobs = [(u, principals[u]) for u in ("rehtori", "opettaja", "rehtori2", "johto")] * 10

    def run(job):
        user, p = job
        query, params = own_query[user]
        return user, warehouse.fetch(p, query, **params).frame

    expected = dict(run(job) for job in jobs[:4])
    assert len({f.height for f in expected.values()}) > 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        for user, frame in pool.map(run, jobs):
            assert frame.equals(expected[user]), user


def test_suppression_reaches_sector_lead_but_not_a_principals_own_unit(warehouse, principals):
    lead = warehouse.fetch(
        principals["johto"], "pupils_by_year_and_area", sector="lukio", district_id=None, language="sv"
    )
    assert "is_suppressed" in lead.frame.columns
    small = lead.frame.filter(pl.col("pupils").is_not_null() & (pl.col("pupils") < 5) & (pl.col("pupils") > 0))
    assert small.is_empty()
    own = warehouse.fetch(
        principals["rehtori"], "support_by_group", unit_id=principals["rehtori"].unit_ids[0], school_year_id=CURRENT
    )
    assert own.suppressed_cells == 0
