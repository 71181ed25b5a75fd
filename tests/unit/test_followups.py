"""Follow-up marks: only pupils in the user's scope, latest mark wins, history kept (an update is refused by
the store itself); an admin viewing the app as the teacher cannot mark anything — on both state backends
(the `state` fixture), and marks made by one app process are what another shows."""

import dataclasses
import sqlite3
import threading

import polars as pl
import pytest

from tests.helpers import raw_state
from tilannekuva.access import Principal
from tilannekuva.followups import FollowUps
from tilannekuva.statedb import integrity_errors

TEACHER = Principal("opettaja", "Opettaja", "teacher", ("teacher_watch",), "groups", staff_id=10462, pupil_rows=True)


def _raw(state, sql: str):
    return raw_state(state, "followups", sql)


def test_marks_latest_wins_and_scope_is_enforced(state):
    store = FollowUps(state.db("followups"))
    store.mark(7, 2026, TEACHER, allowed=[7, 8], note="Puhuttu")
    store.mark(8, 2026, TEACHER, allowed=[7, 8])
    store.mark(8, 2026, TEACHER, allowed=[7, 8], followed=False)
    current = store.current(2026, [7, 8, 9])
    assert current["pupil_id"].to_list() == [7] and current["note"].to_list() == ["Puhuttu"]
    assert current["followed_by"].to_list() == ["opettaja"]
    assert store.current(2025, [7]).is_empty()
    with pytest.raises(PermissionError):
        store.mark(9, 2026, TEACHER, allowed=[7, 8])


def test_the_history_is_append_only_in_the_database_itself(state):
    store = FollowUps(state.db("followups"))
    store.mark(7, 2026, TEACHER, allowed=[7], note="Puhuttu")
    with pytest.raises(integrity_errors() + (sqlite3.DatabaseError,), match="append-only"):
        _raw(state, "update followup set note = 'x'")
    FollowUps(state.db("followups"))  # a second process starting: the trigger is made again, not doubled
    with pytest.raises(integrity_errors() + (sqlite3.DatabaseError,), match="append-only"):
        _raw(state, "update followup set followed = 0")
    assert store.current(2026, [7])["note"].to_list() == ["Puhuttu"]
    assert _raw(state, "select count(*) from followup") == [(1,)]


def test_a_mark_made_in_one_process_is_what_another_shows_and_marks_racing_all_land(state):
    """Two app processes (two StateDB objects): the teacher marks in one, the principal's page in the other
    shows it; marks made at the same moment from both are all kept, and the latest one wins."""
    one, other = FollowUps(state.db("followups")), FollowUps(state.db("followups"))
    one.mark(7, 2026, TEACHER, allowed=[7], note="Soitettu kotiin")
    shown = other.current(2026, [7])
    assert shown["note"].to_list() == ["Soitettu kotiin"]
    assert shown["followed_at"].dtype == pl.Datetime("ms") and shown["followed_by"].to_list() == ["opettaja"]
    start = threading.Barrier(2)

    def marks(store, pupils):
        start.wait()
        for pupil in pupils:
            store.mark(pupil, 2026, TEACHER, allowed=range(100))

    runs = [threading.Thread(target=marks, args=(s, range(i, 100, 2))) for i, s in enumerate((one, other))]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert sorted(other.current(2026, range(100))["pupil_id"].to_list()) == list(range(100))
    other.mark(7, 2026, TEACHER, allowed=[7], followed=False)
    assert 7 not in one.current(2026, range(100))["pupil_id"].to_list()


@pytest.mark.parametrize("followed", [True, False])
def test_an_admin_viewing_as_the_teacher_cannot_mark(state, followed):
    store = FollowUps(state.db("followups"))
    viewed = dataclasses.replace(TEACHER, viewed_by="admin")
    with pytest.raises(PermissionError, match="read-only"):
        store.mark(7, 2026, viewed, allowed=[7, 8], followed=followed)
    assert store.current(2026, [7, 8]).is_empty()
    assert _raw(state, "select count(*) from followup") == [(0,)]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Puhuttu\x00huoltajan kanssa", "Puhuttu huoltajan kanssa"),  # PostgreSQL's text cannot hold a NUL
        ("rivi\nrivi\ttab", "rivi rivi tab"),
        ("\ud800yksinäinen", " yksinäinen"),  # a lone surrogate has no UTF-8 on either backend
        ("Tavallinen muistiinpano", "Tavallinen muistiinpano"),
    ],
)
def test_a_note_with_control_characters_is_kept_on_every_backend(state, typed, kept):
    store = FollowUps(state.db("followups"))
    store.mark(7, 2026, TEACHER, allowed=[7], note=typed)
    assert store.current(2026, [7])["note"].to_list() == [kept]
