"""Attack (issue 16, access log): whoever can write the log file (the server's operator) deletes a
recent pupil-list export and still passes BOTH checks — `verify()` and `check_head()` against a chain
head exported earlier with its HMAC, the very head meant to make the log tamper-evident against them.

How: rebuild the file with the same code and a doctored clock — filler entries, then a `prune` whose
time (the anchor's `pruned_at`) is years in the FUTURE, so "the removed entries were older than the
retention period" and "the exported head was pruned after the retention period" both hold; then the
clock goes back to now. Nothing checks that a prune (or any entry) is not dated in the future, nor that
`logged_at` never goes backwards along the chain. No key is needed (the HMAC only covers the old head)."""

import time

from tilannekuva.audit import DAY, AccessLog

KEY = b"k" * 64


def test_forged_future_prune_hides_a_recent_export(tmp_path):
    now = time.time()
    path = tmp_path / "access_log.sqlite"
    real = AccessLog(path, retention_days=1825, clock=lambda: now)
    for i in range(3):
        real.record("rehtori", "principal", "view", "support_signals", "principal_support", {"i": i}, 5, [1, 2])
    secret = real.record("rehtori", "principal", "export", "support_signals", "principal_support",
                         {"format": "csv"}, 51, list(range(1, 52)))
    head = real.head(KEY)                   # exported off the host, HMAC'd: names entry `secret`
    assert real.check_head(head, KEY).intact

    # The operator rewrites the file (no key needed).
    path.unlink()
    clock = {"t": now - 6 * 365 * DAY}
    forged = AccessLog(path, retention_days=1825, clock=lambda: clock["t"])
    for i in range(secret + 1):            # filler entries with ids up to and past the exported head
        forged.record("system", "system", "view", "filler", "filler", {}, 0)
    clock["t"] = now + 6 * 365 * DAY        # a prune dated six years ahead
    forged.prune(before=now)
    clock["t"] = now                        # back to the present: life goes on
    forged.record("admin", "admin", "view", "access_log", "admin_access_log", {}, 0)

    reopened = AccessLog(path, retention_days=1825)
    gone = [e for e in reopened.entries(limit=10_000) if e.target == "support_signals"]
    assert gone == []                       # the 51-pupil export is gone...
    # ...and tampering must be evident:
    assert not reopened.verify().intact or not reopened.check_head(head, KEY).intact, \
        "a prune dated in the future hid a recent export from verify() and from the exported head"
