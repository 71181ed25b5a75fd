"""The demo generator: deterministic, and its data has the properties the pages rely on."""

import pytest

from tilannekuva import duck
from tilannekuva.demo import build_demo
from tilannekuva.warehouse import current_file


@pytest.fixture(scope="module")
def con(demo_home):
    c = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    yield c
    c.close()


def one(con, sql):
    return con.sql(sql).fetchall()[0][0]


def test_same_seed_same_city(tmp_path, demo_home):
    from tests.conftest import TINY_SCALE, TINY_SEED

    again = build_demo(tmp_path / "w", scale=TINY_SCALE, seed=TINY_SEED)
    a = duck.connect(str(again.path), read_only=True)
    b = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    for table in ("dim_unit", "dim_pupil", "fct_absence", "fct_support_decision", "stg_eservice__logins"):
        q = f"select count(*), bit_xor(hash({table})) from {table}"
        assert a.sql(q).fetchall() == b.sql(q).fetchall(), table
    a.close()
    b.close()


@pytest.mark.parametrize(
    "sql, check",
    [
        ("select count(distinct district_id) from dim_unit", lambda v: 5 <= v <= 7),
        ("select count(*) filter (where language = 'sv') / count(*) from dim_unit", lambda v: 0.05 <= v <= 0.25),
        ("select count(distinct sector) from dim_unit", lambda v: v == 3),
        ("select count(distinct school_year_id) from fct_enrolment", lambda v: v == 5),
        # small special classes exist (what suppression must handle)
        (
            "select min(n) from (select count(*) n from fct_enrolment join dim_group using (group_id) "
            "where is_special_class group by group_id)",
            lambda v: v < 10,
        ),
        # the reform: old tiers before 1 Aug 2025, new forms after, old decisions only in the transition year
        (
            "select count(*) from fct_support_decision where regime = 'alkaen_2025' and school_year_id < 2025",
            lambda v: v == 0,
        ),
        (
            "select count(*) from fct_support_decision where regime = 'ennen_2025' and school_year_id > 2025",
            lambda v: v == 0,
        ),
        (
            "select count(*) from fct_support_decision where regime = 'ennen_2025' and school_year_id = 2025",
            lambda v: v > 0,
        ),
        # pupils whose absences rise through the current year
        (
            "select count(*) from (select pupil_id, regr_slope(absence_hours, epoch(month)) s from fct_absence "
            "where school_year_id = 2026 group by pupil_id) where s > 0.000001",
            lambda v: v > 0,
        ),
        # M1 rises over the completed years
        (
            "select (select sum(trained)/sum(staff) from agg_training_reach where school_year_id = 2025) > "
            "(select sum(trained)/sum(staff) from agg_training_reach where school_year_id = 2022)",
            lambda v: v,
        ),
        # seasonal e-service use: July is quieter than September
        (
            "select (select sum(logins) from agg_eservice_monthly where month = date '2025-07-01') < "
            "(select sum(logins) from agg_eservice_monthly where month = date '2025-09-01')",
            lambda v: v,
        ),
        # Finnish report cards (issue 18 item 11: PE came out the lowest): in basic education PE has the
        # highest mean grade of the subjects and mathematics is below the mean of all grades
        (
            "select arg_max(subject, m) from (select subject, avg(grade) m from fct_assessment a "
            "join dim_unit u using (unit_id) where u.sector = 'perusopetus' group by subject)",
            lambda v: v == "liikunta",
        ),
        (
            "select (select avg(grade) from fct_assessment where subject = 'matematiikka') < "
            "(select avg(grade) from fct_assessment)",
            lambda v: v,
        ),
        ("select count(*) from meta_source", lambda v: v >= 9),
        ("select max(data_as_of) from meta_source", lambda v: str(v) <= "2026-11-20"),
    ],
)
def test_demo_properties(con, sql, check):
    assert check(one(con, sql)), sql


def test_demo_accounts_point_at_real_data(con, principals):
    teacher = principals["opettaja"]
    assert (
        one(
            con,
            f"select count(*) from brg_group_teacher join dim_group using (group_id) "
            f"where staff_id = {teacher.staff_id} and school_year_id = 2026",
        )
        >= 1
    )
    head = principals["rehtori"]
    assert one(con, f"select count(*) from dim_group where unit_id = {head.unit_ids[0]} and is_special_class") >= 1
    assert len(principals["rehtori2"].unit_ids) == 2


def test_credentials_hold_only_bcrypt_hashes_and_are_read_only(demo_home):
    import yaml

    path = demo_home / "demo" / "credentials.yaml"
    creds = yaml.safe_load(path.read_text())["credentials"]["usernames"]
    assert all(u["password"].startswith("$2b$") for u in creds.values())
    assert "demo-2026" not in path.read_text()
    assert path.stat().st_mode & 0o222 == 0


def test_unit_names_stay_unique_at_every_scale():
    """The place-name pool runs out above scale ~2; scale 10 (the benchmark's) once looped forever."""
    import numpy as np

    from tilannekuva.demo import _units

    for scale in (1, 10, 20):
        units = _units(np.random.default_rng(1), scale)
        assert units["name"].n_unique() == units.height == round(355 * scale)
