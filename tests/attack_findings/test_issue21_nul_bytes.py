"""Attack (issue 21, item 5): a NUL byte typed into the sign-in form on the PostgreSQL backend.

SQLite keeps any text; PostgreSQL's text cannot hold U+0000 and psycopg refuses the parameter with
`psycopg.DataError` — which tilannekuva.statedb does not turn into StateUnavailable (only OperationalError and
PoolTimeout are), and the sign-in page (app.py: `signed_out.run()` catches only StateUnavailable) lets it through
as Streamlit's exception box ("This app has encountered an error…", English, on the public signed-out
page; the psycopg.DataError and its traceback go to the server log).
The same username on SQLite is an ordinary failed sign-in ("Väärä käyttäjätunnus tai salasana").

The failed attempt is also never recorded (the error comes from throttle_wait, before record_attempt), and
nothing is written to the access log for it: on PostgreSQL such attempts are invisible to throttling and audit.
"""

from __future__ import annotations

import pytest

from tests.helpers import login
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import t

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
def test_a_nul_byte_in_the_username_is_a_failed_sign_in_not_a_traceback(demo_env):
    at = login("rehtori\x00", "arvaus")
    assert not at.exception, f"the sign-in page shows a traceback: {at.exception[0].message if at.exception else ''}"
    assert t("login.failed", "fi") in [e.value for e in at.error]
    actions = [e.action for e in AccessLog(state_db(demo_env, "access_log")).entries(limit=5)]
    assert "sign_in_failed" in actions
