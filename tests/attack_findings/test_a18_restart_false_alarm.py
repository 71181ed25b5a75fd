"""Attack on issue 18 item 16 (the other side of the same rule): which (session, address) pairs have been
seen lives only in the server process's memory (signin._clients_seen, st.cache_resource). After a restart —
a deploy, a crash, a nightly reboot — every signed-in user's next reload from the very address they signed
in from writes 'session_resumed', which the access-log page shows as 'Istunnon jatko toisesta osoitteesta'
(a session continued from another address: the copied-cookie signal). Every active user then looks like a
stolen cookie, and a real one is lost among them. The address a session was opened from is known when the
session is opened; it could be kept with the server-side session instead of in memory."""

from __future__ import annotations

from streamlit.runtime.context import ContextProxy

from tests.helpers import app, login
from tilannekuva.audit import AccessLog
from views import signin


def _actions(home, user: str) -> list[str]:
    entries = AccessLog(home / "state" / "access_log.sqlite").entries(user, limit=1000)
    return [e.action for e in reversed(entries) if e.target == "session"]


def test_a_reload_from_the_same_address_after_a_restart_is_not_a_session_from_another_address(demo_env, monkeypatch):
    monkeypatch.setattr(signin, "_client", lambda: "10.0.0.5")
    at = login("rehtori")
    assert not at.exception
    secret = at.session_state[signin.COOKIE_KEY][0]
    signin._clients_seen.clear()                    # the server restarts (the memory of seen pairs is gone)
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"tilannekuva_session": secret}))
    reloaded = app()
    reloaded.run()                                  # the principal's own browser, same address, reloads
    assert not reloaded.exception
    assert reloaded.session_state[signin.PRINCIPAL_KEY].username == "rehtori"
    assert _actions(demo_env, "rehtori") == ["sign_in"]
