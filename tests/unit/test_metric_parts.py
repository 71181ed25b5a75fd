"""The metric parts are built at load time from the catalogue's SQL (tilannekuva.metric_parts).

A small city written by hand — two units, two school years, a few rows in every fact — goes through
the real rebuild (tilannekuva.aggregates.refresh_aggregates, as every demo build and load runs it);
the figures below are counted by hand from those rows. Adding M7 is one catalogue entry plus its SQL,
and a catalogue that disagrees with its SQL files stops the build.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from tilannekuva import duck
from tilannekuva.access import Principal
from tilannekuva.aggregates import refresh_aggregates
from tilannekuva.catalogue import catalogue, parse, source_text
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.metric_parts import PartsError, default_dir, parts_queries
from tilannekuva.publication import PublicationRules
from tilannekuva.warehouse import Warehouse, close_all, publish, schema_sql

AS_OF = dt.date(2026, 11, 20)  # the load day; the newest source (the sign-ins) ends on 10.11.2026
RULES = PublicationRules(threshold=5)

# Unit 1 (basic education, fi) and unit 2 (upper secondary, sv); school years 2025–2026 and 2026–2027.
ROWS = {
    "dim_school_year": [
        (2025, "2025–2026", dt.date(2025, 8, 1), dt.date(2026, 7, 31), False),
        (2026, "2026–2027", dt.date(2026, 8, 1), dt.date(2027, 7, 31), True),
    ],
    "dim_district": [(1, "Keskusta", "Centrum")],
    "dim_unit": [(1, "Koulu", "fi", "perusopetus", 1), (2, "Gymnasiet", "sv", "lukio", 1)],
    "dim_staff": [
        (1, "Riitta", "R", "rehtori", True),
        (2, "Outi", "O", "opettaja", False),
        (3, "Olli", "O", "ohjaaja", False),  # an assistant: staff for M1, not eligible for M4
        (4, "Lars", "L", "opettaja", False),
    ],
    "fct_employment": [
        (2025, 1, 1),
        (2025, 2, 1),
        (2025, 3, 1),
        (2025, 4, 2),
        (2026, 1, 1),
        (2026, 2, 1),
        (2026, 4, 2),
    ],
    # One pupil (the publication cubes are built too; they are no metric part).
    "dim_group": [(1, 2025, 1, "7A", 7, False), (2, 2026, 1, "8A", 8, False)],
    "dim_pupil": [(1, "Aino", "A", 2012, "fi")],
    "fct_enrolment": [(2025, 1, 1, 1), (2026, 1, 2, 1)],
    "fct_absence": [(2025, dt.date(2025, 9, 1), 1, 1, 1, 4.0, 0.0)],
    "fct_assessment": [
        (2025, "syksy", 1, 1, 1, "matematiikka", 8),
        (2025, "syksy", 1, 1, 1, "aidinkieli", 9),
        (2025, "kevat", 1, 1, 1, "matematiikka", 7),
    ],
    "fct_support_decision": [(1, 1, 1, 2025, "alkaen_2025", "ryhmakohtainen", "tukiopetus", dt.date(2025, 9, 1), None)],
    "dim_training": [
        (1, 2025, "Tietosuoja", "tietosuoja", dt.date(2025, 10, 1), 2.0, True),
        (2, 2026, "Digiturva", "digiturvallisuus", dt.date(2026, 9, 15), 1.0, False),
        (3, 2025, "Tiedonhallinta", "tiedonhallinta", dt.date(2026, 3, 1), 1.0, False),
    ],
    "fct_training_participation": [
        (1, 1, dt.date(2025, 10, 1)),  # staff 1 by 1.10.2025: before the same date (10.11.2025)
        (3, 2, dt.date(2026, 3, 1)),  # staff 2 in March: trained in 2025–2026, not by 10.11.2025
        (2, 1, dt.date(2026, 9, 15)),
        (1, 4, dt.date(2025, 10, 1)),
    ],
    "fct_training_feedback": [
        (1, 1, 1, 4, dt.date(2025, 10, 2)),
        (2, 1, 1, 5, dt.date(2025, 10, 2)),
        (3, 1, 2, 3, dt.date(2025, 10, 2)),
        (4, 2, 1, 2, dt.date(2026, 9, 16)),
    ],
    "agg_eservice_eligible": [
        (2025, "kaikki", "henkilosto", 1, 10),
        (2025, "kaikki", "oppilas", 1, 20),
        (2025, "wilma", "henkilosto", 1, 9),  # a service's own row: not M3's base
        (2026, "kaikki", "henkilosto", 1, 10),
    ],
    "stg_eservice__logins": [
        (dt.datetime(2025, 9, 3, 8), "wilma", "henkilosto", "k1", 1),
        (dt.datetime(2025, 9, 4, 8), "teams", "henkilosto", "k1", 1),  # the same person in two services
        (dt.datetime(2025, 9, 5, 8), "wilma", "henkilosto", "k2", 1),
        (dt.datetime(2025, 10, 1, 8), "oppimisalusta", "oppilas", "p1", 1),
        (dt.datetime(2026, 9, 10, 8), "wilma", "henkilosto", "k1", 1),
        (dt.datetime(2026, 10, 10, 8), "wilma", "henkilosto", "k1", 1),
        (dt.datetime(2026, 10, 11, 8), "wilma", "henkilosto", "k2", 1),
        (dt.datetime(2026, 11, 10, 8), "wilma", "henkilosto", "k1", 1),  # November is partial: left out
    ],
    "fct_dashboard_use": [
        (dt.date(2025, 9, 1), "riitta", "principal", 1, 5, "access_log"),
        (dt.date(2025, 10, 1), "riitta", "principal", 1, 0, "access_log"),  # signed in, no page views
        (dt.date(2025, 10, 1), "outi", "teacher", 1, 3, "access_log"),
    ],
    "fct_competence_survey": [
        (1, 2025, 1, 1, "digitaaliset_resurssit", 3),
        (1, 2025, 1, 1, "opetus_ja_oppiminen", 5),
        (1, 2025, 1, 1, "ymparisto_tuki", 1),  # an environment item: not M5
        (2, 2025, 2, 1, "digitaaliset_resurssit", 4),
    ],
    "fct_service_design_conversation": [
        (1, 2025, 1, "Palaute", dt.date(2025, 12, 1), 6),  # after 10.11.2025: not year to date
        (2, 2026, 1, "Palaute", dt.date(2026, 10, 1), 4),
        (3, 2026, 2, "Lärmiljö", dt.date(2026, 9, 1), 3),
        (4, 2026, 2, "Lärmiljö", dt.date(2026, 10, 1), 5),
    ],
}


def build_city(con: duckdb.DuckDBPyConnection, **options) -> None:
    con.execute(schema_sql())
    for table, rows in ROWS.items():
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({marks})", rows)
    refresh_aggregates(con, AS_OF, RULES, **options)


@pytest.fixture(scope="module")
def city():
    con = duck.connect()
    build_city(con)
    yield con
    con.close()


@pytest.mark.parametrize(
    "metric, year, unit, expected",
    [  # (num, den, events, num_to_date) counted by hand from ROWS; None = no row
        ("M1", 2025, 1, (2, 3, 3, 1)),  # staff 1 and 2 of 3 trained; by 10.11.2025 only staff 1
        ("M1", 2025, 2, (1, 1, 1, 1)),
        ("M1", 2026, 1, (1, 2, 2, 1)),
        ("M2", 2025, 1, (9, 2, 2, None)),  # ratings 4 + 5 of two answers
        ("M2", 2025, 2, (3, 1, 1, None)),
        ("M2", 2026, 1, (2, 1, 1, None)),
        ("M2", 2026, 2, None),  # no answers
        ("M3", 2025, 1, (3, 60, 30, None)),  # staff 2 in Sep + a pupil in Oct / (10 + 20 people × 2 months)
        ("M3", 2026, 1, (3, 20, 10, None)),  # Sep 1 + Oct 2 / (10 people × 2 complete months): Nov left out
        ("M3", 2025, 2, None),  # no one has access
        ("M4", 2025, 1, (2, 4, 2, None)),  # 2 user-months with views / (principal + teacher × 2 months)
        ("M4", 2025, 2, (0, 2, 1, None)),
        ("M4", 2026, 1, None),  # no use data in 2026–2027
        ("M5", 2025, 1, (12, 3, 2, None)),  # 3 + 5 + 4 over three area answers of two respondents
        ("M5", 2026, 1, None),
        ("M6", 2025, 1, (1, 1, 1, 0)),  # held in December: none by 10.11.2025
        ("M6", 2025, 2, (0, 1, 0, 0)),  # every unit counts in the denominator
        ("M6", 2026, 2, (1, 1, 2, 1)),
    ],
)
def test_the_materialised_parts_count_what_the_catalogue_says(city, metric, year, unit, expected):
    rows = city.execute(
        """select num, den, events, num_to_date from agg_metric_parts
           where metric = ? and school_year_id = ? and unit_id = ?""",
        [metric, year, unit],
    ).fetchall()
    assert rows == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    "year, user_type, expected",
    [  # (active_months, people, months, first_month, last_month, partial_month)
        (2025, "henkilosto", (2, 10, 2, dt.date(2025, 9, 1), dt.date(2025, 10, 1), None)),
        (2025, "oppilas", (1, 20, 2, dt.date(2025, 9, 1), dt.date(2025, 10, 1), None)),
        (2026, "henkilosto", (3, 10, 2, dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1))),
        (2026, "oppilas", None),
    ],
)
def test_m3_per_year_is_built_once_with_its_partial_month(city, year, user_type, expected):
    rows = city.execute(
        """select active_months, people, months, first_month, last_month, partial_month from agg_eservice_year
           where school_year_id = ? and unit_id = 1 and user_type = ?""",
        [year, user_type],
    ).fetchall()
    assert rows == ([] if expected is None else [expected])
    assert city.execute("select distinct data_as_of from agg_eservice_year").fetchall() == [(dt.date(2026, 11, 10),)]


def test_the_staff_answer_cells_are_hidden_from_the_materialised_answers(city):
    """pub_metric_hidden reads the events of agg_metric_parts: every unit here has under 5 answers."""
    hidden = city.execute(
        "select metric, school_year_id, unit_id from pub_metric_hidden where unit_id is not null order by all"
    ).fetchall()
    answered = city.execute(
        "select metric, school_year_id, unit_id from agg_metric_parts where metric in ('M2', 'M5') order by all"
    ).fetchall()
    assert hidden == answered and len(answered) == 4


@pytest.mark.parametrize(
    "sql, expected",
    [  # the benchmark rollups the bench_* views read, counted by hand from ROWS
        (
            "select score_sum, answers, respondents from agg_competence_by_area"
            " where school_year_id = 2025 and sector = 'perusopetus' and area = 'digitaaliset_resurssit'",
            [(7, 2, 2)],
        ),
        (
            "select area, score_sum, answers, respondents from agg_competence_by_unit"
            " where school_year_id = 2025 and unit_id = 1 and area like 'ymparisto%'",
            [("ymparisto_tuki", 1, 1, 1)],  # environment items are benchmarked by area too
        ),
        ("select training_id, rating_sum, answers from agg_training_feedback order by 1", [(1, 12, 3), (2, 2, 1)]),
        (
            "select term, subject, pupils, grade_sum, grades from agg_assessment_by_unit order by all",
            [("kevat", "matematiikka", 1, 7, 1), ("syksy", "aidinkieli", 1, 9, 1), ("syksy", "matematiikka", 1, 8, 1)],
        ),
    ],
)
def test_the_benchmark_rollups_are_built_at_load_time(city, sql, expected):
    assert city.execute(sql).fetchall() == expected


def test_the_apps_catalogue_and_its_parts_files_agree():
    materialised = [m.id for m in catalogue() if m.materialised]
    assert materialised == ["M1", "M2", "M3", "M4", "M5", "M6"]
    assert list(parts_queries()) == materialised


def with_metric(metric_id: str, parts: str = "agg_metric_parts", like: str = "M6"):
    raw = yaml.safe_load(source_text())
    raw["metrics"][metric_id] = {**copy.deepcopy(raw["metrics"][like]), "parts": parts}
    return parse(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), frozenset(CONTRACTS))


def parts_dir(tmp_path: Path, extra: dict[str, str]) -> Path:
    """A copy of the app's parts files plus `extra` ({file name: SQL}; SQL None removes the file)."""
    out = tmp_path / "parts"
    shutil.copytree(default_dir(), out)
    for name, sql in extra.items():
        if sql is None:
            (out / name).unlink()
        else:
            (out / name).write_text(sql, encoding="utf-8")
    return out


