"""Attack on issue 18 item 16: 'session_resumed' is the only trace a copied session cookie leaves now (a
cookie sign-in from an address already seen writes nothing). It keys on signin._client(), which, behind the
reverse proxy docs/SECURITY.md makes mandatory (TLS), is the proxy's own address for every user unless the
operator also sets `trusted_proxies` (default: none). In that default, the victim (10.0.0.5) and an attacker
anywhere else (198.51.100.9) both come from 127.0.0.1: the attacker's use of the stolen cookie is 'a reload'
and leaves no entry, although the forwarded addresses the proxy sent differ. (The throttling must not believe
an untrusted X-Forwarded-For; the log of who used a session could still tell the two apart.)"""

from __future__ import annotations

from streamlit.runtime.context import ContextProxy

from tests.helpers import app, login
from tilannekuva.audit import AccessLog
from views import signin


class _Headers(dict):
    def get_all(self, name):
        return [v for k, v in self.items() if k.lower() == name.lower()]

    def get(self, name, default=None):
        found = self.get_all(name)
        return found[0] if found else default


def _via_proxy(monkeypatch, forwarded_for: str) -> None:
    """A request through a same-host reverse proxy: uvicorn (FORWARDED_ALLOW_IPS default loopback) has put the
    header's entry in place of the peer, as it does; the header is still there."""
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: forwarded_for))
    monkeypatch.setattr(ContextProxy, "headers", property(lambda self: _Headers({"X-Forwarded-For": forwarded_for})))


def _actions(home, user: str) -> list[str]:
    entries = AccessLog(home / "state" / "access_log.sqlite").entries(user, limit=1000)
    return [e.action for e in reversed(entries) if e.target == "session"]


def test_a_stolen_cookie_from_another_machine_behind_the_proxy_is_logged(demo_env, monkeypatch):
    _via_proxy(monkeypatch, "10.0.0.5")
    at = login("rehtori")
    assert not at.exception
    secret = at.session_state[signin.COOKIE_KEY][0]
    _via_proxy(monkeypatch, "198.51.100.9")                     # the attacker, elsewhere
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"tilannekuva_session": secret}))
    stolen = app()
    stolen.run()
    assert not stolen.exception
    assert stolen.session_state[signin.PRINCIPAL_KEY].username == "rehtori"   # the cookie signs the attacker in
    assert _actions(demo_env, "rehtori") == ["sign_in", "session_resumed"]
