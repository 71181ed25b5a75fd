"""The load history (tilannekuva.ingest.history) on both state backends (the `state` fixture): a load's files
come back in the order they were given, the admin's table has whole numbers and the start in local time, an
identical file is a no-op only until something replaced its data, a killed load is marked interrupted — and
what one process (a `tilannekuva ingest` on another machine) wrote is what another reads."""

from __future__ import annotations

import datetime as dt
import sqlite3

import polars as pl
import pytest

from tilannekuva.ingest.history import FileRecord, LoadHistory
from tilannekuva.ingest.problems import Problem


def _file(name: str, source: str = "poissaolot", sha: str = "a" * 64, periods: str = "2026-10", **kw) -> FileRecord:
    return FileRecord(name, source, sha, 100, "csv", 10, 9, 8, periods, kw.pop("result", "loaded"), **kw)


def test_a_loads_files_come_back_in_the_order_given_with_their_problems(state):
    history = LoadHistory(state.db("loads"))
    names = ["yksikot.csv", "alueet.xlsx", "poissaolot.csv", "henkilosto.csv"]  # not in any sorted order
    bad = Problem("alueet.xlsx", "not_integer", row=3, column="area_id", values={"value": "kolme"})
    files = [_file(n, sha=f"{i}" * 64, problems=(bad,) if n == "alueet.xlsx" else ()) for i, n in enumerate(names)]
    load_id = history.start("tietohallinto")
    history.finish(load_id, "rejected", files, message="1 problems")
    again = LoadHistory(state.db("loads")).files(load_id)  # another process reads it
    assert [f.file_name for f in again] == names
    assert [f.problems for f in again] == [(), (bad,), (), ()]
    assert again[0] == files[0]


def test_the_admins_table_has_whole_numbers_and_the_start_in_local_time(state):
    history = LoadHistory(state.db("loads"))
    first = history.start("tietohallinto")
    history.finish(first, "loaded", [_file("a.csv"), _file("b.csv", source="henkilosto")], version="v1.duckdb")
    second = history.start("tietohallinto")
    history.finish(second, "failed", [], message="boom")
    table = history.loads(10)
    assert table.schema["rows_in"] == pl.Int64 and table.schema["started_at"] == pl.Datetime("us")
    assert table.select("load_id", "result", "files", "rows_in", "rows_accepted", "version").rows() == [
        (second, "failed", 0, None, None, None),
        (first, "loaded", 2, 20, 18, "v1.duckdb"),
    ]
    started = table["started_at"][1]
    assert started.microsecond == 0 and abs(started - dt.datetime.now()) < dt.timedelta(minutes=1)
    assert history.loads(1)["load_id"].to_list() == [second]


ALREADY = {
    # (what was loaded before, in order: (source, sha, periods, result) or "demo"), expected: which load counts
    "never loaded": ([], None),
    "loaded once": ([("poissaolot", "a", "2026-10", "loaded")], 1),
    "rejected is not loaded": ([("poissaolot", "a", "2026-10", "rejected")], None),
    "another source's load is no change": (
        [("poissaolot", "a", "2026-10", "loaded"), ("henkilosto", "b", "2026-10", "loaded")],
        1,
    ),
    "another file of the same periods replaced it": (
        [("poissaolot", "a", "2026-10", "loaded"), ("poissaolot", "b", "2026-10", "loaded")],
        None,
    ),
    "other periods do not replace it": (
        [("poissaolot", "a", "2026-10", "loaded"), ("poissaolot", "b", "2026-09", "loaded")],
        1,
    ),
    "a demo rebuild replaced everything": ([("poissaolot", "a", "2026-10", "loaded"), "demo"], None),
    "loaded again after being replaced": (
        [
            ("poissaolot", "a", "2026-10", "loaded"),
            ("poissaolot", "b", "2026-10", "loaded"),
            ("poissaolot", "a", "2026-10", "loaded"),
        ],
        3,
    ),
}


@pytest.mark.parametrize(("before", "expected"), ALREADY.values(), ids=ALREADY.keys())
def test_an_identical_file_is_a_no_op_only_until_something_replaced_its_data(state, before, expected):
    history = LoadHistory(state.db("loads"))
    ids = []
    for step in before:
        if step == "demo":
            ids.append(history.record_build("demo.duckdb", 1.5, run_by="admin"))
            continue
        source, sha, periods, result = step
        load_id = history.start("tietohallinto")
        history.finish(load_id, result, [_file(f"{source}.csv", source, sha * 64, periods, result=result)])
        ids.append(load_id)
    found = LoadHistory(state.db("loads")).already_loaded("poissaolot", "a" * 64)
    assert found == (ids[expected - 1] if expected else None)


def test_a_load_left_running_by_a_killed_process_is_marked_interrupted_by_the_next(state):
    killed = LoadHistory(state.db("loads"))
    left = killed.start("tietohallinto")
    done = killed.start("tietohallinto")
    killed.finish(done, "loaded", [])
    nxt = LoadHistory(state.db("loads"))  # the next `tilannekuva ingest`, perhaps on another machine
    assert nxt.mark_interrupted() == 1
    rows = {r["load_id"]: (r["result"], r["message"]) for r in nxt.loads().iter_rows(named=True)}
    assert rows == {left: ("failed", "interrupted"), done: ("loaded", None)}
    assert nxt.mark_interrupted() == 0


def test_a_history_written_before_files_had_a_position_keeps_their_order(tmp_path):
    """An existing data/state/loads.sqlite (files ordered by SQLite's rowid then) gets the column on start."""
    path = tmp_path / "state" / "loads.sqlite"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.executescript(
            "create table load (load_id integer primary key, kind text not null, started_at real not null, "
            "finished_at real, run_by text not null, result text not null, seconds real, version text, message text);"
            "create table load_file (load_id integer not null, file_name text not null, source text, "
            "sha256 text not null, size_bytes integer not null, format text, rows_in integer, rows_accepted integer, "
            "rows_replaced integer, periods text, result text not null, problems text);"
            "insert into load values (1, 'ingest', 1e9, 1e9, 'x', 'loaded', 1, 'v', null);"
        )
        db.executemany(
            "insert into load_file values (1, ?, 'poissaolot', ?, 1, 'csv', 1, 1, 0, '2026-10', 'loaded', null)",
            [("b.csv", "1" * 64), ("c.csv", "2" * 64), ("a.csv", "3" * 64)],
        )
    history = LoadHistory(path)
    assert [f.file_name for f in history.files(1)] == ["b.csv", "c.csv", "a.csv"]
    load_id = history.start("x")
    history.finish(load_id, "loaded", [_file("z.csv"), _file("y.csv")])
    assert [f.file_name for f in LoadHistory(path).files(load_id)] == ["z.csv", "y.csv"]
