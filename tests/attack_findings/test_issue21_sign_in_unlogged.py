"""Attack (issue 21, item 4): a sign-in whose access-log entry could not be written still signs the user in.

views.signin.login_page opens the server-side session and puts the Principal into the Streamlit session
(`_start_session`) *before* writing the `sign_in` entry. When that write fails — the state in PostgreSQL
failing between the two statements, or the access log's exclusive lock / a pool connection not coming within
30 s under load: StateUnavailable — app.py shows "the database is unavailable", but the session exists and the
Principal is kept: the next run (any click, or a reload with the cookie) is signed in, with no `sign_in` entry in
the access log, ever. The brief's access log is "who, when": this sign-in leaves no trace of when.

Expected: a sign-in that could not be logged does not stay signed in (revoke the session / clear the
Principal), or the entry is written before the session is handed out.
"""

from __future__ import annotations

import pytest

from tests.helpers import access_log_down, login
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from views import signin

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
def test_a_sign_in_that_could_not_be_logged_does_not_stay_signed_in(demo_env, monkeypatch):
    log = AccessLog(state_db(demo_env, "access_log"))
    before = max((e.entry_id for e in log.entries(limit=1)), default=0)  # earlier tests' sign-ins in this worker
    back = access_log_down(monkeypatch, "sign_in")
    at = login("rehtori")
    back()  # the database is back
    at.run()  # the next click
    entries = [e.action for e in log.entries("rehtori", limit=50) if e.entry_id > before]
    assert "sign_in" not in entries
    who = at.session_state[signin.PRINCIPAL_KEY].username if signin.PRINCIPAL_KEY in at.session_state else None
    assert who is None, f"signed in as {who} with no sign_in entry in the access log (entries: {entries})"
