"""Regression (issue 16, attack finding 1, access log): whoever can write the log file (the server's operator) deletes a
recent pupil-list export and still passes BOTH checks — `verify()` and `check_head()` against a chain
head exported earlier with its HMAC, the very head meant to make the log tamper-evident against them.

How: rebuild the file with the same code and a doctored clock — filler entries, then a `prune` whose
time (the anchor's `pruned_at`) is years in the FUTURE, so "the removed entries were older than the
retention period" and "the exported head was pruned after the retention period" both hold; then the
clock goes back to now. Nothing checks that a prune (or any entry) is not dated in the future, nor that
`logged_at` never goes backwards along the chain. No key is needed (the HMAC only covers the old head)."""

import time

import pytest

from tilannekuva.audit import DAY, AccessLog

KEY = b"k" * 64


def test_forged_future_prune_hides_a_recent_export(tmp_path):
    now = time.time()
    path = tmp_path / "access_log.sqlite"
    real = AccessLog(path, retention_days=1825, clock=lambda: now)
    for i in range(3):
        real.record("rehtori", "principal", "view", "support_signals", "principal_support", {"i": i}, 5, [1, 2])
    secret = real.record(
        "rehtori",
        "principal",
        "export",
        "support_signals",
        "principal_support",
        {"format": "csv"},
        51,
        list(range(1, 52)),
    )
    head = real.head(KEY)  # exported off the host, HMAC'd: names entry `secret`
    assert real.check_head(head, KEY).intact

    # The operator rewrites the file (no key needed).
    path.unlink()
    clock = {"t": now - 6 * 365 * DAY}
    forged = AccessLog(path, retention_days=1825, clock=lambda: clock["t"])
    for _ in range(secret + 1):  # filler entries with ids up to and past the exported head
        forged.record("system", "system", "view", "filler", "filler", {}, 0)
    clock["t"] = now + 6 * 365 * DAY  # a prune dated six years ahead
    forged.prune(before=now)
    clock["t"] = now  # back to the present: life goes on
    forged.record("admin", "admin", "view", "access_log", "admin_access_log", {}, 0)

    reopened = AccessLog(path, retention_days=1825)
    gone = [e for e in reopened.entries(limit=10_000) if e.target == "support_signals"]
    assert gone == []  # the 51-pupil export is gone...
    # ...and tampering must be evident:
    assert not reopened.verify().intact or not reopened.check_head(head, KEY).intact, (
        "a prune dated in the future hid a recent export from verify() and from the exported head"
    )


def test_an_entry_dated_in_the_future_breaks_the_chain(tmp_path):
    now = time.time()
    log = AccessLog(tmp_path / "log.sqlite", clock=lambda: now + 2 * DAY)
    log.record("a", "admin", "view", "x", "p", {}, 0)
    assert AccessLog(tmp_path / "log.sqlite").verify().problem == "time_future"


def test_an_entry_dated_before_its_predecessor_breaks_the_chain(tmp_path):
    now = time.time()
    clock = {"t": now}
    log = AccessLog(tmp_path / "log.sqlite", clock=lambda: clock["t"])
    log.record("a", "admin", "view", "x", "p", {}, 0)
    clock["t"] = now - DAY
    log.record("a", "admin", "view", "x", "p", {}, 0)
    assert log.verify().problem == "time_backwards"


def test_prune_refuses_when_the_newest_entry_is_in_the_future(tmp_path):
    """The clock set back (or a forged log): prune must not trust entries dated after now."""
    now = time.time()
    clock = {"t": now + 10 * 365 * DAY}
    log = AccessLog(tmp_path / "log.sqlite", retention_days=1825, clock=lambda: clock["t"])
    log.record("a", "admin", "view", "x", "p", {}, 0)
    clock["t"] = now
    with pytest.raises(ValueError):
        log.prune(before=now - 1826 * DAY)


def test_a_pruned_head_is_refused_when_the_log_starts_before_it(tmp_path):
    """Entries kept after the cut carry ids above the pruned head, so they cannot be dated before it."""
    now = time.time()
    path = tmp_path / "log.sqlite"
    real = AccessLog(path, retention_days=1825, clock=lambda: now)
    real.record("a", "admin", "export", "x", "p", {}, 3, [1, 2, 3])
    head = real.head(KEY)
    path.unlink()
    clock = {"t": now - 6 * 365 * DAY}
    forged = AccessLog(path, retention_days=1825, clock=lambda: clock["t"])
    forged.record("system", "system", "view", "filler", "filler", {}, 0)
    forged.record("system", "system", "view", "filler", "filler", {}, 0)
    clock["t"] = now - 5.5 * 365 * DAY
    forged.record("system", "system", "view", "filler", "filler", {}, 0)  # kept, dated before the head
    clock["t"] = now
    forged.prune(before=now - 5.8 * 365 * DAY)
    assert not forged.check_head(head, KEY).intact
