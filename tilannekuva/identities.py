"""Single sign-on identities bound to local users by what cannot change: tenant + object id.

An OIDC sign-in presents claims. Which local user (and so which role and scope) they belong to is
decided here, never by the `email` claim: in Microsoft Entra ID `email` is optional, unverified and
editable in some configurations (the "nOAuth" class of flaw). The stable identity is

  * Entra ID: the tenant id `tid` plus the object id `oid` (Microsoft's guidance), key `entra:<tid>:<oid>`;
  * any other OIDC provider: the issuer `iss` plus the subject `sub`, key `oidc:<iss>#<sub>`.

The configured tenant (`sso_tenant_id`) or issuer (`sso_issuer`) is checked on every sign-in; a
token from anywhere else is refused (`ForeignIdentity`). With neither configured every SSO sign-in
is refused: an unbound deployment would accept any tenant of the multi-tenant endpoint.

Linking an identity to a user is an explicit admin act (`tilannekuva users link`, or confirming a
pending request on the admin's users page). An identity that is not linked yet, whose e-mail matches
a user's pre-registered `email`, is recorded as a *pending* request for the admin to confirm: the
e-mail only ever suggests; it never grants. The links live in the state (tilannekuva.statedb: `state/identities.sqlite`, 0600, or the schema
tk_identities in PostgreSQL, shared by every app process).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tilannekuva.statedb import StateDB

_SCHEMA = """
create table if not exists identity_link (
    identity   text primary key,          -- entra:<tid>:<oid> or oidc:<iss>#<sub>
    username   text not null,
    linked_at  real not null,
    linked_by  text not null
);
create index if not exists identity_link_user on identity_link (username);
create table if not exists identity_pending (
    identity     text primary key,
    username     text not null,            -- the user whose pre-registered e-mail the identity carried
    email        text not null,
    display_name text not null,
    requested_at real not null
);
"""


class ForeignIdentity(PermissionError):
    """The token does not come from the configured tenant or issuer, or lacks the stable ids."""


@dataclass(frozen=True)
class Identity:
    key: str  # the stable identity: entra:<tid>:<oid> or oidc:<iss>#<sub>
    email: str  # as the provider said it: a hint for linking, never for authorising
    display_name: str  # data from the provider: escaped wherever it is shown


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def identity_from_claims(claims: dict, tenant_id: str = "", issuer: str = "") -> Identity:
    """The stable identity of a signed-in OIDC user; raises ForeignIdentity for a token from another
    tenant or issuer, for one without the ids the configured mode needs, or when neither is configured."""
    tenant_id, issuer = (tenant_id or "").strip(), (issuer or "").strip().rstrip("/")
    email = _claim(claims, "email") or _claim(claims, "preferred_username")
    name = _claim(claims, "name")
    if tenant_id:
        tid, oid = _claim(claims, "tid"), _claim(claims, "oid")
        if tid.lower() != tenant_id.lower():
            raise ForeignIdentity(f"token from tenant {tid or '(none)'!r}, expected {tenant_id!r}")
        if not oid:
            raise ForeignIdentity("token has no object id (oid)")
        if issuer and _claim(claims, "iss").rstrip("/") != issuer:
            raise ForeignIdentity(f"token from issuer {_claim(claims, 'iss')!r}, expected {issuer!r}")
        return Identity(f"entra:{tid.lower()}:{oid.lower()}", email, name)
    if issuer:
        iss, sub = _claim(claims, "iss").rstrip("/"), _claim(claims, "sub")
        if iss != issuer:
            raise ForeignIdentity(f"token from issuer {iss or '(none)'!r}, expected {issuer!r}")
        if not sub:
            raise ForeignIdentity("token has no subject (sub)")
        return Identity(f"oidc:{iss}#{sub}", email, name)
    raise ForeignIdentity("single sign-on is not bound to a tenant or issuer (set sso_tenant_id or sso_issuer)")


def identity_key(
    tenant_id: str | None = None, object_id: str | None = None, issuer: str | None = None, subject: str | None = None
) -> str:
    """The key an admin links: tenant + object id (Entra ID) or issuer + subject (other providers)."""
    if tenant_id and object_id:
        return f"entra:{tenant_id.strip().lower()}:{object_id.strip().lower()}"
    if issuer and subject:
        return f"oidc:{issuer.strip().rstrip('/')}#{subject.strip()}"
    raise ValueError("give --tenant and --object-id (Entra ID), or --issuer and --subject")


@dataclass(frozen=True)
class Link:
    identity: str
    username: str
    linked_at: float
    linked_by: str


@dataclass(frozen=True)
class Pending:
    identity: str
    username: str
    email: str
    display_name: str
    requested_at: float


class IdentityLinks:
    """The identity → user links and the pending link requests; thread- and process-safe, one per deployment
    (`where`: a StateDB, a SQLite path or a PostgreSQL URL)."""

    def __init__(self, where: StateDB | Path | str):
        self.db = StateDB.of(where, "identities")
        self.path = self.db.path
        self.db.create(_SCHEMA)

    def _db(self, exclusive: bool = False):
        return self.db.connect(exclusive=exclusive)

    def username_for(self, identity: str) -> str | None:
        with self._db() as db:
            row = db.execute("select username from identity_link where identity = ?", (identity,)).fetchone()
        return row[0] if row else None

    def links(self, username: str | None = None) -> list[Link]:
        sql, args = "select identity, username, linked_at, linked_by from identity_link", ()
        if username is not None:
            sql, args = sql + " where username = ?", (username.lower(),)
        with self._db() as db:
            return [Link(*row) for row in db.execute(sql + " order by username, linked_at", args).fetchall()]

    def link(self, username: str, identity: str, linked_by: str, now: float | None = None) -> None:
        """Bind `identity` to `username` (replacing any earlier user of that identity)."""
        with self._db(exclusive=True) as db:
            db.execute(
                "insert into identity_link (identity, username, linked_at, linked_by) values (?, ?, ?, ?) on conflict (identity) do update set "
                "username = excluded.username, linked_at = excluded.linked_at, linked_by = excluded.linked_by",
                (identity, username.lower(), now or time.time(), linked_by),
            )
            db.execute("delete from identity_pending where identity = ?", (identity,))

    def unlink(self, username: str, identity: str | None = None) -> int:
        """Remove the user's links (or one of them); returns how many were removed."""
        with self._db() as db:
            if identity is None:
                cur = db.execute("delete from identity_link where username = ?", (username.lower(),))
            else:
                cur = db.execute(
                    "delete from identity_link where username = ? and identity = ?", (username.lower(), identity)
                )
            removed = cur.rowcount
            db.execute("delete from identity_pending where username = ?", (username.lower(),))
            return removed

    def request(self, identity: Identity, username: str, now: float | None = None) -> bool:
        """Record a pending request: `identity` carried `username`'s pre-registered e-mail. A pending
        request never changes its user or what the admin was shown: the same identity signing in again
        with another (editable, unverified) e-mail only refreshes the time. False if it asked for another user."""
        with self._db(exclusive=True) as db:  # read, then write: one request at a time across processes
            row = db.execute("select username from identity_pending where identity = ?", (identity.key,)).fetchone()
            if row is not None:
                db.execute(
                    "update identity_pending set requested_at = ? where identity = ?",
                    (now or time.time(), identity.key),
                )
                return row[0] == username.lower()
            db.execute(
                "insert into identity_pending (identity, username, email, display_name, requested_at) "
                "values (?, ?, ?, ?, ?)",
                (identity.key, username.lower(), identity.email, identity.display_name, now or time.time()),
            )
            return True

    def pending(self) -> list[Pending]:
        with self._db() as db:
            return [
                Pending(*row)
                for row in db.execute(
                    "select identity, username, email, display_name, requested_at from identity_pending "
                    "order by requested_at"
                ).fetchall()
            ]

    def confirm(self, identity: str, linked_by: str, username: str | None = None) -> str | None:
        """Turn a pending request into a link; returns the username, or None if there was no such request
        (or, with `username` — the user the admin was shown — if the request names another user)."""
        with self._db() as db:
            row = db.execute("select username from identity_pending where identity = ?", (identity,)).fetchone()
        if row is None or (username is not None and row[0] != username.lower()):
            return None
        self.link(row[0], identity, linked_by)
        return row[0]

    def reject(self, identity: str) -> None:
        with self._db() as db:
            db.execute("delete from identity_pending where identity = ?", (identity,))


def user_with_email(users: dict[str, dict], email: str | None) -> str | None:
    """The user whose pre-registered `email` matches (case-insensitive): only for proposing a pending
    link to the admin, never for signing anyone in."""
    wanted = (email or "").strip().lower()
    if not wanted:
        return None
    for username, entry in users.items():
        if str((entry or {}).get("email", "")).strip().lower() == wanted:
            return username
    return None
