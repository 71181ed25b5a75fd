"""Signing in and out: the password form, the session cookie and single sign-on (st.login).

On every run of app.py:
  1. `sign_in(settings)` — a session cookie signs the user in only if its random secret's hash
     names an active session (tilannekuva.security); a revoked, expired, idle or unknown cookie is
     refused, logged and deleted. A signed-in session is re-checked and marked used.
  2. The login page (`login_page`) throttles failed attempts per username + client address (an
     address uvicorn's X-Forwarded-For handling cannot spoof: `_client`) before the password is
     checked, checks unknown usernames at the same bcrypt cost, and on success opens one server-side
     session whose id this Streamlit session keeps and whose secret goes into the cookie (written by
     a script in the page, `_cookie_script`).
     A browser reload or a new tab is a new Streamlit session that the cookie signs in again: that is
     no new sign-in and writes no sign-in entry to the access log (as a reload of a single sign-on
     session writes none); the first time a session (password or single sign-on) is used from another
     client address it writes a `session_resumed` entry, so a copied cookie shows up in the log. The
     addresses a session has been used from are kept with it in the security store (`_seen_from`), so
     a restart or a second server process does not take a reload for another address.
  3. `logout` revokes that session id — no cookie needs to be read back — and the next run deletes
     the cookie; `signed_in()` re-checks the session on every run, so a logout, a role change or an
     idle timeout ends it in every tab.
Who the pages act as (the signed-in user, or the user an admin views the app as) is views.view_as.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time

import streamlit as st

from tilannekuva.access import AccessError, NoRoleError, Principal, load_users
from tilannekuva.files import read_yaml
from tilannekuva.i18n import t
from tilannekuva.identities import ForeignIdentity, identity_from_claims, user_with_email
from tilannekuva.security import (
    client_address,
    prepare_password_check,
    session_id,
    typed_username,
    untrusted_forwarded_for,
    verify_password,
)
from tilannekuva.settings import Settings
from tilannekuva.statedb import StateUnavailable
from views import access_log as audit
from views import media, stores
from views.language import LANG_APPLIED_KEY, language

log = logging.getLogger("tilannekuva.app")

# What this Streamlit session keeps of its sign-in; a sign-out clears all of it.
PRINCIPAL_KEY = "tk_principal"            # the signed-in Principal
TOKEN_KEY = "tk_session_token"            # the server-side session id (hash) of this sign-in
SSO_SESSION_KEY = "tk_sso_session"        # this sign-in came through single sign-on
COOKIE_KEY = "tk_cookie"                  # (secret, expires_at) this session writes into the cookie
VIEW_AS_KEY = "tk_view_as"                # an admin viewing the app as this username (views.view_as)
DELETE_COOKIE_KEY = "tk_delete_cookie"    # signed out here: delete the cookie, never sign in from it


def signed_in() -> Principal | None:
    """The user who actually signed in (an admin stays the admin while viewing as someone), or None
    unless this session's server-side session is still active."""
    principal = st.session_state.get(PRINCIPAL_KEY)
    conf = stores.settings()
    if principal is None or conf is None or not stores.security_store(conf).is_active(
            principal.username, st.session_state.get(TOKEN_KEY)):
        return None
    return principal


def _credentials(settings: Settings) -> dict:
    import yaml

    try:
        raw = read_yaml(settings.credentials_file) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.error("cannot read the credentials file %s: %s", settings.credentials_file, exc)
        return {"usernames": {}}
    creds = raw.get("credentials") or {"usernames": {}}
    # Only bcrypt hashes are accepted; anything else (a plaintext password, say) can never match.
    for user in (creds.get("usernames") or {}).values():
        if not str(user.get("password", "")).startswith("$2"):
            user["password"] = "!invalid"
    return creds


def _context_str(name: str) -> str | None:
    """A string attribute of st.context, or None (outside a browser session it may be absent)."""
    value = getattr(st.context, name, None)
    return value if isinstance(value, str) and value else None


def _address_parts() -> tuple:
    """What the client address is derived from: (reported peer, X-Forwarded-For values, trusted_proxies,
    the hosts uvicorn trusts)."""
    headers = getattr(st.context, "headers", None)
    try:
        forwarded = list(headers.get_all("X-Forwarded-For")) if headers is not None else []
    except AttributeError:
        forwarded = []
    server_trusted = tuple(h.strip() for h in os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
                           if h.strip())
    conf = stores.settings_or_none()
    return _context_str("ip_address"), forwarded, conf.trusted_proxies if conf else (), server_trusted


