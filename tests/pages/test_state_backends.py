"""Issue 21: the app's state (sessions, throttling, the access log) in PostgreSQL, shared by every app process —
and a clear message, not a traceback, when that database cannot be reached.

A sign-in and a sign-out through the real app, on both backends (`demo_env` indirectly "sqlite" and
"postgresql"): what a second process opening the same state sees. Then the state database down
(TILANNEKUVA_STATE_URL at a port nobody listens on): the sign-in page says so in the user's language and the
log says why."""

from __future__ import annotations

import logging

import pytest
from streamlit.runtime.context import ContextProxy

from deploy.servers import free_port
from tests.helpers import app, login
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import t
from tilannekuva.security import SecurityStore, session_id
from views import signin

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
@pytest.mark.parametrize("user", ["rehtori", "opettaja"])
def test_a_sign_out_in_another_process_ends_the_session_here(demo_env, request, monkeypatch, user):
    """Signed in through this app process; the sign-out happens in another one (its logout revokes the session
    in the shared state, as views.signin.logout does). The cookie then signs nobody in here."""
    backend = request.node.callspec.params["demo_env"]
    assert state_db(demo_env, "security").backend == backend  # the app really keeps its state there
    at = login(user)
    assert not at.exception and at.session_state[signin.PRINCIPAL_KEY].username == user
    secret = at.session_state[signin.COOKIE_KEY][0]
    other_process = SecurityStore(state_db(demo_env, "security"))
    assert other_process.session_of(secret) == (user, True)
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"tilannekuva_session": secret}))
    tab = app()  # a reload: the cookie signs the user in again
    tab.run()
    assert not tab.exception and tab.session_state[signin.PRINCIPAL_KEY].username == user
    assert other_process.revoke(user, session_id(secret)) == 1  # the sign-out, in the other process
    reloaded = app()
    reloaded.run()
    assert not reloaded.exception and signin.PRINCIPAL_KEY not in reloaded.session_state
    assert reloaded.text_input  # the sign-in form again
    assert SecurityStore(state_db(demo_env, "security")).session_of(secret) == (user, False)
    actions = [e.action for e in AccessLog(state_db(demo_env, "access_log")).entries(user, limit=5)]
    assert "sign_in" in actions
    assert AccessLog(state_db(demo_env, "access_log")).verify() == (True, None)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_unreachable_state_database_is_said_in_the_users_language_and_logged(demo_env, monkeypatch, caplog, lang):
    port = free_port()  # nobody listens there
    monkeypatch.setenv("TILANNEKUVA_STATE_URL", f"postgresql://tilannekuva@127.0.0.1:{port}/state")
    with caplog.at_level(logging.ERROR, logger="tilannekuva"):
        at = app(lang=lang)
        at.run()
        if at.text_input:  # the form needs nothing from the state: the attempt does
            at.text_input[0].input("rehtori")
            at.text_input[1].input("wrong-or-right")
            at.button[0].click().run()
    assert not at.exception, at.exception
    assert t("error.state_unavailable", lang) in [e.value for e in at.error]
    assert signin.PRINCIPAL_KEY not in at.session_state
    causes = [r.getMessage() for r in caplog.records if "state database is unavailable" in r.getMessage()]
    assert causes and f"127.0.0.1:{port}" in causes[0]
