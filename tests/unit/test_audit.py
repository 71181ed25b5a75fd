"""The access log is append-only and its hash chain shows any edit — on both state backends (SQLite and
PostgreSQL: the `state` fixture), with any number of writers in any number of processes."""

import multiprocessing
import threading

import pytest

from tests.helpers import main_not_rerun
from tests.rawstate import Raw
from tilannekuva.audit import AccessLog
from tilannekuva.statedb import integrity_errors

REFUSED = integrity_errors()  # what a refused write raises on either backend


def test_entries_are_recorded_and_the_chain_verifies(state):
    log = AccessLog(state.db("access_log"))
    first = log.record(
        "rehtori", "principal", "view", "pupil_list", "principal_support", {"yksikko": 113, "lukuvuosi": 2026}, rows=27
    )
    log.record("rehtori", "principal", "export", "pupil_list", "principal_support", {"yksikko": 113}, rows=27)
    entries = log.entries()
    assert [e.action for e in entries] == ["export", "view"] and entries[1].entry_id == first
    assert entries[1].filters == {"lukuvuosi": 2026, "yksikko": 113} and entries[1].rows == 27
    assert log.verify() == (True, None)


def test_the_application_cannot_update_or_delete(state):
    log = AccessLog(state.db("access_log"))
    log.record("a", "teacher", "view", "pupil_list", "p", {}, rows=1, subjects=[5])
    with Raw(state.db("access_log")) as db:
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("update access_log set username = 'b'")
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("delete from access_log")
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("update access_log_subject set pupil_id = 4")
    assert log.verify() == (True, None) and len(log.entries()) == 1


def test_an_edit_behind_the_applications_back_breaks_the_chain(state):
    log = AccessLog(state.db("access_log"))
    for i in range(4):
        log.record("u", "principal", "view", "pupil_list", "p", {"i": i}, rows=i)
    third = log.entries()[1].entry_id
    with Raw(state.db("access_log")) as db:
        db.drop_trigger("access_log_no_update", "access_log")
        db.execute("update access_log set rows = 99 where entry_id = ?", (third,))
    assert log.verify() == (False, third)