def _client() -> str:
    """The client address for throttling and the log: X-Forwarded-For only from `trusted_proxies`."""
    return client_address(*_address_parts())


_untrusted_proxy_warned = threading.Event()


def _seen_from() -> tuple[str, dict]:
    """Who uses a session, for telling a copied session cookie from a reload (never for throttling):
    (client identity, its log detail). Behind a proxy that is not in `trusted_proxies`, `_client()` is the
    proxy for everyone; then the identity is the proxy plus the right-most X-Forwarded-For entry (the
    address the proxy saw), unverified, and the detail says so. A header sent straight to the app can
    only add such identities (entries), never make another address look like the session's own."""
    client = _client()
    forwarded = untrusted_forwarded_for(*_address_parts())
    if forwarded is None:
        return client, {"client": client}
    if not _untrusted_proxy_warned.is_set():
        _untrusted_proxy_warned.set()
        log.warning("X-Forwarded-For arrives from %s, which is not in trusted_proxies: every user's address is the "
                    "proxy's (throttling counts them as one client); configure trusted_proxies", client)
    identity = f"{client} > {forwarded}"
    return identity, {"client": identity, "proxy": client, "forwarded_for": forwarded,
                      "client_basis": "untrusted_proxy_forwarded_for"}


def _cookie_script(settings: Settings, secret: str | None, expires_at: float = 0.0) -> None:
    """Write (or, with no secret, delete) the session cookie from a script in the page: SameSite=Strict,
    Path=/, Secure when served over HTTPS, no Expires (gone when the browser closes). Rendered on every run that needs
    it (it is idempotent), so a rerun that interrupts one run cannot lose it."""
    name = settings.cookie_name
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or (secret and not re.fullmatch(r"[A-Za-z0-9_-]+", secret)):
        raise ValueError("cookie name and secret must be URL-safe tokens")
    # A browser-session cookie (no Expires): closing the browser on a shared staff-room PC ends it in
    # the browser too; the server keeps the lifetime and the idle timeout either way.
    life = "" if secret else "; Max-Age=0"
    cookie = json.dumps(f"{name}={secret or ''}; Path=/; SameSite=Strict{life}")
    st.sidebar.html(f"<script>document.cookie = {cookie} + (location.protocol === 'https:' ? '; Secure' : '');"
                    "</script>", unsafe_allow_javascript=True)


def _resumed_elsewhere(settings: Settings, principal: Principal, sid: str, method: str) -> None:
    """Write one `session_resumed` entry the first time session `sid` is used from a client identity it
    was neither opened from nor used from before (kept in the security store: restarts and several server
    processes agree); a reload or a new tab from a known address writes nothing."""
    client, detail = _seen_from()
    store = stores.security_store(settings)
    if store.first_use_from(sid, client):
        log.warning("session of %s (%s) used from another address: %s", principal.username, method, client)
        try:
            audit.record(settings, principal.username, principal.role, "session_resumed", "session", method,
                         {**detail, "method": method}, 0)
        except BaseException:
            # Not logged: this Streamlit session is not signed in, and the address stays new, so the next try
            # (once the database is back) writes the entry.
            _sign_out_state()
            _quietly(lambda: store.forget_use(sid, client), "forget the use of a session from %s", client)
            raise


def _sign_out_state() -> None:
    for key in (PRINCIPAL_KEY, TOKEN_KEY, COOKIE_KEY, LANG_APPLIED_KEY, VIEW_AS_KEY, SSO_SESSION_KEY):
        st.session_state.pop(key, None)


def _quietly(step, what: str, *args) -> None:
    """A clean-up step after a failed write: its own failure (the database is still away) is logged, and the
    first failure is the one raised."""
    try:
        step()
    except StateUnavailable as exc:
        log.error("could not " + what + ": %s", *args, exc)


def _logged_sign_in(settings: Settings, principal: Principal, method: str, detail: dict) -> None:
    """The `sign_in` entry of a session just opened (`_start_session`). A sign-in is never kept without its
    entry: when the entry cannot be written (StateUnavailable), the session is revoked and this Streamlit
    session forgets it (no Principal, no cookie written), and the error goes on to app.py's message."""
    try:
        audit.record(settings, principal.username, principal.role, "sign_in", "session", method, detail, 0)
    except BaseException:
        sid = st.session_state.get(TOKEN_KEY)
        _sign_out_state()
        _quietly(lambda: stores.security_store(settings).revoke(principal.username, sid),
                 "revoke the unlogged sign-in of %s", principal.username)
        log.error("sign-in of %s (%s) undone: its access-log entry could not be written", principal.username, method)
        raise


