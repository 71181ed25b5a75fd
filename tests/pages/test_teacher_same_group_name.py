"""Regression (issue 17, "ids, never names, as keys"): a teacher who teaches a "7A" in two schools sees
two groups, not one. The group-vs-unit assessment used the group's NAME as its key, so the two 7A's
pupils were averaged together and both schools' unit means were shown under either group.

The fixture is the tiny demo city with one change: the demo teacher also teaches a group of another
unit, named like one of their own groups."""

from __future__ import annotations

import shutil

import polars as pl
import pytest
import streamlit as st

from tests.helpers import tables_of, truth
from tests.pages.test_teacher_pages import open_page
from tilannekuva import duck
from tilannekuva.access import build_principal, load_policy, load_users
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.warehouse import Warehouse, close_all, current_file

YEAR = 2026


@pytest.fixture(scope="module")
def twins(demo_home, tmp_path_factory):
    """(data directory, {group_id: unit_id}, the shared name): the demo teacher teaches two groups of one
    name in two units."""
    home = tmp_path_factory.mktemp("twin-groups")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    staff = load_users(home / "demo" / "users.yaml")["opettaja"]["staff_id"]
    con = duck.connect(str(current_file(home / "warehouse")))
    try:
        # one of the teacher's assessed groups this year, and an assessed group of the same grade in another unit
        ((mine, unit, name, grade),) = con.sql(
            """
            select g.group_id, g.unit_id, g.name, g.grade from brg_group_teacher b join dim_group g using (group_id)
            where b.staff_id = $s and g.school_year_id = $y and g.grade is not null
              and exists (select 1 from fct_assessment a where a.group_id = g.group_id)
            order by g.group_id limit 1""",
            params={"s": staff, "y": YEAR},
        ).fetchall()
        ((other, other_unit),) = con.sql(
            """
            select g.group_id, g.unit_id from dim_group g
            where g.school_year_id = $y and g.unit_id <> $u and g.grade is not null
              and exists (select 1 from fct_assessment a where a.group_id = g.group_id)
            order by g.grade = $grade desc, g.group_id limit 1""",
            params={"y": YEAR, "u": unit, "grade": grade},
        ).fetchall()
        con.execute("update dim_group set name = $n where group_id = $g", {"n": name, "g": other})
        con.execute("insert into brg_group_teacher values ($g, $s)", {"g": other, "s": staff})
    finally:
        con.close()
    yield home, {mine: unit, other: other_unit}, name
    close_all()


def group_pupils(home, group_id) -> dict[tuple[str, str], int]:
    """(term, subject) -> assessed pupils of one group this year."""
    return {
        (term, subject): n
        for term, subject, n in truth(
            home,
            """
        select term, subject, count(distinct pupil_id) from fct_assessment where group_id = $g and school_year_id = $y
        group by all""",
            g=group_id,
            y=YEAR,
        )
    }


def test_the_query_keeps_two_groups_of_one_name_apart(twins):
    home, groups, name = twins
    policy = load_policy(PROJECT_ROOT / "roles.yaml")
    teacher = build_principal("opettaja", "opettaja", load_users(home / "demo" / "users.yaml"), policy)
    frame = Warehouse(home / "warehouse").fetch(teacher, "group_vs_unit_assessment", school_year_id=YEAR).frame
    named = frame.filter((pl.col("group_name") == name) & (pl.col("level") == "group"))
    expected = [group_pupils(home, g) for g in groups]
    for key in set(expected[0]) | set(expected[1]):
        counts = named.filter((pl.col("term") == key[0]) & (pl.col("subject") == key[1]))["pupils"].to_list()
        assert sorted(counts) == sorted(e[key] for e in expected if key in e), key  # not one merged row
    for group_id in groups:
        own = frame.filter((pl.col("group_id") == group_id) & (pl.col("level") == "group"))
        assert own.height and (own["group_name"] == name).all()
        counts = {(r["term"], r["subject"]): r["pupils"] for r in own.iter_rows(named=True)}
        assert counts == group_pupils(home, group_id)
        # one unit row per term and subject: the group's own unit's
        units = frame.filter((pl.col("group_id") == group_id) & (pl.col("level") == "unit"))
        assert units.height == units.select("term", "subject").unique().height


def test_the_page_shows_only_the_chosen_groups_assessment(twins, monkeypatch):
    home, groups, name = twins
    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        for group_id, unit_id in groups.items():
            ((unit_name,),) = truth(home, "select name from dim_unit where unit_id = $u", u=unit_id)
            at = open_page("opettaja", "teacher_groups", ryhma=str(group_id))
            table = next(
                df.value
                for df in tables_of(at)
                if t("col.mean_grade") in df.value.columns and t("col.level") in df.value.columns
            )
            group_series, unit_series = t("groups.series_group", group=name), t("groups.series_unit", unit=unit_name)
            assert set(table[t("col.level")]) == {group_series, unit_series}
            own = table[table[t("col.level")] == group_series]
            latest = "kevat" if any(term == "kevat" for term, _ in group_pupils(home, group_id)) else "syksy"
            expected = {s: n for (term, s), n in group_pupils(home, group_id).items() if term == latest}
            assert len(own) == len(expected)  # one row per subject: not two groups' rows
            assert sorted(own[t("col.pupils")]) == sorted(expected.values())
            assert (table[t("col.level")] == unit_series).sum() == len(own)
            # the absences by group: a line for each 7A, named with its unit
            absences = next(df.value for df in tables_of(at) if t("col.hours_per_pupil") in df.value.columns)
            assert {
                f"{name} · {truth(home, 'select name from dim_unit where unit_id = $u', u=u)[0][0]}"
                for u in groups.values()
            } <= set(absences[t("col.group")])
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
