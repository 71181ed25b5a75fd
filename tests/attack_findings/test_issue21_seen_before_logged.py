"""Attack (issue 21, item 4): one failed access-log write, and the pupil list is never logged for the rest of the
sign-in.

views.access_log.log_view logs a view once per sign-in: it adds the view's key to the session's
`tk_logged_views` set *before* writing the entry (`seen.add(key)` then `_entry(...)()`). When the write fails —
with the state in PostgreSQL: the database restarting, failing over, a pool timeout under load
(StateUnavailable) — the key stays in the set although nothing was written. The page says the database is
unavailable; a moment later the database is back, the user clicks anything (or the page reruns) and the pupil
list is shown with its pupils, and log_view returns early: "already logged". The view is never logged.

Observed: 153 pupil rows shown, no view entry (both backends). Reproduction: rehtori opens principal_support while AccessLog.record raises StateUnavailable for that view
(as statedb does when PostgreSQL fails); the database comes back (record restored); the same browser session
reruns the page. Expected: the list on the screen and one 'view' entry of principal_support for it.
"""

from __future__ import annotations

import pytest

from tests.helpers import access_log_down, open_as, tables_of
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
def test_a_view_whose_log_write_failed_is_logged_when_it_is_shown_later(demo_env, monkeypatch):
    back = access_log_down(monkeypatch, "view")
    at = open_as("rehtori", "principal_support")
    back()  # the database is back
    at.run()  # any click on the page
    assert not at.exception, at.exception
    shown = sum(len(df.value) for df in tables_of(at))
    assert shown > 0
    views = [
        e
        for e in AccessLog(state_db(demo_env, "access_log")).entries("rehtori", limit=100)
        if e.action == "view" and e.page == "principal_support"
    ]
    assert views, f"{shown} pupil rows shown on principal_support after the database came back; no view entry"
