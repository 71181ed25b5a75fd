"""Follow-up marks: only pupils in the user's scope, latest mark wins, history kept; an admin viewing
the app as the teacher cannot mark anything."""

import dataclasses
import sqlite3

import pytest

from tilannekuva.access import Principal
from tilannekuva.followups import FollowUps

TEACHER = Principal("opettaja", "Opettaja", "teacher", ("teacher_watch",), "groups", staff_id=10462, pupil_rows=True)


def test_marks_latest_wins_and_scope_is_enforced(tmp_path):
    store = FollowUps(tmp_path / "f.sqlite")
    store.mark(7, 2026, TEACHER, allowed=[7, 8], note="Puhuttu")
    store.mark(8, 2026, TEACHER, allowed=[7, 8])
    store.mark(8, 2026, TEACHER, allowed=[7, 8], followed=False)
    current = store.current(2026, [7, 8, 9])
    assert current["pupil_id"].to_list() == [7] and current["note"].to_list() == ["Puhuttu"]
    assert current["followed_by"].to_list() == ["opettaja"]
    assert store.current(2025, [7]).is_empty()
    with pytest.raises(PermissionError):
        store.mark(9, 2026, TEACHER, allowed=[7, 8])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sqlite3.connect(tmp_path / "f.sqlite").execute("update followup set note = 'x'")


@pytest.mark.parametrize("followed", [True, False])
def test_an_admin_viewing_as_the_teacher_cannot_mark(tmp_path, followed):
    store = FollowUps(tmp_path / "f.sqlite")
    viewed = dataclasses.replace(TEACHER, viewed_by="admin")
    with pytest.raises(PermissionError, match="read-only"):
        store.mark(7, 2026, viewed, allowed=[7, 8], followed=followed)
    assert store.current(2026, [7, 8]).is_empty()
    assert sqlite3.connect(tmp_path / "f.sqlite").execute("select count(*) from followup").fetchone() == (0,)
