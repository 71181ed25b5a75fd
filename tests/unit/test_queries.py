"""Every query file reads only scoped relations, checked with DuckDB's own parser."""

import pytest

from tilannekuva.queries import QueryError, load_query, query_names, relations_read


@pytest.mark.parametrize("name", query_names())
def test_query_files_read_only_scoped_relations(name):
    spec = load_query(name)
    assert all(r.startswith(("scoped_", "bench_")) for r in relations_read(spec.sql))
    assert spec.grain in ("aggregate", "pupil", "staff")
    for param in spec.params:
        assert f"${param}" in spec.sql


@pytest.mark.parametrize(
    "sql, culprit",
    [
        ("select * from dim_pupil", "dim_pupil"),
        ("with x as (select * from scoped_unit) select * from x join fct_absence using (unit_id)", "fct_absence"),
        ("select * from scoped_unit where unit_id in (select unit_id from main.dim_unit)", "dim_unit"),
        ("select * from read_parquet('/etc/passwd')", "table_function:read_parquet"),
        ("select * from scoped_unit union all select * from read_csv('x.csv')", "table_function:read_csv"),
    ],
)
def test_the_parser_finds_unscoped_reads(sql, culprit):
    assert culprit in relations_read(sql)


@pytest.mark.parametrize("name", ["_scope", "../demo", "no_such_query", "x.sql"])
def test_unknown_or_private_names_are_refused(name):
    with pytest.raises(QueryError):
        load_query(name)