M7_SQL = """-- M7 conversation participants (test): participants per unit and school year.
select school_year_id, unit_id, sum(participants)::double as num, count(*)::double as den,
       count(*) as events, null::double as num_to_date
from fct_service_design_conversation
group by all
"""


def test_adding_m7_is_one_catalogue_entry_plus_its_sql(tmp_path):
    """M7's rows reach agg_metric_parts and the pages' query through the scope views, nothing else
    changed (no view, no page query, no Python)."""
    home = tmp_path / "warehouse"
    home.mkdir()
    path = home / "tilannekuva-m7.duckdb"
    con = duck.connect(str(path))
    build_city(con, catalogue=with_metric("M7"), parts_dir=parts_dir(tmp_path, {"M7.sql": M7_SQL}))
    assert con.execute(
        "select school_year_id, unit_id, num, den, events from agg_metric_parts where metric = 'M7' order by all"
    ).fetchall() == [(2025, 1, 6, 1, 1), (2026, 1, 4, 1, 1), (2026, 2, 8, 2, 2)]
    con.close()
    publish(home, path)
    lead = Principal("johto", "Johto", "sector_lead", ("sector_scorecard",), "all", suppress_pupil_aggregates=True)
    principal = Principal("rehtori", "Rehtori", "principal", ("principal_unit",), "units", unit_ids=(2,))
    try:
        frame = Warehouse(home).fetch(lead, "metric_parts_by_unit_year").frame
        assert frame.filter(metric="M7").select("school_year_id", "unit_id", "num").rows() == [
            (2025, 1, 6.0),
            (2026, 1, 4.0),
            (2026, 2, 8.0),
        ]
        frame = Warehouse(home).fetch(principal, "metric_parts_by_unit_year").frame
        assert frame.filter(metric="M7")["unit_id"].to_list() == [2]  # scoped like every metric
    finally:
        close_all()


