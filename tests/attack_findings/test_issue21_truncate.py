"""Attack (issue 21): the access log on PostgreSQL is wiped by one TRUNCATE, and verify() says "intact".

The module docstring of tilannekuva.audit promises the rows are "never updated or deleted by the application
(triggers refuse it, on both backends)". On SQLite, `delete from access_log` is refused by a trigger, so
wiping the log needs DDL (dropping the triggers). On PostgreSQL the app's own database user (the one in
state_url, the owner of tk_access_log) can `TRUNCATE access_log, access_log_subject` in ONE statement: row
triggers (before update/delete) do not fire on TRUNCATE and there is no `before truncate` trigger. The
identity sequence is not reset, so the entries written afterwards start a fresh chain from GENESIS at a
high entry id — and verify() reports the wiped log as intact (no anchor, no prune entry needed).

Expected: the TRUNCATE is refused (a statement-level `before truncate` trigger, or a role without the
TRUNCATE privilege), or verify() notices that entries are missing (e.g. the first kept entry's id is not
1 and no anchor explains it).
"""

from __future__ import annotations

import pytest

from tests.rawstate import Raw
from tilannekuva.audit import AccessLog


@pytest.mark.parametrize("state", ["postgresql"], indirect=True)  # TRUNCATE is PostgreSQL's; SQLite has none
def test_truncate_wipes_the_access_log_and_verify_still_says_intact(state):
    log = AccessLog(state.db("access_log"))
    for i in range(1, 11):
        log.record(
            "rehtori",
            "principal",
            "export",
            "support_signals",
            "principal_support",
            {"units": [113], "i": i},
            rows=51,
            subjects=range(1000, 1051),
        )
    assert log.verify() == (True, None)

    refused = False
    with Raw(state.db("access_log")) as raw:
        try:
            raw.execute("truncate access_log, access_log_subject")
        except Exception:  # noqa: BLE001 - refused: what we want
            refused = True
    if refused:
        return
    # The app goes on writing; the chain restarts from GENESIS at entry 11.
    log.record("opettaja", "teacher", "view", "group_pupils", "teacher_groups", {}, rows=1, subjects=[1])
    remaining = log.entries()
    assert [e.entry_id for e in remaining] == [11]  # 10 exports of 51 pupils each are gone
    assert log.verify() != (True, None), "ten pupil-list exports vanished with one TRUNCATE; verify() says intact"