def test_concurrent_writers_keep_one_chain(state):
    log = AccessLog(state.db("access_log"))
    threads = [
        threading.Thread(target=lambda: [log.record("u", "r", "view", "t", "p", {}, 1) for _ in range(10)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log.entries()) == 40 and log.verify() == (True, None)


def test_who_looked_at_this_pupil_and_the_pupils_are_in_the_chain(state):
    log = AccessLog(state.db("access_log"))
    log.record("rehtori", "principal", "view", "support_signals", "principal_support", {}, rows=2, subjects=[5, 3])
    log.record("opettaja", "teacher", "view", "group_pupils", "teacher_groups", {}, rows=1, subjects=[9])
    log.record("opettaja", "teacher", "export", "group_pupils", "teacher_groups", {}, rows=2, subjects=[3, 9])
    who = log.entries(pupil_id=3)
    assert [(e.username, e.action) for e in who] == [("opettaja", "export"), ("rehtori", "view")]
    assert who[1].subjects == (3, 5)
    assert log.verify() == (True, None)
    first = log.entries()[-1].entry_id
    with Raw(state.db("access_log")) as db:
        db.drop_trigger("access_log_subject_no_update", "access_log_subject")
        db.execute("update access_log_subject set pupil_id = 4 where pupil_id = 5")  # hide who saw pupil 5
    assert log.verify() == (False, first)


def test_monthly_use_feeds_m4_from_sign_ins_and_views(state):
    from tilannekuva.audit import monthly_use

    log = AccessLog(state.db("access_log"))
    log.record("rehtori", "principal", "sign_in", "session", "login", {"units": [113]}, 0)
    log.record("rehtori", "principal", "view", "support_signals", "principal_support", {"units": [113]}, 4)
    log.record("rehtori", "", "sign_in_failed", "session", "login", {}, 0)  # not use
    log.record("opettaja", "teacher", "sign_in", "session", "login", {"units": []}, 0)
    rows = {r["username"]: r for r in monthly_use(log)}
    assert rows["rehtori"]["page_views"] == 2 and rows["rehtori"]["unit_id"] == 113
    assert rows["rehtori"]["month"].day == 1 and rows["rehtori"]["source"] == "access_log"
    assert rows["opettaja"]["unit_id"] is None and rows["opettaja"]["role"] == "teacher"


class Clock:
    """The log's notion of now, moved by the test (retention is counted in days)."""

    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_retention_prunes_old_entries_behind_an_anchor_and_nothing_else(state):
    clock = Clock()
    log = AccessLog(state.db("access_log"), retention_days=30, clock=clock)
    for i in range(3):
        log.record("u", "principal", "view", "pupil_list", "p", {"i": i}, rows=1, subjects=[i])
    clock.now += 10 * 86400
    cutoff = clock.now
    for i in range(3, 5):
        log.record("u", "principal", "view", "pupil_list", "p", {"i": i}, rows=1, subjects=[i])
    with pytest.raises(ValueError, match="30 days"):
        log.prune(cutoff)  # not yet 30 days old
    clock.now += 30 * 86400
    assert log.prune(cutoff) == 3
    assert [e.filters["i"] for e in log.entries() if e.action != "prune"] == [4, 3]
    prune = log.entries(limit=1)[0]  # the prune is itself an entry in the chain
    assert (prune.action, prune.filters["last_entry_id"], prune.filters["removed"]) == ("prune", 3, 3)
    assert [(a.anchor_id, a.last_entry_id, a.removed) for a in log.anchors()] == [(1, 3, 3)]
    assert log.verify() == (True, None)  # the rest still verifies from the anchor
    assert log.prune(cutoff) == 0
    with Raw(state.db("access_log")) as db:
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("delete from access_log where entry_id = 5")  # recent entries stay undeletable
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("delete from access_log_anchor")
        with pytest.raises(REFUSED, match="append-only"):
            db.execute("update access_log_anchor set last_entry_id = 5")
    log.record("u", "principal", "view", "pupil_list", "p", {"i": 5}, rows=1)
    clock.now += 40 * 86400
    assert log.prune(clock.now - 30 * 86400) == 4  # a second prune takes the first prune entry too
    assert [a.last_entry_id for a in log.anchors()] == [3, 7]
    assert log.verify() == (True, None)


def test_prune_command_uses_the_retention_setting(state, monkeypatch, capsys):
    from tilannekuva.cli import main

    log = AccessLog(state.db("access_log"))
    log.record("u", "admin", "sign_in", "session", "login", {}, 0)
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(state.directory.parent))  # its state/ is the SQLite directory
    for name, value in state.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TILANNEKUVA_ACCESS_LOG_RETENTION_DAYS", "30")
    assert main(["access-log-prune"]) == 0 and "Removed 0" in capsys.readouterr().out  # a fresh entry stays
    assert main(["access-log-prune", "--days", "0"]) == 2
    assert main(["access-log-prune", "--days", "29"]) == 2 and "30 days" in capsys.readouterr().err
    assert main(["access-log-prune", "--days", "60"]) == 0
    assert len(log.entries()) == 1 and log.verify() == (True, None)


# --- several app processes, one log ---------------------------------------------------------------
PER_PROCESS = 60


def _append_from_another_process(where: str, tag: str, start, count: int) -> None:
    """One app process: its own AccessLog on `where` (a SQLite path or a PostgreSQL URL), appending
    `count` entries as fast as it can once every process is ready."""
    from tilannekuva.statedb import close_pools

    log = AccessLog(where)
    start.wait(60)
    for i in range(count):
        log.record(tag, "teacher", "view", "group_pupils", "teacher_groups", {"i": i}, rows=1, subjects=[i, 1000 + i])
    close_pools()


def test_two_processes_append_to_one_unbroken_chain(state):
    """Two app processes (each its own connection, pool and lock) and this one append at once: every entry
    is there exactly once, each names its predecessor's hash, and verify() finds the chain intact."""
    where = state.url or str(state.db("access_log").path)
    log = AccessLog(state.db("access_log"))
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing shared but the database
    start = spawn.Event()
    writers = [
        spawn.Process(target=_append_from_another_process, args=(where, f"p{n}", start, PER_PROCESS)) for n in (1, 2)
    ]
    with main_not_rerun():
        for w in writers:
            w.start()
    start.set()
    for i in range(PER_PROCESS // 2):
        log.record("p0", "teacher", "view", "group_pupils", "teacher_groups", {"i": i}, rows=1)
    for w in writers:
        w.join(120)
        assert w.exitcode == 0
    entries = log.entries(limit=10_000)
    by_writer = {tag: sum(e.username == tag for e in entries) for tag in ("p0", "p1", "p2")}
    assert by_writer == {"p0": PER_PROCESS // 2, "p1": PER_PROCESS, "p2": PER_PROCESS}
    assert len({e.entry_id for e in entries}) == len(entries) == 2 * PER_PROCESS + PER_PROCESS // 2
    assert all(e.subjects == (e.filters["i"], 1000 + e.filters["i"]) for e in entries if e.username != "p0")
    assert log.verify() == (True, None)
    assert AccessLog(state.db("access_log")).verify() == (True, None)  # and so says every other process
