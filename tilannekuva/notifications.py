"""What each user wants to be told, and what has been told: kept in the state (tilannekuva.statedb: the
SQLite file data/state/notifications.sqlite, 0600, or the schema tk_notifications in the PostgreSQL that
every app process and every `tilannekuva digest` run share), outside the versioned warehouse, like the
follow-up marks.

- `subscription`: a user's own choice of frequency per kind of change (immediate, daily, weekly, never);
- `role_default`: the admin's default per role and kind (else the rules file's default);
- `channel`: whether a user wants e-mail (to the address of the user directory, never one typed in) and
  their Teams address (checked against the allowed hosts when saved and when sent);
- `visit`: the snapshot at the start of the user's previous and current visit — "Mitä uutta" on the
  landing page is the difference (per session: reloading the page does not lose it);
- `digest_baseline`: per user, frequency and channel, the snapshot the last sent digest was computed to;
- `delivery`: the ledger that makes a digest go out once. A row is unique per (user, channel, period)
  — the period names the rule's time: 'load:<warehouse file>' (immediate), 'day:2026-11-24', 'week:2026-W48'.
  A run *claims* a row in one exclusive transaction before sending — SQLite's BEGIN IMMEDIATE, or
  PostgreSQL's advisory lock on the store, which holds across machines (a second process finds it claimed
  and skips), holds it for `lease_seconds`, and marks it sent together with the new baseline. A run that dies
  half-way leaves a claim whose lease runs out: the next run takes it over. A failure is kept with its
  error and tried again after `retry_minutes`, doubling, up to `max_attempts`; the admin sees them all
  (`failing`).

Snapshots hold pupil ids (what the user's own pages listed); nothing in this file ever leaves the server.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from tilannekuva.access import Principal
from tilannekuva.statedb import StateDB
from tilannekuva.whatsnew import FREQUENCIES, KINDS, Snapshot

_SCHEMA = """
create table if not exists subscription (
    username text not null, kind text not null, frequency text not null, updated_at real not null,
    primary key (username, kind)
);
create table if not exists role_default (
    role text not null, kind text not null, frequency text not null, updated_at real not null,
    updated_by text not null, primary key (role, kind)
);
create table if not exists channel (
    username text primary key, email integer not null, teams_url text not null, updated_at real not null
);
create table if not exists visit (      -- the user's latest snapshot: what their next visit compares with
    username text primary key, current text not null, seen_at real not null
);
create table if not exists session_visit (   -- each session's own baseline, fixed when the session began
    username text not null, session text not null, baseline text, baseline_at real, started_at real not null,
    primary key (username, session)
);
create table if not exists digest_baseline (
    username text not null, frequency text not null, channel text not null, snapshot text not null,
    taken_at real not null, primary key (username, frequency, channel)
);
create table if not exists delivery (
    delivery_id integer primary key,
    username text not null,
    channel text not null,
    period text not null,
    frequency text not null,
    status text not null,            -- sending | sent | failed | gave_up | unconfirmed | superseded
    attempts integer not null,
    owner text not null,             -- the run holding the claim
    lease_until real not null,
    next_try real not null,
    kinds text not null,             -- JSON: kind -> how many changes
    last_error text not null default '',
    created_at real not null,
    sent_at real,
    message_id text not null,
    unique (username, channel, period)
);
create index if not exists delivery_status on delivery (status, next_try);
"""


@dataclass(frozen=True)
class Channels:
    email: bool = True  # to the address of the user directory
    teams_url: str = ""


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    username: str
    channel: str
    period: str
    frequency: str
    status: str
    attempts: int
    next_try: float
    last_error: str
    created_at: float
    sent_at: float | None
    kinds: dict


SESSION_VISIT_DAYS = 30  # a session's own baseline is kept this long (sessions last hours)


class Notifications:
    def __init__(self, where: StateDB | Path | str, clock=time.time):
        self.db = StateDB.of(where, "notifications")
        self.path = self.db.path  # the SQLite file (None on PostgreSQL)
        self._clock = clock
        self.db.create(_SCHEMA)

    def _db(self):
        """One reading transaction."""
        return self.db.connect()

    def _write(self):
        """One writer at a time for the whole store, across processes and machines (StateDB's exclusive
        transaction: BEGIN IMMEDIATE, or PostgreSQL's advisory lock)."""
        return self.db.connect(exclusive=True)

    # -------------------------------------------------------------------------------- choices

    def role_defaults(self, role: str) -> dict[str, str]:
        """The admin's defaults for `role` (kind -> frequency), only the kinds the admin set."""
        with self._db() as db:
            rows = db.execute("select kind, frequency from role_default where role = ?", (role,)).fetchall()
        return dict(rows)

    def set_role_default(self, role: str, kind: str, frequency: str, by: Principal) -> None:
        _check(kind, frequency)
        if by.read_only or not by.may_view_as:
            raise PermissionError(f"{by.username} may not set the defaults of a role")
        with self._write() as db:
            db.execute(
                "insert into role_default values (?, ?, ?, ?, ?) on conflict (role, kind) do update set "
                "frequency = excluded.frequency, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (role, kind, frequency, self._clock(), by.username),
            )

    def own_choices(self, username: str) -> dict[str, str]:
        with self._db() as db:
            rows = db.execute("select kind, frequency from subscription where username = ?", (username,)).fetchall()
        return dict(rows)

    def frequencies(self, principal: Principal, rules) -> dict[str, str]:
        """How often `principal` is told of each kind it may be told of: its own choice, else the admin's
        default for its role, else the rules file's default."""
        own, role = self.own_choices(principal.username), self.role_defaults(principal.role)
        return {k: own.get(k) or role.get(k) or rules.defaults[k] for k in rules.kinds_for(principal)}

    def set_frequency(self, principal: Principal, kind: str, frequency: str) -> None:
        _check(kind, frequency)
        if principal.read_only:
            raise PermissionError(f"{principal.viewed_by} is viewing as {principal.username}: read-only")
        with self._write() as db:
            db.execute(
                "insert into subscription values (?, ?, ?, ?) on conflict (username, kind) do update set "
                "frequency = excluded.frequency, updated_at = excluded.updated_at",
                (principal.username, kind, frequency, self._clock()),
            )

    def clear_choices(self, principal: Principal) -> int:
        """Forget `principal`'s own choices: the admin's default for its role (else the rules file's) applies
        again, and follows the admin's later changes. How many were forgotten."""
        if principal.read_only:
            raise PermissionError(f"{principal.viewed_by} is viewing as {principal.username}: read-only")
        with self._write() as db:
            return db.execute("delete from subscription where username = ?", (principal.username,)).rowcount

    def channels(self, username: str) -> Channels:
        with self._db() as db:
            row = db.execute("select email, teams_url from channel where username = ?", (username,)).fetchone()
        return Channels(bool(row[0]), row[1]) if row else Channels()

    def set_channels(self, principal: Principal, email: bool, teams_url: str) -> None:
        """Store the user's channels; `teams_url` must already be checked (delivery.check_teams_url)."""
        if principal.read_only:
            raise PermissionError(f"{principal.viewed_by} is viewing as {principal.username}: read-only")
        with self._write() as db:
            db.execute(
                "insert into channel values (?, ?, ?, ?) on conflict (username) do update set "
                "email = excluded.email, teams_url = excluded.teams_url, updated_at = excluded.updated_at",
                (principal.username, int(bool(email)), teams_url, self._clock()),
            )

    def forget(self, username: str, reason: str = "the user was removed") -> None:
        """A user removed (`tilannekuva users remove`): their choices, channels (a Teams address is the
        person's own chat), visits and baselines (pupil ids of their scope) go, and their pending
        deliveries are given up — nothing passes to whoever gets the username next."""
        with self._write() as db:
            for table in ("subscription", "channel", "visit", "session_visit", "digest_baseline"):
                db.execute(f"delete from {table} where username = ?", (username,))  # noqa: S608 (fixed names)
            _give_up(db, username, reason)

    def rescope(self, username: str) -> None:
        """A user's role or scope changed: their visits and digest baselines (of the old scope) go, so the
        next visit and digest start from the new scope instead of telling it as news."""
        with self._write() as db:
            for table in ("visit", "session_visit", "digest_baseline"):
                db.execute(f"delete from {table} where username = ?", (username,))  # noqa: S608 (fixed names)

    def give_up(self, username: str, reason: str) -> None:
        """Give up `username`'s pending deliveries (a user no longer in the users file)."""
        with self._write() as db:
            _give_up(db, username, reason)

    # -------------------------------------------------------------------------------- visits

    def visit(self, username: str, session: str, current: Snapshot) -> Snapshot | None:
        """The snapshot to compare `current` with on this visit: the user's latest snapshot when this session
        began — their previous visit, on whatever device (None on a first visit). The baseline is fixed per
        session: a reload keeps the news, also while the user is signed in elsewhere too."""
        now = self._clock()
        with self._write() as db:
            row = db.execute(
                "select baseline from session_visit where username = ? and session = ?", (username, session)
            ).fetchone()
            if row is not None:
                baseline = row[0]
            else:
                latest = db.execute("select current, seen_at from visit where username = ?", (username,)).fetchone()
                baseline, baseline_at = latest if latest else (None, None)
                db.execute(
                    "insert into session_visit values (?, ?, ?, ?, ?)", (username, session, baseline, baseline_at, now)
                )
                db.execute("delete from session_visit where started_at < ?", (now - SESSION_VISIT_DAYS * 86400,))
            db.execute(
                "insert into visit values (?, ?, ?) on conflict (username) do update set "
                "current = excluded.current, seen_at = excluded.seen_at",
                (username, current.to_json(), now),
            )
        return Snapshot.from_json(baseline)

    def peek(self, username: str) -> Snapshot | None:
        """What `username`'s next visit will compare with (the snapshot of their latest visit; None if they
        never visited), writing nothing: an admin's "see what this user sees" must not use up the news."""
        with self._db() as db:
            row = db.execute("select current from visit where username = ?", (username,)).fetchone()
        return Snapshot.from_json(row[0]) if row else None

    def previous_visit(self, username: str, session: str | None = None) -> float | None:
        """When the snapshot that `session` (None: the user's next visit) compares with was taken: the
        time of the user's previous visit, as the landing page says it. None before a first visit."""
        with self._db() as db:
            if session is not None:
                row = db.execute(
                    "select baseline_at from session_visit where username = ? and session = ?", (username, session)
                ).fetchone()
                if row is not None:
                    return row[0]
            row = db.execute("select seen_at from visit where username = ?", (username,)).fetchone()
        return row[0] if row else None

    # -------------------------------------------------------------------------------- digests

    def baseline(self, username: str, frequency: str, channel: str) -> Snapshot | None:
        with self._db() as db:
            row = db.execute(
                "select snapshot from digest_baseline where username = ? and frequency = ? and channel = ?",
                (username, frequency, channel),
            ).fetchone()
        return Snapshot.from_json(row[0]) if row else None

    def set_baseline(self, username: str, frequency: str, channel: str, snapshot: Snapshot) -> None:
        with self._write() as db:
            _put_baseline(db, username, frequency, channel, snapshot, self._clock())

    def claim(
        self,
        username: str,
        channel: str,
        period: str,
        frequency: str,
        kinds: dict,
        owner: str,
        message_id: str,
        lease_seconds: float,
    ) -> int | None:
        """Claim the delivery of (username, channel, period) for `owner`: its id, or None when it is sent,
        given up, held by a live claim, or failed and not yet due again."""
        now = self._clock()
        with self._write() as db:
            row = db.execute(
                "select delivery_id, status, lease_until, next_try from delivery "
                "where username = ? and channel = ? and period = ?",
                (username, channel, period),
            ).fetchone()
            if row is None:
                (delivery_id,) = db.execute(
                    "insert into delivery (username, channel, period, frequency, status, attempts, owner, "
                    "lease_until, next_try, kinds, created_at, message_id) "
                    "values (?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?, ?, ?) returning delivery_id",
                    (
                        username,
                        channel,
                        period,
                        frequency,
                        owner,
                        now + lease_seconds,
                        now,
                        json.dumps(kinds),
                        now,
                        message_id,
                    ),
                ).fetchone()
                return int(delivery_id)
            delivery_id, status, lease_until, next_try = row
            if status in ("sent", "gave_up", "unconfirmed", "superseded"):
                return None
            if status == "sending" and lease_until > now:
                return None
            if status == "failed" and next_try > now:
                return None
            db.execute(
                "update delivery set status = 'sending', attempts = attempts + 1, owner = ?, lease_until = ?, "
                "kinds = ? where delivery_id = ?",
                (owner, now + lease_seconds, json.dumps(kinds), delivery_id),
            )
            return int(delivery_id)

    def attempts(self, delivery_id: int) -> int:
        """How many times the delivery has been claimed (this attempt included)."""
        with self._db() as db:
            row = db.execute("select attempts from delivery where delivery_id = ?", (delivery_id,)).fetchone()
        return int(row[0]) if row else 0

    def sent(self, delivery_id: int, owner: str, baseline: tuple[str, str, str, Snapshot] | None = None) -> bool:
        """Mark a claimed delivery sent, and store the digest's new baseline in the same transaction.
        False when `owner` no longer holds the claim (its lease ran out and another run took it)."""
        now = self._clock()
        with self._write() as db:
            cur = db.execute(
                "update delivery set status = 'sent', sent_at = ?, last_error = '' "
                "where delivery_id = ? and owner = ? and status = 'sending'",
                (now, delivery_id, owner),
            )
            if baseline is not None:
                _put_baseline(db, *baseline, now)
            return cur.rowcount == 1

    def unconfirmed(
        self, delivery_id: int, owner: str, error: str, baseline: tuple[str, str, str, Snapshot] | None = None
    ) -> str:
        """A delivery handed over whose answer never came (a late relay, a cut connection): it may well have
        arrived, so it is not sent again (at most once); its baseline moves on as if sent, and the admin's
        list shows it as unconfirmed."""
        now = self._clock()
        with self._write() as db:
            db.execute(
                "update delivery set status = 'unconfirmed', sent_at = ?, last_error = ?, lease_until = 0 "
                "where delivery_id = ? and owner = ?",
                (now, error[:300], delivery_id, owner),
            )
            if baseline is not None:
                _put_baseline(db, *baseline, now)
        return "unconfirmed"

    def supersede(self, username: str, channel: str, frequency: str) -> int:
        """The failed deliveries of (username, channel, frequency) that a later digest covered (or found
        nothing left to tell): no longer failing. Returns how many."""
        with self._write() as db:
            cur = db.execute(
                "update delivery set status = 'superseded', lease_until = 0 where username = ? and channel = ? "
                "and frequency = ? and (status = 'failed' or (status = 'sending' and lease_until <= ?))",
                (username, channel, frequency, self._clock()),
            )
            return cur.rowcount

    def failed(
        self, delivery_id: int, owner: str, error: str, transient: bool, retry_minutes: float, max_attempts: int
    ) -> str:
        """Record a failed attempt: 'failed' (tried again after retry_minutes × 2^(attempts-1)) or 'gave_up'
        (not transient, or max_attempts reached)."""
        now = self._clock()
        with self._write() as db:
            row = db.execute(
                "select attempts from delivery where delivery_id = ? and owner = ?", (delivery_id, owner)
            ).fetchone()
            if row is None:
                return "lost"
            attempts = int(row[0])
            status = "failed" if transient and attempts < max_attempts else "gave_up"
            db.execute(
                "update delivery set status = ?, next_try = ?, last_error = ?, lease_until = 0 where delivery_id = ?",
                (status, now + retry_minutes * 60 * 2 ** (attempts - 1), error[:300], delivery_id),
            )
            return status

    def due_again(self) -> list[tuple[str, str, str, str]]:
        """(username, channel, period, frequency) of the deliveries to try again now: failed ones whose time
        has come and claims whose run died (lease over)."""
        now = self._clock()
        with self._db() as db:
            return db.execute(
                "select username, channel, period, frequency from delivery where "
                "(status = 'failed' and next_try <= ?) or (status = 'sending' and lease_until <= ?) "
                "order by delivery_id",
                (now, now),
            ).fetchall()

    def deliveries(
        self, username: str | None = None, statuses: tuple[str, ...] | None = None, limit: int | None = 200
    ) -> list[Delivery]:
        where, args = [], []
        if username is not None:
            where.append("username = ?")
            args.append(username)
        if statuses:
            where.append(f"status in ({','.join('?' * len(statuses))})")
            args += list(statuses)
        if limit is not None:
            args.append(int(limit))
        sql = (
            "select delivery_id, username, channel, period, frequency, status, attempts, next_try, last_error, "
            "created_at, sent_at, kinds from delivery"
            + (" where " + " and ".join(where) if where else "")
            + " order by delivery_id desc"
            + (" limit ?" if limit is not None else "")
        )
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return [Delivery(*row[:-1], json.loads(row[-1])) for row in rows]

    def failing(self) -> list[Delivery]:
        """What the admin's "failing deliveries" list shows: failed, given up, and claims whose run died."""
        now = self._clock()
        stale = [d for d in self.deliveries(statuses=("sending",), limit=None) if self._lease_over(d.delivery_id, now)]
        listed = self.deliveries(statuses=("failed", "gave_up", "unconfirmed"), limit=None)
        return sorted(listed + stale, key=lambda d: -d.delivery_id)

    def _lease_over(self, delivery_id: int, now: float) -> bool:
        with self._db() as db:
            row = db.execute("select lease_until from delivery where delivery_id = ?", (delivery_id,)).fetchone()
        return bool(row) and row[0] <= now


def _give_up(db, username: str, reason: str) -> None:
    db.execute(
        "update delivery set status = 'gave_up', last_error = ?, lease_until = 0 "
        "where username = ? and status in ('sending', 'failed')",
        (reason, username),
    )


def _put_baseline(db, username: str, frequency: str, channel: str, snapshot: Snapshot, now: float) -> None:
    """Store a digest's new baseline — unless a newer one is there already (a slower run of an earlier load
    must not roll the baseline back: its news would be told again). Called inside an exclusive transaction,
    so the check and the write are one step; the versions (ISO times) are compared in Python, byte by byte
    on either backend (a PostgreSQL database's collation could order text otherwise)."""
    row = db.execute(
        "select json_extract(snapshot, '$.data_version') from digest_baseline "
        "where username = ? and frequency = ? and channel = ?",
        (username, frequency, channel),
    ).fetchone()
    if row is not None and (snapshot.data_version or "") < (row[0] or ""):
        return
    db.execute(
        "insert into digest_baseline values (?, ?, ?, ?, ?) on conflict (username, frequency, channel) do update "
        "set snapshot = excluded.snapshot, taken_at = excluded.taken_at",
        (username, frequency, channel, snapshot.to_json(), now),
    )


def _check(kind: str, frequency: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of change {kind!r}")
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
