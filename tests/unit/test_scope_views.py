"""sql/_scope.sql does scope only: the metric model is built at load time, never per fetch.

The rule, checked on every view of _scope.sql with DuckDB's own parser:
  1. Every view is a scope view a query may read (`scoped_*`, `bench_*`) or a per-viewer helper
     (`viewer_*`): no intermediate model view (such as the old `metric_parts_all` and
     `eservice_year_all`, which recomputed M1–M6 from the facts on every fetch).
  2. A view that aggregates (an aggregate function or GROUP BY anywhere in it) reads no fact or staging
     table (`fct_*`, `stg_*`) — metric parts come from the load-time tables (agg_metric_parts,
     agg_eservice_year, agg_training_reach) — unless it is per viewer: a `viewer_*` view counting the
     signed-in person's own rows (getvariable('scope_staff')), which no load can build in advance.
Filtering a fact by scope (scoped_absence), marking suppression (is_suppressed over pub_metric_hidden)
and summing load-time parts by sector (bench_metric_parts) are scope and stay.
"""

from __future__ import annotations

import json
import re

import pytest

from tilannekuva import duck
from tilannekuva.queries import relations_read, scope_script

VIEW = re.compile(r"create or replace temp view (\w+) as\s+(.*?);\s*$", re.IGNORECASE | re.DOTALL | re.MULTILINE)
PREFIXES = ("scoped_", "bench_", "viewer_")


def views(script: str) -> dict[str, str]:
    body = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return {m.group(1).lower(): m.group(2) for m in VIEW.finditer(body)}


def aggregate_names() -> frozenset[str]:
    con = duck.connect()
    try:
        return frozenset(
            n
            for (n,) in con.sql(
                "select function_name from duckdb_functions() where function_type = 'aggregate'"
            ).fetchall()
        )
    finally:
        con.close()


AGGREGATES = aggregate_names()


def _aggregates(node) -> bool:
    if isinstance(node, dict):
        if node.get("group_expressions"):
            return True
        if node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in AGGREGATES:
            return True
        return any(_aggregates(v) for v in node.values())
    if isinstance(node, list):
        return any(_aggregates(v) for v in node)
    return False


def aggregates(sql: str) -> bool:
    con = duck.connect()
    try:
        (tree,) = con.execute("select json_serialize_sql($q)", {"q": sql}).fetchone()
    finally:
        con.close()
    tree = json.loads(tree)
    assert not tree.get("error"), tree
    return _aggregates(tree["statements"])


def offences(script: str) -> list[str]:
    found = []
    for name, sql in views(script).items():
        if not name.startswith(PREFIXES):
            found.append(f"{name}: not a scope view")
        facts = sorted(r for r in relations_read(sql) if r.startswith(("fct_", "stg_")))
        if facts and aggregates(sql) and not (name.startswith("viewer_") and "getvariable('scope_staff')" in sql):
            found.append(f"{name}: aggregates {', '.join(facts)}")
    return found


def test_the_scope_script_does_scope_only():
    script = scope_script()
    assert len(views(script)) == script.lower().count("create or replace temp view")  # every view was parsed
    assert offences(script) == []


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("create or replace temp view scoped_absence as\nselect a.* from fct_absence a where a.unit_id = 1;", []),
        (
            "create or replace temp view metric_parts_all as\nselect unit_id, num from agg_metric_parts;",
            ["metric_parts_all: not a scope view"],
        ),
        (  # today's M2 part as a scope view: a metric computed from the facts on every fetch
            "create or replace temp view scoped_m2 as\nselect unit_id, sum(rating) as num, count(*) as den\n"
            "from fct_training_feedback group by all;",
            ["scoped_m2: aggregates fct_training_feedback"],
        ),
        (  # an aggregate inside a subquery counts too
            "create or replace temp view bench_x as\nselect u.* from dim_unit u\n"
            "where u.unit_id in (select unit_id from fct_absence group by unit_id having sum(absence_hours) > 9);",
            ["bench_x: aggregates fct_absence"],
        ),
        (
            "create or replace temp view bench_m as\nselect sector, sum(num) as num from agg_metric_parts\n"
            "join dim_unit using (unit_id) group by all;",
            [],
        ),
        (
            "create or replace temp view viewer_answers as\nselect count(*) as n from fct_competence_survey\n"
            "where staff_id = getvariable('scope_staff');",
            [],
        ),
        (  # a viewer_ view over everyone's rows is no per-viewer view
            "create or replace temp view viewer_all as\nselect count(*) as n from fct_competence_survey;",
            ["viewer_all: aggregates fct_competence_survey"],
        ),
    ],
)
def test_the_rule_finds_metric_computations(sql, expected):
    assert offences(sql) == expected
