"""Issue 18 item 16: one sign-in entry per sign-in. A browser reload (a new Streamlit session signed in
again by the session cookie) or a rerun is no new sign-in and writes no sign-in entry; a real sign-in
through the form writes one; the first use of the session from another client address writes one
`session_resumed` entry (a copied cookie shows up in the log), and not again on its next reload."""

from __future__ import annotations

import pytest
from streamlit.runtime.context import ContextProxy

from tests.helpers import app, login
from tilannekuva.audit import AccessLog
from views import signin


def _actions(home, user: str, after: int = 0) -> list[str]:
    """`user`'s sign-in and session entries after entry `after`, oldest first."""
    entries = AccessLog(home / "state" / "access_log.sqlite").entries(user, limit=1000)
    return [e.action for e in reversed(entries) if e.target == "session" and e.entry_id > after]


def _last_entry(home) -> int:
    entries = AccessLog(home / "state" / "access_log.sqlite").entries(limit=1)
    return entries[0].entry_id if entries else 0


def _reload(monkeypatch, secret: str):
    """What a browser reload is to the app: a new session whose websocket request carries the cookie."""
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"tilannekuva_session": secret}))
    at = app()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def signed_in_with_form(demo_env):
    before = _last_entry(demo_env)
    at = login("rehtori")
    assert not at.exception and signin.COOKIE_KEY in at.session_state
    return before, at.session_state[signin.COOKIE_KEY][0]


@pytest.mark.parametrize(
    ("reloads", "reruns", "other_client", "expected"),
    [
        (0, 0, False, ["sign_in"]),  # the sign-in itself
        (1, 0, False, ["sign_in"]),  # a reload: the same sign-in, no entry (was a second 'sign_in')
        (3, 2, False, ["sign_in"]),  # reloads and reruns: still one entry (was four)
        (2, 0, True, ["sign_in", "session_resumed"]),  # the cookie used from elsewhere: once, not per reload
    ],
)
def test_one_sign_in_entry_per_sign_in(
    demo_env, monkeypatch, signed_in_with_form, reloads, reruns, other_client, expected
):
    before, secret = signed_in_with_form
    if other_client:
        monkeypatch.setattr(signin, "_client", lambda: "203.0.113.7")
    for _ in range(reloads):
        reloaded = _reload(monkeypatch, secret)
        assert reloaded.session_state[signin.PRINCIPAL_KEY].username == "rehtori"  # signed in by the cookie
        for _ in range(reruns):
            reloaded.run()
    assert _actions(demo_env, "rehtori", after=before) == expected
