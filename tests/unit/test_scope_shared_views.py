"""The scope views are created once per connection and shared by every cursor (tilannekuva.warehouse): the
scope itself must still be each fetch's own — users reading at the same moment never see each other's rows."""

import threading

import pytest

from tilannekuva import warehouse as wh

CASES = [
    ("johto", "units_in_scope", {}),
    ("rehtori", "units_in_scope", {}),
    ("rehtori2", "units_in_scope", {}),
    ("opettaja", "my_groups", {"school_year_id": 2026}),
    ("rehtori", "pupil_roster", {"unit_id": None, "school_year_id": 2026}),
    ("rehtori2", "pupil_roster", {"unit_id": None, "school_year_id": 2026}),
    ("opettaja", "pupil_roster", {"unit_id": None, "school_year_id": 2026}),
]


def test_the_views_are_made_once_per_connection_not_per_fetch(warehouse, principals):
    wh.close_all()
    warehouse.fetch(principals["rehtori"], "school_years")
    (con,) = wh._connections.values()
    made = con.sql("select count(*) from duckdb_views() where database_name = 'memory'").fetchall()[0][0]
    assert made == wh.scope_views_script().count("create or replace view memory.main.")
    for _ in range(3):
        warehouse.fetch(principals["opettaja"], "school_years")
    assert con.sql("select count(*) from duckdb_views() where temporary and not internal").fetchall()[0][0] == 0
    assert wh.open_connections() == [wh.current_file(warehouse.warehouse_dir).name]


def test_users_reading_at_once_each_see_their_own_scope(warehouse, principals):
    alone = {i: warehouse.fetch(principals[u], q, **p).frame for i, (u, q, p) in enumerate(CASES)}
    assert alone[1]["unit_id"].to_list() != alone[2]["unit_id"].to_list()  # the cases differ at all
    mismatches: list[str] = []

    def read(i: int) -> None:
        user, query, params = CASES[i]
        for _ in range(6):
            got = warehouse.fetch(principals[user], query, **params).frame
            if not got.equals(alone[i]):
                mismatches.append(f"{user} {query}: {got.height} rows, alone {alone[i].height}")

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(CASES)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("user", ["rehtori", "opettaja"])
def test_a_cursor_without_the_scope_variables_reads_nothing(warehouse, principals, user):
    """A view read on a cursor whose variables were never set (null scope) gives no rows, never all rows."""
    warehouse.fetch(principals[user], "school_years")
    with wh._lease(warehouse.warehouse_dir) as cursor:
        for view in ("scoped_unit", "scoped_group", "scoped_enrolment", "scoped_pupil", "scoped_absence"):
            assert cursor.sql(f"select count(*) from {view}").fetchall()[0][0] == 0, view
