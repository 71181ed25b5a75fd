"""Issue 21 (attack findings 1, 2 and 4): the state database fails exactly when an access-log entry is written.

Nothing the entry was for happens without it. A sign-in whose `sign_in` entry cannot be written leaves no
session (revoked in the store, forgotten by the Streamlit session); a session cookie or a single sign-on
session used from a new address whose `session_resumed` entry fails signs nobody in and stays a "new address"
(the entry is written on the next try); a named staff list whose view cannot be logged is not drawn. Each says
so in the user's language (error.state_unavailable), never in Streamlit's English error box. Both backends."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.context import ContextProxy

from tests.helpers import DEMO_PASSWORDS, access_log_down, app, login, open_as, tables_of
from tests.pages.test_sign_in_log import CLAIMS, ISSUER
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import t
from tilannekuva.security import SecurityStore
from views import signin, stores

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


def _last(home) -> int:
    return max((e.entry_id for e in AccessLog(state_db(home, "access_log")).entries(limit=1)), default=0)


def _actions(home, after: int) -> list[str]:
    entries = AccessLog(state_db(home, "access_log")).entries("rehtori", limit=100)
    return [e.action for e in reversed(entries) if e.entry_id > after]


def _said(at) -> list[str]:
    return [e.value for e in at.error] + [e.message[:60] for e in at.exception]


@BACKENDS
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_password_sign_in_whose_entry_fails_leaves_no_session(demo_env, monkeypatch, lang):
    before = _last(demo_env)
    back = access_log_down(monkeypatch, "sign_in")
    at = app(lang)
    at.run()
    at.text_input[0].input("rehtori")
    at.text_input[1].input(DEMO_PASSWORDS["rehtori"])
    at.button[0].click().run()
    assert _said(at) == [t("error.state_unavailable", lang)]
    assert signin.PRINCIPAL_KEY not in at.session_state and signin.COOKIE_KEY not in at.session_state
    sessions = SecurityStore(state_db(demo_env, "security"))
    with sessions.db.connect() as db:
        open_ones = db.execute("select count(*) from login_session where username = 'rehtori' and revoked_at is null")
        assert open_ones.fetchone()[0] == 0  # the session was opened, then revoked
    back()
    at.run()
    assert signin.PRINCIPAL_KEY not in at.session_state
    assert _actions(demo_env, before) == []


@BACKENDS
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_cookie_used_from_a_new_address_is_not_signed_in_until_that_is_logged(demo_env, monkeypatch, lang):
    before = _last(demo_env)
    at = login("rehtori")
    secret = at.session_state[signin.COOKIE_KEY][0]
    monkeypatch.setattr(signin, "_client", lambda: "203.0.113.7")
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"tilannekuva_session": secret}))
    back = access_log_down(monkeypatch, "session_resumed")
    reloaded = app(lang)
    reloaded.run()
    assert _said(reloaded) == [t("error.state_unavailable", lang)]
    assert signin.PRINCIPAL_KEY not in reloaded.session_state
    back()
    again = app(lang)
    again.run()  # the database is back: the same reload signs in, and says where from
    assert not again.exception and again.session_state[signin.PRINCIPAL_KEY].username == "rehtori"
    assert _actions(demo_env, before) == ["sign_in", "session_resumed"]  # the reload's one entry, now


@pytest.fixture
def sso(demo_env, monkeypatch):
    monkeypatch.setenv("TILANNEKUVA_SSO", "true")
    monkeypatch.setenv("TILANNEKUVA_SSO_ISSUER", ISSUER)
    st.cache_resource.clear()
    monkeypatch.setattr(signin, "_sso_user", lambda: dict(CLAIMS))
    stores.identity_links(stores.settings()).link("rehtori", f"oidc:{ISSUER}#rehtori-sub", linked_by="admin")
    return demo_env


def test_a_single_sign_on_whose_entry_fails_leaves_no_session(sso, monkeypatch):
    access_log_down(monkeypatch, "sign_in")
    at = app("fi")
    at.run()
    assert _said(at) == [t("error.state_unavailable", "fi")]
    assert signin.PRINCIPAL_KEY not in at.session_state
    found = SecurityStore(state_db(sso, "security")).session_of(signin._sso_secret(dict(CLAIMS)))
    assert found == ("rehtori", False)  # opened and revoked: the provider's cookie opens nothing later


@BACKENDS
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_staff_list_is_not_drawn_when_its_view_cannot_be_logged(demo_env, monkeypatch, lang):
    at = open_as("rehtori", "principal_staff", lang=lang)
    assert not at.exception, at.exception
    before = _last(demo_env)
    back = access_log_down(monkeypatch, "view", "principal_staff")
    at.toggle[0].set_value(False).run()  # everyone by name: a new view
    assert not [len(df.value) for df in tables_of(at) if len(df.value)]
    assert _said(at) == [t("error.state_unavailable", lang)]
    back()
    at.run()  # the database is back: drawn, and logged
    assert sum(len(df.value) for df in tables_of(at)) > 0
    views = [
        e
        for e in AccessLog(state_db(demo_env, "access_log")).entries("rehtori", limit=20)
        if e.entry_id > before and e.action == "view" and e.target == "staff_training_list"
    ]
    assert len(views) == 1, [(e.entry_id, e.logged_at, e.filters) for e in views]
