"""Attack on issue 18 item 16 (one sign-in row per sign-in; 'session_resumed' for a session first used from
another address). The rule was built for the password cookie only: a single sign-on session used again —
the st.login cookie copied to another machine — goes through signin._sso_sign_in's "another tab or a
reload of the same sign-in" branch, which writes nothing and never looks at the client address. So a stolen
SSO session leaves no access-log trace at all (before issue 18 every cookie sign-in at least wrote a row),
while docs/SECURITY.md says `session_resumed` is written for the session cookie first used from another
client address."""

from __future__ import annotations

import pytest

from tests.helpers import app
from tilannekuva.audit import AccessLog
from views import signin, stores

ISSUER = "https://idp.example"
CLAIMS = {"is_logged_in": True, "iss": ISSUER, "sub": "rehtori-sub", "email": "rehtori@example.fi",
          "name": "Rehtori Demo", "iat": 1795000000, "nonce": "n1"}


def _actions(home, user: str) -> list[str]:
    entries = AccessLog(home / "state" / "access_log.sqlite").entries(user, limit=1000)
    return [e.action for e in reversed(entries) if e.target == "session"]


@pytest.fixture
def sso_env(demo_env, monkeypatch):
    monkeypatch.setenv("TILANNEKUVA_SSO", "true")
    monkeypatch.setenv("TILANNEKUVA_SSO_ISSUER", ISSUER)
    import streamlit as st

    st.cache_resource.clear()
    monkeypatch.setattr(signin, "_sso_user", lambda: dict(CLAIMS))
    settings = stores.settings()
    stores.identity_links(settings).link("rehtori", f"oidc:{ISSUER}#rehtori-sub", linked_by="admin")
    return demo_env


def _browser(monkeypatch, client: str):
    """A browser session (a new Streamlit session carrying the provider's cookie) from `client`."""
    monkeypatch.setattr(signin, "_client", lambda: client)
    at = app()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[signin.PRINCIPAL_KEY].username == "rehtori"
    return at


def test_a_single_sign_on_session_used_from_another_address_is_logged(sso_env, monkeypatch):
    _browser(monkeypatch, "10.0.0.5")            # the principal signs in at school
    _browser(monkeypatch, "10.0.0.5")            # a reload: no entry (issue 18)
    assert _actions(sso_env, "rehtori") == ["sign_in"]
    _browser(monkeypatch, "203.0.113.7")         # the same SSO session from an attacker's machine
    assert _actions(sso_env, "rehtori") == ["sign_in", "session_resumed"]
