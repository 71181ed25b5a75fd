"""The visits behind "Mitä uutta" (tilannekuva.notifications): which snapshot a visit compares with, when that
was, and the read-only peek an admin's "see what this user sees" uses."""

from __future__ import annotations

import sqlite3

import pytest

from tests.helpers import Clock
from tilannekuva.notifications import Notifications
from tilannekuva.whatsnew import Snapshot


def snap(n: int) -> Snapshot:
    return Snapshot(version=f"v{n}")


# Each step: (session, clock, the baseline's version the visit returns, when that baseline was taken).
# The snapshot a step stores is v<clock>.
CASES = {
    "a first visit has no baseline": [("s1", 1000, None, None)],
    "a reload keeps the visit's baseline": [
        ("s1", 1000, None, None),
        ("s2", 2000, "v1000", 1000),
        ("s2", 2500, "v1000", 1000),
    ],
    "a new session compares with the latest snapshot of the previous one": [
        ("s1", 1000, None, None),
        ("s1", 1500, None, None),
        ("s2", 3000, "v1500", 1500),
        ("s3", 4000, "v3000", 3000),
    ],
}


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_a_visit_compares_with_the_previous_one_and_says_when_it_was(tmp_path, steps):
    clock = Clock(1000.0)
    store = Notifications(tmp_path / "n.sqlite", clock=clock)
    for session, now, baseline, at in steps:
        clock.now = now
        found = store.visit("rehtori", session, snap(now))
        assert (found.version if found else None) == baseline
        assert store.previous_visit("rehtori", session) == at


PEEKS = {
    "never visited": ([], None, None),
    "visited once": ([("s1", 1000)], "v1000", 1000),
    "in a session now": ([("s1", 1000), ("s2", 2000)], "v2000", 2000),
}


@pytest.mark.parametrize(("visits", "version", "at"), PEEKS.values(), ids=PEEKS.keys())
def test_peek_is_what_the_next_visit_compares_with_and_writes_nothing(tmp_path, visits, version, at):
    clock = Clock(1000.0)
    store = Notifications(tmp_path / "n.sqlite", clock=clock)
    for session, now in visits:
        clock.now = now
        store.visit("rehtori", session, snap(now))
    clock.now = 9000
    rows = sqlite3.connect(tmp_path / "n.sqlite").execute("select * from visit").fetchall()
    peeked = store.peek("rehtori")
    assert (peeked.version if peeked else None) == version
    assert store.previous_visit("rehtori") == at
    assert sqlite3.connect(tmp_path / "n.sqlite").execute("select * from visit").fetchall() == rows
    nxt = store.visit("rehtori", "next", snap(9000))  # the user's next visit sees what the peek showed
    assert (nxt.version if nxt else None) == version
