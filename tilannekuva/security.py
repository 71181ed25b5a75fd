"""Server-side sign-in state: password checks of equal cost, failed-login throttling that an
attacker cannot turn against a user, and revocable sessions whose secret never touches the disk.

Kept in the state outside the versioned warehouse (tilannekuva.statedb: data/state/security.sqlite, or the
schema tk_security in PostgreSQL, so every app process sees the same sessions and counts the same failures):

* **Sessions.** `open_session` draws a random secret (256 bits, `secrets.token_urlsafe`) for the
  browser's cookie and stores only its SHA-256 (`session_id`). Nothing in the file lets anyone mint
  a cookie (there is no signing key). A session is active until it is revoked (logout,
  role change, password reset, removal), passes its absolute lifetime, or goes unused for the idle
  timeout (`touch` records use).
* **Throttling** (`reserve_attempt`: the check and the attempt in one exclusive transaction, so simultaneous
  guesses on several processes are counted one after the other; `throttle_wait` only looks), keyed on the
  client address the app derived (never on a header an untrusted client chose) and the username, counted in
  a sliding window:
    - *pair* (username, client): after `limit_pair` failures the delay doubles with each further
      failure (30 s, 60 s, … capped at the window) — a guesser slows only itself;
    - *client* (any username from one address): `limit_client` failures throttle that address —
      a password sprayer — except for usernames that signed in successfully from it before;
    - *account* (one username from every address): `limit_account` failures throttle that
      username from addresses it never signed in from — a distributed guesser; its known clients
      keep signing in, so nobody elsewhere can lock a user out.
* **Passwords** (`verify_password`): an unknown username is checked against a dummy bcrypt hash of
  the same cost as real ones (`HASH_ROUNDS`), so the answer takes as long either way.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from functools import lru_cache
from pathlib import Path

import bcrypt

from tilannekuva.inert import storable
from tilannekuva.statedb import StateDB

HASH_ROUNDS = 12  # bcrypt cost of every stored password (users add, demo accounts, dummy)
KNOWN_CLIENT_DAYS = 30  # a successful sign-in makes (username, client) known for this long
TOUCH_SECONDS = 10  # a session's last use is written at most this often
PAIR_FIRST_DELAY = 30  # seconds: the first delay of a (username, client) pair over its limit

_SCHEMA = """
create table if not exists login_attempt (
    attempted_at real not null,
    username text not null,
    client text not null,
    succeeded integer not null,
    attempt_id text                       -- a reservation's token (reserve_attempt); null in older rows
);
create index if not exists login_attempt_user on login_attempt (username, attempted_at);
create index if not exists login_attempt_client on login_attempt (client, attempted_at);
-- Before issue 15 the session id was the cookie's expiry time (not secret): those rows are dropped.
drop table if exists session;
create table if not exists login_session (
    session_id text primary key,          -- sha256 hex of the cookie's secret; the secret is never stored
    username text not null,
    created_at real not null,
    last_seen_at real not null,
    expires_at real not null,
    revoked_at real
);
create index if not exists login_session_user on login_session (username);
-- The client addresses each login session has been used from; the one it was opened from is the first
-- (position 0; then in the order they were first seen).
create table if not exists login_session_client (
    session_id text not null,
    client text not null,
    first_seen_at real not null,
    position integer not null default 0,
    primary key (session_id, client)
);
"""
# A file from before issue 21 has no `position`: added, with the old insertion order (rowid) kept.
_SQLITE_POSITION = "alter table login_session_client add column position integer not null default 0"
# Nor an `attempt_id` (a schema in PostgreSQL from before it gets it with `add column if not exists`).
_SQLITE_ATTEMPT_ID = "alter table login_attempt add column attempt_id text"
_PG_ATTEMPT_ID = "alter table login_attempt add column if not exists attempt_id text;"


def typed_username(text: str | None) -> str:
    """A username as typed, in the form it is counted and logged under: lower case, trimmed, and every control
    character (a NUL byte, which PostgreSQL's text cannot hold, a newline…) and lone surrogate replaced by
    U+FFFD (inert.storable). No real username has one, so such a name is an ordinary failed sign-in, on every
    backend."""
    return storable((text or "").strip()).lower().strip()


_RECORD_CLIENT = (
    "insert or ignore into login_session_client (session_id, client, first_seen_at, position) "
    "select ?, ?, ?, coalesce(max(position) + 1, 0) from login_session_client where session_id = ?"
)


LOOPBACK = ("127.0.0.1", "::1")


def _normal(address: str) -> str:
    """An address in one spelling ("0:0:0:0:0:0:0:1", "::0001" -> "::1"), as uvicorn compares them;
    anything that is not an IP address is kept as it is."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return address.strip()


def _host(hop: str) -> str:
    """An X-Forwarded-For entry without its port ("[::1]:80" -> "::1", "10.0.0.1:80" -> "10.0.0.1"),
    in its normal spelling."""
    hop = hop.strip()
    if hop.startswith("[") and "]" in hop:
        return _normal(hop[1 : hop.index("]")])
    return _normal(hop.rsplit(":", 1)[0] if hop.count(":") == 1 else hop)


def _rightmost_untrusted(hops: list[str], trusted: set[str]) -> str:
    return next((h for h in reversed(hops) if h not in trusted), hops[0])


def client_address(
    reported: str | None,
    forwarded_for: list[str],
    trusted_proxies: tuple[str, ...],
    server_trusted: tuple[str, ...] = LOOPBACK,
) -> str:
    """The address to throttle on, which a client cannot choose by sending X-Forwarded-For.

    `reported` is what Streamlit says (`st.context.ip_address`, None for loopback); the server under it
    (uvicorn) has already replaced its peer by an X-Forwarded-For entry when that peer is one of *its*
    trusted hosts (`FORWARDED_ALLOW_IPS`, default loopback: `server_trusted`). So when the header is there
    and the reported address is exactly the entry uvicorn would have picked, the real peer was such a
    host. The header is then believed only if that peer is one of Tilannekuva's `trusted_proxies`
    (default none); otherwise every such request counts as that peer. Never "unknown": a missing
    address is loopback's (Streamlit reports loopback as None). Started with FORWARDED_ALLOW_IPS=""
    (`server_trusted` empty), uvicorn rewrites nothing and the reported address is the peer itself."""
    return _resolve(reported, forwarded_for, trusted_proxies, server_trusted)[0]


def untrusted_forwarded_for(
    reported: str | None,
    forwarded_for: list[str],
    trusted_proxies: tuple[str, ...],
    server_trusted: tuple[str, ...] = LOOPBACK,
) -> str | None:
    """When the request came through a proxy that is not one of `trusted_proxies` (so `client_address`
    is that proxy's own address) and carries X-Forwarded-For: the right-most forwarded address, the one
    that proxy saw (uvicorn's pick when it rewrote the peer). Otherwise None.

    Never for throttling (a client reaching the app directly can write any header). Only to tell the
    users of one login session apart behind an untrusted proxy: the proxy's address *plus* this entry
    (see `SecurityStore.first_use_from`); an untrusted header can add entries there, never hide one."""
    return _resolve(reported, forwarded_for, trusted_proxies, server_trusted)[1]


def _resolve(
    reported: str | None,
    forwarded_for: list[str],
    trusted_proxies: tuple[str, ...],
    server_trusted: tuple[str, ...],
) -> tuple[str, str | None]:
    """(client_address, the untrusted right-most forwarded address or None): rules in `client_address`."""
    peer = _normal(reported) if reported else LOOPBACK[0]
    trusted_proxies = tuple(_normal(a) for a in trusted_proxies)
    server_trusted = tuple(_normal(a) for a in server_trusted)
    hops = [_host(h) for value in forwarded_for for h in value.split(",") if h.strip()]
    if hops and server_trusted and peer == _rightmost_untrusted(hops, set(server_trusted)):
        seen = peer  # the entry uvicorn put in place of its peer
        peer = server_trusted[0] if server_trusted else LOOPBACK[0]  # uvicorn rewrote it
        if peer in trusted_proxies or (peer in LOOPBACK and set(LOOPBACK) & set(trusted_proxies)):
            return _rightmost_untrusted(hops, set(trusted_proxies)), None
        return peer, seen
    if hops and peer in trusted_proxies:
        return _rightmost_untrusted(hops, set(trusted_proxies)), None  # a trusted proxy uvicorn did not trust
    return peer, (hops[-1] if hops else None)


def session_id(secret: str) -> str:
    """The stored form of a session secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=HASH_ROUNDS))


def prepare_password_check() -> None:
    """Make the dummy hash now (once per process): made at the first unknown username, it cost that
    answer a second bcrypt round (0.7 s against 0.37 s), which told that the name was unknown."""
    _dummy_hash()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=HASH_ROUNDS)).decode()


def verify_password(stored_hash: str | None, password: str) -> bool:
    """bcrypt check; a missing or malformed hash (unknown username) costs a dummy check of the same cost."""
    candidate = password.encode("utf-8")
    if stored_hash and stored_hash.startswith("$2"):
        try:
            return bcrypt.checkpw(candidate, stored_hash.encode("utf-8"))
        except ValueError:
            pass
    bcrypt.checkpw(candidate, _dummy_hash())
    return False


class SecurityStore:
    """Thread- and process-safe; one per deployment (`where`: a StateDB, a SQLite path or a PostgreSQL URL)."""

    def __init__(
        self,
        where: StateDB | Path | str,
        limit_pair: int = 5,
        limit_client: int = 20,
        window_seconds: int = 900,
        limit_account: int = 20,
        idle_seconds: float = 1800,
    ):
        self.db = StateDB.of(where, "security")
        self.path = self.db.path
        self.limit_pair = limit_pair
        self.limit_client = limit_client
        self.limit_account = limit_account
        self.window = window_seconds
        self.idle = idle_seconds
        self.db.create(_SCHEMA, pg_extra=_PG_ATTEMPT_ID)
        if self.db.backend == "sqlite":
            with self.db.connect(exclusive=True) as db:
                columns = [row[1] for row in db.execute("pragma table_info(login_session_client)").fetchall()]
                if "position" not in columns:
                    db.execute(_SQLITE_POSITION)
                    db.execute("update login_session_client set position = rowid")
                if "attempt_id" not in [row[1] for row in db.execute("pragma table_info(login_attempt)").fetchall()]:
                    db.execute(_SQLITE_ATTEMPT_ID)

    def _db(self):
        return self.db.connect()

    # --- throttling -------------------------------------------------------------------------
    def record_attempt(self, username: str, client: str, succeeded: bool, now: float | None = None) -> None:
        """One finished attempt, recorded after the fact (tests, imports); the sign-in form reserves its attempt
        before the password check instead (`reserve_attempt`)."""
        with self._db() as db:
            db.execute(
                "insert into login_attempt (attempted_at, username, client, succeeded) values (?, ?, ?, ?)",
                (now or time.time(), typed_username(username), client, int(succeeded)),
            )

    def reserve_attempt(self, username: str, client: str, now: float | None = None) -> tuple[int, str | None]:
        """Check the throttle and take an attempt in one exclusive transaction (one at a time for the store,
        across every app process sharing it): (seconds to wait, None) when throttled, else (0, the attempt's
        token). The attempt is recorded as a failure before the password is checked, so N attempts that arrive
        together are counted one after the other and at most the limit of them get their password checked;
        a correct password then turns it into a success (`attempt_succeeded`)."""
        now = now or time.time()
        with self.db.connect(exclusive=True) as db:
            wait = self._wait(db, username, client, now)
            if wait:
                return wait, None
            token = secrets.token_urlsafe(16)
            db.execute(
                "insert into login_attempt (attempted_at, username, client, succeeded, attempt_id) "
                "values (?, ?, ?, 0, ?)",
                (now, typed_username(username), client, token),
            )
        return 0, token

    def attempt_succeeded(self, username: str, token: str) -> None:
        """The reserved attempt `token` of `username` had the right password: a success (the client is known)."""
        with self._db() as db:
            db.execute(
                "update login_attempt set succeeded = 1 where username = ? and attempt_id = ?",
                (typed_username(username), token),
            )

    def is_known_client(self, username: str, client: str, now: float | None = None) -> bool:
        """Has `username` signed in successfully from `client` in the last KNOWN_CLIENT_DAYS days?"""
        with self._db() as db:
            return self._known(db, typed_username(username), client, now or time.time())

    @staticmethod
    def _known(db, username: str, client: str, now: float) -> bool:
        return (
            db.execute(
                "select 1 from login_attempt where username = ? and client = ? and succeeded = 1 "
                "and attempted_at > ? limit 1",
                (username, client, now - KNOWN_CLIENT_DAYS * 86400),
            ).fetchone()
            is not None
        )

    def throttle_wait(self, username: str, client: str, now: float | None = None) -> int:
        """Seconds until `client` may try `username` again; 0 when not throttled (scheme: module docstring).
        Only a look: the sign-in form checks and takes its attempt at once (`reserve_attempt`)."""
        with self._db() as db:
            return self._wait(db, username, client, now or time.time())

    def _wait(self, db, username: str, client: str, now: float) -> int:
        since = now - self.window
        username = typed_username(username)
        known = self._known(db, username, client, now)

        def failures(where: str, *args) -> list[float]:
            return [
                r[0]
                for r in db.execute(
                    f"select attempted_at from login_attempt where {where} and attempted_at > ? and succeeded = 0 "
                    "order by attempted_at desc",
                    (*args, since),
                ).fetchall()
            ]

        waits = [0.0]
        pair = failures("username = ? and client = ?", username, client)
        if len(pair) >= self.limit_pair:
            delay = min(self.window, PAIR_FIRST_DELAY * 2 ** (len(pair) - self.limit_pair))
            waits.append(pair[0] + delay - now)
        if not known:
            for rows, limit in (
                (failures("client = ?", client), self.limit_client),
                (failures("username = ?", username), self.limit_account),
            ):
                if len(rows) >= limit:
                    # Free again when the oldest of the last `limit` failures leaves the window.
                    waits.append(rows[limit - 1] + self.window - now)
        return max(0, int(round(max(waits))))

    # --- sessions ---------------------------------------------------------------------------
    def open_session(
        self,
        username: str,
        expires_at: float,
        now: float | None = None,
        secret: str | None = None,
        client: str | None = None,
    ) -> str:
        """A new session; returns its secret (for the cookie). Only the secret's hash is stored. A single
        sign-on session passes its own `secret`, derived from the provider's signed HttpOnly cookie, so
        every tab and reload of that sign-in finds the same session (and its idle time and revocation).
        `client` is the address it is opened from: the first one it has been used from."""
        secret = secret or secrets.token_urlsafe(32)
        now = now or time.time()
        with self._db() as db:
            db.execute(
                "insert into login_session (session_id, username, created_at, last_seen_at, expires_at, revoked_at) "
                "values (?, ?, ?, ?, ?, null)",
                (session_id(secret), username.lower(), now, now, expires_at),
            )
            if client:
                db.execute(_RECORD_CLIENT, (session_id(secret), client, now, session_id(secret)))
        return secret

    def first_use_from(self, sid: str | None, client: str, now: float | None = None) -> bool:
        """Is this the first use of session `sid` from `client`? Records the pair, so the answer is the same
        after a restart and in every server process sharing this file. The address the session was opened
        from is never a first use. A session opened before addresses were kept (none recorded) adopts its
        first address silently, as if opened from it."""
        if not sid:
            return False
        now = now or time.time()
        with self._db() as db:  # the write first: on SQLite a read that then writes could meet another writer
            added = db.execute(_RECORD_CLIENT, (sid, client, now, sid)).rowcount == 1
            (known,) = db.execute("select count(*) from login_session_client where session_id = ?", (sid,)).fetchone()
            return added and known > 1

    def forget_use(self, sid: str, client: str) -> None:
        """Undo `first_use_from` for `client` (its entry in the access log could not be written): the next use
        from there is a first use again. The address the session was opened from is never forgotten."""
        with self._db() as db:
            db.execute(
                "delete from login_session_client where session_id = ? and client = ? and position > 0", (sid, client)
            )

    def clients_of(self, sid: str) -> list[str]:
        """The addresses session `sid` has been used from, the opening one first."""
        with self._db() as db:
            rows = db.execute(
                "select client from login_session_client where session_id = ? order by first_seen_at, position, client",
                (sid,),
            ).fetchall()
        return [r[0] for r in rows]

    def _active_row(self, sid: str, now: float):
        with self._db() as db:
            row = db.execute(
                "select username, last_seen_at, expires_at, revoked_at from login_session where session_id = ?", (sid,)
            ).fetchone()
        if row is None or row[3] is not None or row[2] <= now or now - row[1] > self.idle:
            return None
        return row

    def is_active(self, username: str, sid: str | None, now: float | None = None) -> bool:
        """Is session `sid` (a session id, i.e. the hash) open, unexpired, recently used and `username`'s?"""
        if not username or not sid:
            return False
        row = self._active_row(sid, now or time.time())
        return row is not None and row[0] == username.lower()

    def session_of(self, secret: str | None, now: float | None = None) -> tuple[str, bool] | None:
        """(username, is it active) of the session whose cookie secret this is; None if there is none."""
        if not secret:
            return None
        sid = session_id(secret)
        with self._db() as db:
            row = db.execute("select username from login_session where session_id = ?", (sid,)).fetchone()
        if row is None:
            return None
        return row[0], self._active_row(sid, now or time.time()) is not None

    def touch(self, sid: str | None, now: float | None = None) -> None:
        """Record use of an active session (the idle timeout counts from here); written at most every
        TOUCH_SECONDS, so a busy page does not write on every run."""
        if sid:
            now = now or time.time()
            with self._db() as db:
                db.execute(
                    "update login_session set last_seen_at = ? where session_id = ? and revoked_at is null "
                    "and last_seen_at < ?",
                    (now, sid, now - TOUCH_SECONDS),
                )

    def revoke(self, username: str, sid: str | None = None, now: float | None = None) -> int:
        """Revoke one session (by id), or every session of the user (role change, password reset, removal)."""
        with self._db() as db:
            if sid is None:
                cur = db.execute(
                    "update login_session set revoked_at = ? where username = ? and revoked_at is null",
                    (now or time.time(), username.lower()),
                )
            else:
                cur = db.execute(
                    "update login_session set revoked_at = ? where username = ? and session_id = ? "
                    "and revoked_at is null",
                    (now or time.time(), username.lower(), sid),
                )
            return cur.rowcount