def _start_session(settings: Settings, principal: Principal, cookie: bool, secret: str | None = None) -> None:
    """Open the server-side session of a sign-in and keep its id in this Streamlit session (logout
    revokes exactly it); with `cookie`, this session also writes the secret into the browser."""
    expires_at = time.time() + settings.session_hours * 3600
    secret = stores.security_store(settings).open_session(principal.username, expires_at, secret=secret,
                                                          client=_seen_from()[0])   # a reload from here: this sign-in
    st.session_state[PRINCIPAL_KEY] = principal
    st.session_state[TOKEN_KEY] = session_id(secret)
    st.session_state.pop(DELETE_COOKIE_KEY, None)
    if cookie:
        st.session_state[COOKIE_KEY] = (secret, expires_at)


def _sso_user() -> dict | None:
    """st.user when single sign-on says someone is logged in (None otherwise, and in AppTest mocks)."""
    try:
        user = st.user
        if user.get("is_logged_in") is True:
            return dict(user)
    except Exception:  # noqa: BLE001 - no [auth] configured: st.user has no login
        return None
    return None


def _sso_secret(user: dict) -> str:
    """The session secret of one sign-in at the provider: derived from its ID-token claims (issuer,
    subject, issued-at, nonce… as Streamlit keeps them in its signed HttpOnly cookie), so each new
    sign-in gets a new session and every tab of the same sign-in shares one."""
    claims = {k: v for k, v in user.items()
              if k not in ("is_logged_in", "tokens") and isinstance(v, (str, int, float, bool, list))}
    return "sso:" + hashlib.sha256(json.dumps(claims, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _sso_sign_in(settings: Settings) -> Principal | None:
    """Map the OIDC identity to a local user by tenant + object id (or issuer + subject), never by
    e-mail (tilannekuva.identities); a foreign or unlinked identity gets no page."""
    user = _sso_user()
    if user is None:
        return None
    try:
        identity = identity_from_claims(user, settings.sso_tenant_id, settings.sso_issuer)
    except ForeignIdentity as exc:
        who = str(user.get("email") or user.get("sub") or "")
        log.warning("refused a single sign-on token (%s) for %s from %s", exc, who, _client())
        audit.record(settings, who, "", "sign_in_foreign", "session", "sso",
                     {"client": _client(), "reason": str(exc), "tid": str(user.get("tid", "")),
                      "iss": str(user.get("iss", ""))}, 0)
        st.session_state["tk_notice"] = "login.sso_foreign"
        return None
    links = stores.identity_links(settings)
    username = links.username_for(identity.key)
    if username is None:
        proposed = user_with_email(load_users(settings.users_file), identity.email)
        if proposed is not None and links.links(proposed):
            proposed = None                         # that user is linked already: the e-mail proposes nothing
        if proposed is not None:
            links.request(identity, proposed)       # the admin confirms on the users page; the e-mail grants nothing
        log.warning("single sign-on identity %s (%s) is not linked to any user", identity.key, identity.email)
        audit.record(settings, identity.email or identity.key, "", "sign_in_unmapped", "session", "sso",
                     {"client": _client(), "identity": identity.key, "pending_for": proposed or ""}, 0)
        st.session_state["tk_notice"] = "login.sso_pending" if proposed else "login.sso_unmapped"
        return None
    store = stores.security_store(settings)
    secret = _sso_secret(user)
    found = store.session_of(secret)
    if found is not None and (found[0] != username or not found[1]):
        # This sign-in at the provider ended here (logout, idle, revoked): the provider's cookie must
        # not open a new session, as a password session's cookie would not. Clear it; sign in again.
        log.warning("refused the single sign-on cookie of %s: its session ended (logout, idle or revoked)", username)
        audit.record(settings, username, "", "sign_in_refused", "session", "sso",
                     {"client": _client(), "reason": "session_ended"}, 0)
        st.logout()
        return None
    try:
        principal = stores.principal_for(settings, username, str(user.get("name") or username))
    except NoRoleError:
        st.session_state["tk_notice"] = "login.no_role"
        return None
    if found is not None:                                   # another tab or a reload of the same sign-in
        st.session_state[PRINCIPAL_KEY] = principal
        st.session_state[TOKEN_KEY] = session_id(secret)
        st.session_state[SSO_SESSION_KEY] = True
        store.touch(session_id(secret))
        _resumed_elsewhere(settings, principal, session_id(secret), "sso")
        return principal
    _start_session(settings, principal, cookie=False, secret=secret)   # st.login keeps its own HttpOnly cookie
    st.session_state[SSO_SESSION_KEY] = True
    _logged_sign_in(settings, principal, "sso",
                    {"client": _client(), "method": "sso", "identity": identity.key, "email": identity.email,
                     "scope": principal.scope, "units": list(principal.unit_ids)})
    log.info("signed in %s (%s) with single sign-on as %s", username, principal.role, identity.key)
    return principal


def _as_the_files_say(settings: Settings, store, principal: Principal, sid: str | None) -> Principal | None:
    """An open sign-in's Principal as roles.yaml and the users file say now (read on every run; parsed only
    when they change: tilannekuva.files.read_yaml). An admin who edits the users file by hand — removes a
    principal, moves a teacher to another unit — is obeyed at the next run, as `tilannekuva users` is: a user
    with no role any more has the session revoked (None: signed out, "session ended"), changed rights replace
    the old ones (attack on issue 21: the removed principal kept every page and its downloads run after run).
    A file that cannot be read or parsed keeps the rights of the last good one (an editor's half-written file
    must not sign the whole city out) and says so in the log; a deleted users file means no users."""
    try:
        now = stores.principal_for(settings, principal.username, principal.display_name)
    except NoRoleError as exc:
        log.warning("session of %s revoked: %s (the users file or roles.yaml changed)", principal.username, exc)
        store.revoke(principal.username, sid)
        media.end_sign_in(sid)
        return None
    except AccessError as exc:
        log.error("kept the rights of %s's open session: %s", principal.username, exc)
        return principal
    if now != principal:
        log.warning("rights of %s changed in the users file or roles.yaml: role %s -> %s, units %s -> %s",
                    principal.username, principal.role, now.role, principal.unit_ids, now.unit_ids)
        st.session_state[PRINCIPAL_KEY] = now
    return now


def sign_in(settings: Settings) -> Principal | None:
    """The signed-in Principal of this session, or None. Handles the cookie path and revocation."""
    store = stores.security_store(settings)
    principal = st.session_state.get(PRINCIPAL_KEY)
    if principal is None and settings.sso and not st.session_state.get("tk_sso_refused"):
        principal = _sso_sign_in(settings)
        if principal is None and _sso_user() is not None:
            st.session_state["tk_sso_refused"] = True      # tell once, then offer the login page
        if principal is not None:
            return principal
    if principal is not None:
        sid = st.session_state.get(TOKEN_KEY)
        current = _as_the_files_say(settings, store, principal, sid) if store.is_active(principal.username, sid) else None
        if current is not None:
            store.touch(sid)
            if st.session_state.get(COOKIE_KEY):
                _cookie_script(settings, *st.session_state[COOKIE_KEY])
            return current
        log.warning("session of %s is no longer active (logged out, revoked elsewhere or idle)", principal.username)
        _sign_out_state()
        st.session_state["tk_notice"] = "login.session_ended"
        st.session_state[DELETE_COOKIE_KEY] = True
    if st.session_state.get(DELETE_COOKIE_KEY):
        # Signed out in this session: the cookie the websocket connected with is dead; delete it.
        _cookie_script(settings, None)
        return None

    cookies = getattr(st.context, "cookies", None)
    secret = cookies.get(settings.cookie_name) if cookies is not None else None
    if not isinstance(secret, str) or not secret:
        return None
    found = store.session_of(secret)
    if found is None or not found[1]:
        if found is None:
            log.warning("refused an invalid or expired session cookie from %s", _client())
        else:
            log.warning("refused a revoked session cookie of %s from %s (logged out, revoked, expired or idle)",
                        found[0], _client())
        st.session_state["tk_notice"] = "login.cookie_invalid" if found is None else "login.session_ended"
        st.session_state[DELETE_COOKIE_KEY] = True
        _cookie_script(settings, None)
        return None
    username = found[0]
    try:
        user = (_credentials(settings).get("usernames") or {}).get(username)
        if user is None:
            raise AccessError(f"{username} has no credentials any more")
        principal = stores.principal_for(settings, username, str(user.get("name") or username))
    except AccessError as exc:          # NoRoleError included
        log.warning("cookie sign-in of %s refused: %s", username, exc)
        _sign_out_state()
        st.session_state["tk_notice"] = "login.no_role" if isinstance(exc, NoRoleError) else "login.cookie_invalid"
        st.session_state[DELETE_COOKIE_KEY] = True
        _cookie_script(settings, None)
        return None
    sid = session_id(secret)
    store.touch(sid)
    st.session_state[PRINCIPAL_KEY] = principal
    st.session_state[TOKEN_KEY] = sid
    log.info("signed in %s (%s) from a session cookie (%s)", username, principal.role, _seen_from()[0])
    _resumed_elsewhere(settings, principal, sid, "cookie")   # a reload or new tab from a known address: no entry
    return principal


def login_page(settings: Settings) -> None:
    """The sign-in form: throttling before the password check, unknown usernames at the same cost."""
    lang = language()
    store = stores.security_store(settings)
    prepare_password_check()                # the first unknown username must not pay for making the dummy
    st.title(t("app.title", lang))
    st.caption(t("app.tagline", lang))
    # Kept until the next sign-in attempt.
    notice = st.session_state.get("tk_notice")
    if notice:
        st.info(t(notice, lang))
    if settings.sso:
        if st.button(t("login.sso", lang), type="primary", icon=":material/key:", key="tk_sso"):
            st.session_state.pop("tk_sso_refused", None)
            st.login(settings.sso_provider or None)
        st.caption(t("login.or_local", lang))
    with st.form("tk_login"):
        st.subheader(t("login.title", lang))
        username = st.text_input(t("login.username", lang), autocomplete="username")
        password = st.text_input(t("login.password", lang), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("login.submit", lang), type="primary")
    if not submitted:
        return
    st.session_state.pop("tk_notice", None)
    username = typed_username(username)     # control characters (a NUL byte…) replaced: a failed sign-in
    client = _client()
    if not username or not password:
        st.error(t("login.missing", lang))
        return
    # The throttle's check and this attempt's place in the count are one transaction across every app process
    # (the attempt counts as failed until the password proves right): simultaneous guesses cannot all pass.
    wait, attempt = store.reserve_attempt(username, client)
    if wait:
        log.warning("login throttled for user=%s client=%s (%d s left)", username, client, wait)
        audit.record(settings, username, "", "sign_in_throttled", "session", "login", {"client": client}, 0)
        st.error(t("login.throttled", lang, minutes=max(1, round(wait / 60))))
        return
    user = (_credentials(settings).get("usernames") or {}).get(username) or {}
    ok = verify_password(user.get("password"), password)       # a dummy hash of the same cost if unknown
    if ok:
        store.attempt_succeeded(username, attempt)
    else:
        log.warning("login failed for user=%s client=%s", username, client)
        audit.record(settings, username, "", "sign_in_failed", "session", "login", {"client": client}, 0)
        _sign_out_state()
        st.error(t("login.failed", lang))
        return
    try:
        principal = stores.principal_for(settings, username, str(user.get("name") or username))
    except NoRoleError as exc:
        log.warning("login of %s refused: %s", username, exc)
        _sign_out_state()
        st.error(t("login.no_role", lang))
        return
    except AccessError as exc:
        log.error("access policy error at login of %s: %s", username, exc)
        _sign_out_state()
        st.error(t("error.config", lang))
        return
    _start_session(settings, principal, cookie=True)
    _logged_sign_in(settings, principal, "login", {"client": client, "method": "password", "scope": principal.scope,
                                                   "units": list(principal.unit_ids)})
    log.info("signed in %s (%s) with password from %s", username, principal.role, client)
    st.rerun()


def logout(settings: Settings) -> None:
    """End this sign-in on the server (the session id kept since sign-in: form and cookie alike, in
    every tab), then in the browser: the next run deletes the cookie. Nothing is read back from the
    cookie, which this websocket may never have seen."""
    principal = st.session_state.get(PRINCIPAL_KEY)
    if principal is not None:
        stores.security_store(settings).revoke(principal.username, st.session_state.get(TOKEN_KEY))
        media.end_sign_in(st.session_state.get(TOKEN_KEY))   # its clicked downloads stop answering at once
        log.info("signed out %s", principal.username)
        audit.record(settings, principal.username, principal.role, "sign_out", "session", "logout", {}, 0)
    _sign_out_state()
    st.session_state[DELETE_COOKIE_KEY] = True
    st.session_state["tk_notice"] = "login.signed_out"
    if settings.sso and _sso_user() is not None:
        st.logout()                                         # ends the OIDC session as well
