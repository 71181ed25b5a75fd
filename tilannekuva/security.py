"""Server-side sign-in state: failed-login throttling and revocable sessions.

streamlit-authenticator's cookie is a signed {username, exp_date} that stays valid after
logout, and its own lockout rewrites the credentials file and locks accounts for good. So
Tilannekuva keeps its own small SQLite store, outside the versioned warehouse:

* every sign-in attempt (username, client address, success) — throttling counts failures in
  a sliding window, per username and per client address, so an attacker cannot lock anyone
  out for longer than the window;
* every session, keyed by username and the cookie's token id — a cookie whose session is not
  active (logged out, revoked on role change, expired) signs nobody in.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tilannekuva.files import private_dir, private_file

_SCHEMA = """
create table if not exists login_attempt (
    attempted_at real not null,
    username text not null,
    client text not null,
    succeeded integer not null
);
create index if not exists login_attempt_user on login_attempt (username, attempted_at);
create index if not exists login_attempt_client on login_attempt (client, attempted_at);
create table if not exists session (
    username text not null,
    token_id text not null,
    created_at real not null,
    expires_at real not null,
    revoked_at real,
    primary key (username, token_id)
);
"""


class SecurityStore:
    """Thread-safe; one SQLite file per deployment (data/state/security.sqlite)."""

    def __init__(self, path: Path, limit_user: int = 5, limit_client: int = 20, window_seconds: int = 900):
        self.path = Path(path)
        private_dir(self.path.parent)
        private_file(self.path)             # 0600: readable by the service account only
        self.limit_user = limit_user
        self.limit_client = limit_client
        self.window = window_seconds
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self):
        with self._lock:
            db = sqlite3.connect(self.path, timeout=10)
            try:
                with db:
                    yield db
            finally:
                db.close()

    # --- throttling -------------------------------------------------------------------------
    def record_attempt(self, username: str, client: str, succeeded: bool, now: float | None = None) -> None:
        with self._db() as db:
            db.execute("insert into login_attempt values (?, ?, ?, ?)",
                       (now or time.time(), username.lower().strip(), client, int(succeeded)))

    def throttle_wait(self, username: str, client: str, now: float | None = None) -> int:
        """Seconds until this username / client may try again; 0 when not throttled."""
        now = now or time.time()
        since = now - self.window
        waits = [0.0]
        with self._db() as db:
            for column, value, limit in (("username", username.lower().strip(), self.limit_user),
                                         ("client", client, self.limit_client)):
                rows = db.execute(
                    f"select attempted_at from login_attempt where {column} = ? and attempted_at > ? "
                    f"and succeeded = 0 order by attempted_at desc limit ?", (value, since, limit)).fetchall()
                if len(rows) >= limit:
                    # Free again when the oldest of the last `limit` failures leaves the window.
                    waits.append(rows[-1][0] + self.window - now)
        return max(0, int(round(max(waits))))

    # --- sessions ---------------------------------------------------------------------------
    def open_session(self, username: str, token_id: str, expires_at: float, now: float | None = None) -> None:
        with self._db() as db:
            db.execute("insert or replace into session values (?, ?, ?, ?, null)",
                       (username.lower(), token_id, now or time.time(), expires_at))

    def is_active(self, username: str, token_id: str | None, now: float | None = None) -> bool:
        if not username or not token_id:
            return False
        with self._db() as db:
            row = db.execute("select expires_at, revoked_at from session where username = ? and token_id = ?",
                             (username.lower(), token_id)).fetchone()
        return row is not None and row[1] is None and row[0] > (now or time.time())

    def revoke(self, username: str, token_id: str | None = None, now: float | None = None) -> int:
        """Revoke one session, or every session of the user (role change, password reset)."""
        with self._db() as db:
            if token_id is None:
                cur = db.execute("update session set revoked_at = ? where username = ? and revoked_at is null",
                                 (now or time.time(), username.lower()))
            else:
                cur = db.execute("update session set revoked_at = ? where username = ? and token_id = ? "
                                 "and revoked_at is null", (now or time.time(), username.lower(), token_id))
            return cur.rowcount
