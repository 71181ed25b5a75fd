"""Follow-up marks: only pupils in the user's scope, latest mark wins, history kept."""

import sqlite3

import pytest

from tilannekuva.followups import FollowUps


def test_marks_latest_wins_and_scope_is_enforced(tmp_path):
    store = FollowUps(tmp_path / "f.sqlite")
    store.mark(7, 2026, "opettaja", allowed=[7, 8], note="Puhuttu")
    store.mark(8, 2026, "opettaja", allowed=[7, 8])
    store.mark(8, 2026, "opettaja", allowed=[7, 8], followed=False)
    current = store.current(2026, [7, 8, 9])
    assert current["pupil_id"].to_list() == [7] and current["note"].to_list() == ["Puhuttu"]
    assert store.current(2025, [7]).is_empty()
    with pytest.raises(PermissionError):
        store.mark(9, 2026, "opettaja", allowed=[7, 8])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sqlite3.connect(tmp_path / "f.sqlite").execute("update followup set note = 'x'")
