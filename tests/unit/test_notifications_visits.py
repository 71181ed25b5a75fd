"""The visits behind "Mitä uutta" (tilannekuva.notifications): which snapshot a visit compares with, when that
was, and the read-only peek an admin's "see what this user sees" uses — on both state backends (`state`),
and across app processes: a user's next visit may land on any of them."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import Clock, raw_state
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
def test_a_visit_compares_with_the_previous_one_and_says_when_it_was(state, steps):
    clock = Clock(1000.0)
    processes = [Notifications(state.db("notifications"), clock=clock) for _ in range(2)]
    for n, (session, now, baseline, at) in enumerate(steps):
        clock.now = now
        store = processes[n % 2]  # behind the proxy, each request of a session may reach either process
        found = store.visit("rehtori", session, snap(now))
        assert (found.version if found else None) == baseline
        assert store.previous_visit("rehtori", session) == at


PEEKS = {
    "never visited": ([], None, None),
    "visited once": ([("s1", 1000)], "v1000", 1000),
    "in a session now": ([("s1", 1000), ("s2", 2000)], "v2000", 2000),
}


@pytest.mark.parametrize(("visits", "version", "at"), PEEKS.values(), ids=PEEKS.keys())
def test_peek_is_what_the_next_visit_compares_with_and_writes_nothing(state, visits, version, at):
    clock = Clock(1000.0)
    store = Notifications(state.db("notifications"), clock=clock)
    for session, now in visits:
        clock.now = now
        store.visit("rehtori", session, snap(now))
    clock.now = 9000
    rows = raw_state(state, "notifications", "select * from visit")
    peeked = store.peek("rehtori")
    assert (peeked.version if peeked else None) == version
    assert store.previous_visit("rehtori") == at
    assert raw_state(state, "notifications", "select * from visit") == rows
    nxt = store.visit("rehtori", "next", snap(9000))  # the user's next visit sees what the peek showed
    assert (nxt.version if nxt else None) == version


def test_one_users_sessions_starting_at_once_in_two_processes_each_get_the_previous_visit(state):
    """Two tabs opened at the same moment, each served by another app process: the visits are one after the
    other, as if opened a moment apart — the first compares with yesterday's visit, the second with the
    first's snapshot — never a mix of the two (each visit reads and writes in one exclusive transaction)."""
    clock = Clock(1000.0)
    first = Notifications(state.db("notifications"), clock=clock)
    first.visit("rehtori", "yesterday", snap(1))
    clock.now = 2000.0
    processes = [Notifications(state.db("notifications"), clock=clock) for _ in range(2)]
    start, found = threading.Barrier(2), {}

    def open_tab(store, session, n):
        start.wait()
        found[session] = store.visit("rehtori", session, snap(n)).version

    tabs = [threading.Thread(target=open_tab, args=(p, f"tab{n}", 10 + n)) for n, p in enumerate(processes)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=60)
    earlier = next(tab for tab, version in found.items() if version == "v1")
    later = "tab1" if earlier == "tab0" else "tab0"
    assert found[later] == f"v1{earlier[-1]}"  # the earlier tab's snapshot
    assert first.peek("rehtori").version == f"v1{later[-1]}"
    assert (first.previous_visit("rehtori", earlier), first.previous_visit("rehtori", later)) == (1000.0, 2000.0)
