"""Attack (issue 21, item 3): on PostgreSQL an access-log trigger that was *disabled* stays disabled across app
restarts, while one that was *dropped* comes back — so the tail of the log can be cut for good, unnoticed.

Each app process starting (AccessLog.__init__ → StateDB.create with _PG_EXTRA) re-creates a missing trigger:
`if not exists (select 1 from pg_trigger where tgname = … )`. `ALTER TABLE access_log DISABLE TRIGGER
access_log_delete_only_pruned` (the app's own database user owns the table, so it may) leaves the row in
pg_trigger with tgenabled = 'D': the check is satisfied and the trigger is never enabled again. From then on
`delete from access_log where entry_id > N` simply works. Cutting the newest entries leaves an intact chain
(verify() == (True, None)); only a chain head exported earlier and kept elsewhere could tell.

On SQLite the same attacker drops the trigger (no DISABLE there) and the next start re-creates it
(`create trigger if not exists`): the delete is refused again. Expected on both: after a restart the
append-only rule holds again.
"""

from __future__ import annotations

from tests.rawstate import Raw
from tilannekuva.audit import AccessLog
from tilannekuva.statedb import integrity_errors


def test_an_access_log_trigger_switched_off_is_on_again_after_a_restart(state):
    log = AccessLog(state.db("access_log"))
    for i in range(10):
        log.record(
            "rehtori", "principal", "export", "support_signals", "principal_support", {"i": i}, 51, range(1000, 1051)
        )
    with Raw(state.db("access_log")) as raw:
        if state.backend == "postgresql":
            raw.execute("alter table access_log disable trigger access_log_delete_only_pruned")
            raw.execute("alter table access_log_subject disable trigger access_log_subject_delete_only_pruned")
        else:
            raw.drop_trigger("access_log_delete_only_pruned", "access_log")
            raw.drop_trigger("access_log_subject_delete_only_pruned", "access_log_subject")

    restarted = AccessLog(state.db("access_log"))  # an app process starts (or restarts) on this state
    cut = False
    with Raw(state.db("access_log")) as raw:
        try:
            raw.execute("delete from access_log_subject where entry_id > 7")
            raw.execute("delete from access_log where entry_id > 7")
            cut = True
        except integrity_errors():
            pass
    remaining = len(restarted.entries(limit=100))
    assert not cut, (
        f"after a restart the newest 3 exports were deleted ({remaining} entries left); "
        f"verify() says {tuple(restarted.verify())}"
    )