@pytest.mark.parametrize(
    "new_metric, files, message",
    [
        (("M7", "agg_metric_parts"), {}, "M7 has `parts: agg_metric_parts` in the catalogue but no parts file M7.sql"),
        (None, {"M7.sql": M7_SQL}, "parts file M7.sql has no catalogue entry"),
        (("S5", "pub_support"), {"S5.sql": M7_SQL}, "parts file S5.sql has no catalogue entry"),
        (None, {"M4.sql": None}, "M4 has `parts: agg_metric_parts` in the catalogue but no parts file M4.sql"),
        (None, {"M2.sql": "select 1 as school_year_id, 2 as unit_id"}, "M2.sql returns school_year_id, unit_id; needs"),
        (None, {"M2.sql": "select * from no_such_table"}, "M2.sql does not run"),
        (None, {"M2.sql": "-- only a comment\n"}, "M2.sql does not run"),
        (
            ("M7", "agg_metric_parts"),
            {"M7.sql": M7_SQL.replace("group by all", "group by school_year_id, unit_id, participants")},
            "M7.sql returns a unit and school year twice",
        ),
    ],
)
def test_a_catalogue_and_parts_that_disagree_stop_the_build(tmp_path, new_metric, files, message):
    cat = with_metric(*new_metric) if new_metric else catalogue()
    con = duck.connect()
    try:
        with pytest.raises(PartsError, match=message.replace("`", ".").replace("(", ".")):
            build_city(con, catalogue=cat, parts_dir=parts_dir(tmp_path, files))
    finally:
        con.close()
