"""The access log: every view of personal data and every export — who, role, what, filters, when.

Append-only and tamper-evident, as the Act on Information Management in Public Administration
(906/2019) expects: kept in the state (tilannekuva.statedb: data/state/access_log.sqlite, or the schema
tk_access_log in PostgreSQL, shared by every app process), its rows never updated or deleted by the
application (triggers refuse it, on both backends), each row carrying the
SHA-256 of its content and of the previous row, so an edited, removed or reordered row breaks
`verify()`. An entry is appended in an exclusive transaction (SQLite's BEGIN IMMEDIATE, PostgreSQL's
advisory lock on the store), so any number of processes on any number of machines write one unbroken
chain; `verify()` reads one snapshot.

Retention (`prune`) is itself an entry in the chain: a `prune` entry names the last removed entry,
its hash and time and a digest of every anchor row so far, and only then are the old entries
deleted behind a new anchor. `verify()` accepts the anchors only if the newest one is exactly what
the newest `prune` entry in the remaining chain says, the anchors chain up to that digest, nothing
is left behind the anchor, and the removed entries were older than the retention period — an
anchor row inserted by hand (to make the triggers allow a delete) breaks it. Whoever can write the
store can still recompute the whole chain, so the chain head is exported with an HMAC whose key is
kept outside the database (`head()` / `check_head()`, `tilannekuva access-log-head`), to be kept
off the host and checked later.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tilannekuva.audit_events import Action, Target
from tilannekuva.statedb import StateDB

_SCHEMA = """
create table if not exists access_log (
    entry_id integer primary key,
    logged_at real not null,
    username text not null,
    role text not null,
    action text not null,          -- tilannekuva.audit_events.Action: 'view', 'export', 'sign_in', …
    target text not null,          -- tilannekuva.audit_events.Target ('support_signals', …) or a file name
    page text not null,
    filters text not null,         -- JSON: the filters and parameters in force
    rows integer not null,         -- how many persons' rows were shown or exported
    previous_hash text not null,
    entry_hash text not null
);
create table if not exists access_log_subject (     -- the pupils a logged list showed or exported
    entry_id integer not null references access_log (entry_id),
    pupil_id integer not null
);
create index if not exists access_log_subject_pupil on access_log_subject (pupil_id);
create trigger if not exists access_log_subject_no_update before update on access_log_subject
begin select raise(abort, 'the access log is append-only'); end;
create table if not exists access_log_anchor (      -- retention: where the pruned part of the chain ended
    anchor_id integer primary key,
    pruned_at real not null,
    last_entry_id integer not null,
    last_hash text not null,
    removed integer not null
);
create trigger if not exists access_log_anchor_no_change before update on access_log_anchor
begin select raise(abort, 'the access log is append-only'); end;
create trigger if not exists access_log_anchor_no_delete before delete on access_log_anchor
begin select raise(abort, 'the access log is append-only'); end;
create trigger if not exists access_log_subject_delete_only_pruned before delete on access_log_subject
when old.entry_id > (select coalesce(max(last_entry_id), 0) from access_log_anchor)
begin select raise(abort, 'the access log is append-only'); end;
create trigger if not exists access_log_no_update before update on access_log
begin select raise(abort, 'the access log is append-only'); end;
create trigger if not exists access_log_delete_only_pruned before delete on access_log
when old.entry_id > (select coalesce(max(last_entry_id), 0) from access_log_anchor)
begin select raise(abort, 'the access log is append-only'); end;
"""
# PostgreSQL's triggers (SQLite's are in _SCHEMA): the same refusals, the same words. Created only where
# missing: replacing a trigger locks its table, and an app process starting must not wait on (or deadlock
# with) the others appending.
_PG_TRIGGERS = [  # (trigger, table, event, function)
    ("access_log_subject_no_update", "access_log_subject", "update", "access_log_refuse"),
    ("access_log_anchor_no_change", "access_log_anchor", "update", "access_log_refuse"),
    ("access_log_anchor_no_delete", "access_log_anchor", "delete", "access_log_refuse"),
    ("access_log_subject_delete_only_pruned", "access_log_subject", "delete", "access_log_delete_only_pruned"),
    ("access_log_no_update", "access_log", "update", "access_log_refuse"),
    ("access_log_delete_only_pruned", "access_log", "delete", "access_log_delete_only_pruned"),
]
# TRUNCATE fires no row trigger: a statement-level trigger refuses it on each table (PostgreSQL; SQLite has none).
_PG_NO_TRUNCATE = ["access_log", "access_log_subject", "access_log_anchor"]
_PG_EXTRA = (
    """
create or replace function access_log_refuse() returns trigger language plpgsql set search_path from current as $$
begin raise exception 'the access log is append-only'; end $$;
create or replace function access_log_delete_only_pruned() returns trigger language plpgsql
set search_path from current as $$
begin
    if old.entry_id > (select coalesce(max(last_entry_id), 0) from access_log_anchor) then
        raise exception 'the access log is append-only';
    end if;
    return old;
end $$;
do $$ begin
"""
    + "".join(
        f"""    if not exists (select 1 from pg_trigger where tgname = '{name}' and tgrelid = '{table}'::regclass) then
        create trigger {name} before {event} on {table} for each {level} execute function {function}();
    elsif exists (select 1 from pg_trigger where tgname = '{name}' and tgrelid = '{table}'::regclass
                  and tgenabled <> 'O') then
        alter table {table} enable trigger {name};
    end if;
"""
        for name, table, event, function, level in [
            *((n, t, e, f, "row") for n, t, e, f in _PG_TRIGGERS),
            *((f"{t}_no_truncate", t, "truncate", "access_log_refuse", "statement") for t in _PG_NO_TRUNCATE),
        ]
    )
    + "end $$;\n"
)
GENESIS = "0" * 64
DAY = 86400.0
CLOCK_SKEW = 300.0  # seconds: how far an entry may lie in the future, or behind its predecessor
HEAD_FORMAT = "tkh1"  # tkh1:<entry id>:<logged_at>:<entry hash>:<HMAC-SHA256 of what precedes it>
# The entry's pupil ids as a sorted JSON list without spaces, as hashed ("[]" when none), per backend.
_SUBJECTS = (
    "(select coalesce(json_group_array(pupil_id), '[]') from (select pupil_id from access_log_subject s "
    "where s.entry_id = a.entry_id order by pupil_id))"
)
_SUBJECTS_PG = (
    "('[' || coalesce((select string_agg(s.pupil_id::text, ',' order by s.pupil_id) from access_log_subject s "
    "where s.entry_id = a.entry_id), '') || ']')"
)


def subjects_sql(backend: str) -> str:
    """The SQL expression of an entry's (alias `a`) pupil list as hashed, on `backend` ("sqlite"/"postgresql")."""
    return _SUBJECTS_PG if backend == "postgresql" else _SUBJECTS


_ANCHORS = "select anchor_id, pruned_at, last_entry_id, last_hash, removed from access_log_anchor order by anchor_id"


@dataclass(frozen=True)
class Entry:
    entry_id: int
    logged_at: float
    username: str
    role: str
    action: str
    target: str
    page: str
    filters: dict
    rows: int
    subjects: tuple[int, ...] = ()


@dataclass(frozen=True)
class Anchor:
    """Where a prune cut the chain: the last removed entry, its hash, and how many entries went."""

    anchor_id: int
    pruned_at: float
    last_entry_id: int
    last_hash: str
    removed: int


class Verification(tuple):
    """The chain check's answer: a tuple (intact, entry_id) — (True, None), or (False, the first entry
    that does not fit, or the entry an anchor names) — with `.problem` saying what broke: 'entry' (an
    entry was changed, removed or reordered), 'gap' (entries before it are missing: the oldest cut away, the
    table emptied — entry ids are gapless), 'anchor_unbacked' (the newest anchor is not the one the
    newest prune entry recorded), 'anchor_chain' (an anchor row was added or changed),
    'anchor_hides' (entries remain behind the anchor, hidden from the check), 'anchor_too_recent'
    (a prune removed entries younger than the retention period), 'time_backwards' (an entry is dated
    before its predecessor, or before the entry its anchor names), 'time_future' (an entry is dated
    after now), and for `check_head`: 'head_unreadable', 'head_forged' (wrong HMAC), 'head_mismatch'
    (that entry now has another hash), 'head_missing' (the log was cut back below it),
    'head_pruned_too_early' (its entry was pruned before the retention period had passed, counted
    from the prune's time, or the log now starts before the head's time although the head is gone)."""

    def __new__(cls, intact: bool, entry_id: int | None = None, problem: str | None = None):
        self = super().__new__(cls, (bool(intact), entry_id))
        self.problem = problem
        return self

    @property
    def intact(self) -> bool:
        return self[0]

    @property
    def entry_id(self) -> int | None:
        return self[1]


def _subjects_text(subjects) -> str:
    return json.dumps(sorted({int(s) for s in subjects or ()}), separators=(",", ":"))


def _digest(
    previous: str,
    logged_at: float,
    username: str,
    role: str,
    action: str,
    target: str,
    page: str,
    filters: str,
    rows: int,
    subjects: str = "[]",
) -> str:
    content = json.dumps(
        [previous, repr(logged_at), username, role, action, target, page, filters, rows, subjects],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _anchors_digest(anchors) -> str:
    """A hash chain over the anchor rows (anchor_id, pruned_at, last_entry_id, last_hash, removed)."""
    digest = GENESIS
    for anchor_id, pruned_at, last_entry_id, last_hash, removed in anchors:
        content = json.dumps(
            [digest, int(anchor_id), repr(float(pruned_at)), int(last_entry_id), last_hash, int(removed)],
            separators=(",", ":"),
        )
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return digest


def _who() -> str:
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container)
        return "system"


class AccessLog:
    """Thread- and process-safe; one per deployment (a 0600 file, or a PostgreSQL schema: `where` is a
    StateDB, a SQLite path or a PostgreSQL URL). `retention_days` is how long entries are kept: `prune`
    refuses to remove anything younger, `verify` reports a prune that did."""

    def __init__(self, where: StateDB | Path | str, retention_days: float = 1825, clock=time.time):
        self.db = StateDB.of(where, "access_log")
        self.path = self.db.path
        self.retention_days = float(retention_days)
        self._clock = clock
        self._lock = threading.Lock()
        self._subjects = subjects_sql(self.db.backend)
        self.db.create(_SCHEMA, pg_extra=_PG_EXTRA)

    def record(
        self, username: str, role: str, action: str, target: str, page: str, filters: dict, rows: int, subjects=()
    ) -> int:
        """Append one entry (with the ids of the pupils it showed, if any); returns its id."""
        with self._lock, self.db.connect(exclusive=True) as db:  # one writer at a time, across processes too
            return self._append(db, username, role, action, target, page, filters, rows, subjects)

    def _append(
        self,
        db,
        username: str,
        role: str,
        action: str,
        target: str,
        page: str,
        filters: dict,
        rows: int,
        subjects=(),
        now: float | None = None,
    ) -> int:
        text = json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        pupils = _subjects_text(subjects)
        # Entry ids are gapless (verify() checks it): the next id is chosen here, under the store's exclusive
        # lock, not by a sequence that a rolled-back append would leave a hole in.
        last = db.execute("select entry_id, entry_hash from access_log order by entry_id desc limit 1").fetchone()
        if last:
            entry_id, previous = int(last[0]) + 1, last[1]
        else:
            (after,) = db.execute("select coalesce(max(last_entry_id), 0) from access_log_anchor").fetchone()
            entry_id, previous = int(after) + 1, GENESIS
        now = self._clock() if now is None else now
        digest = _digest(previous, now, username, role, action, target, page, text, int(rows), pupils)
        db.execute(
            "insert into access_log (entry_id, logged_at, username, role, action, target, page, filters, "
            "rows, previous_hash, entry_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, now, username, role, action, target, page, text, int(rows), previous, digest),
        )
        db.executemany(
            "insert into access_log_subject (entry_id, pupil_id) values (?, ?)",
            [(entry_id, p) for p in json.loads(pupils)],
        )
        return int(entry_id)

    def entries(self, username: str | None = None, limit: int = 500, pupil_id: int | None = None) -> list[Entry]:
        """Newest first; `pupil_id`: only the entries that showed or exported that pupil."""
        where, args = [], []
        if username:
            where.append("a.username = ?")
            args.append(username)
        if pupil_id is not None:
            where.append("a.entry_id in (select entry_id from access_log_subject where pupil_id = ?)")
            args.append(int(pupil_id))
        sql = (
            "select a.entry_id, a.logged_at, a.username, a.role, a.action, a.target, a.page, a.filters, a.rows, "
            + self._subjects
            + " from access_log a "
            + ("where " + " and ".join(where) + " " if where else "")
            + "order by a.entry_id desc limit ?"
        )
        with self.db.connect() as db:
            rows = db.execute(sql, (*args, limit)).fetchall()
        return [
            Entry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], tuple(json.loads(r[9])))
            for r in rows
        ]

    def anchors(self) -> list[Anchor]:
        """Every prune so far, oldest first (the admin page shows them)."""
        with self.db.connect() as db:
            return [Anchor(*row) for row in db.execute(_ANCHORS).fetchall()]

    def prune(self, before: float) -> int:
        """Retention: remove the entries logged before `before` (a timestamp at least `retention_days`
        ago, else ValueError). First a `prune` entry is appended to the chain naming the last removed
        entry, its hash and time, and the digest of the anchors including the new one; then the anchor
        row; then the deletion, which the triggers allow only at or below the newest anchor. All in one
        transaction. Returns how many entries went."""
        now = self._clock()
        if before > now - self.retention_days * DAY:
            raise ValueError(f"the access log keeps {self.retention_days:g} days: newer entries cannot be pruned")
        with self._lock, self.db.connect(exclusive=True) as db:
            (newest,) = db.execute("select max(logged_at) from access_log").fetchone()
            if newest is not None and newest > now + CLOCK_SKEW:
                raise ValueError(
                    "the newest access-log entry is dated after now: the clock is wrong "
                    "or the log is forged; nothing was pruned"
                )
            last = db.execute(
                "select entry_id, entry_hash, logged_at from access_log where logged_at < ? "
                "order by entry_id desc limit 1",
                (before,),
            ).fetchone()
            if last is None:
                return 0
            (removed,) = db.execute("select count(*) from access_log where entry_id <= ?", (last[0],)).fetchone()
            anchors = db.execute(_ANCHORS).fetchall()
            anchor = ((anchors[-1][0] if anchors else 0) + 1, now, last[0], last[1], removed)
            self._append(
                db,
                _who(),
                "system",
                Action.PRUNE,
                Target.ACCESS_LOG,
                "access_log_prune",
                {
                    "anchor_id": anchor[0],
                    "last_entry_id": last[0],
                    "last_hash": last[1],
                    "last_logged_at": last[2],
                    "removed": removed,
                    "retention_days": self.retention_days,
                    "anchors": _anchors_digest([*anchors, anchor]),
                },
                rows=removed,
                now=now,
            )
            db.execute(
                "insert into access_log_anchor (anchor_id, pruned_at, last_entry_id, last_hash, removed) "
                "values (?, ?, ?, ?, ?)",
                anchor,
            )
            db.execute("delete from access_log_subject where entry_id <= ?", (last[0],))
            db.execute("delete from access_log where entry_id <= ?", (last[0],))
            return int(removed)

    def verify(self) -> Verification:
        """Unpacks as (True, None) if the chain and its anchors are intact; else (False, the first entry
        id that does not fit — for an anchor problem the entry it names); `.problem` says what broke."""
        return self._check()

    def _check(self) -> Verification:
        now = max(time.time(), self._clock())  # a test's clock may run ahead; never behind the real one
        with self.db.connect(snapshot=True) as db:  # one snapshot: a prune running meanwhile is seen whole or not
            anchors = db.execute(_ANCHORS).fetchall()
            start, previous = 0, GENESIS
            if anchors:
                start, previous = anchors[-1][2], anchors[-1][3]
                (hidden,) = db.execute("select min(entry_id) from access_log where entry_id <= ?", (start,)).fetchone()
                if hidden is not None:
                    return Verification(False, hidden, "anchor_hides")
            last_prune, previous_at, first_at, expected_id = None, None, None, start + 1
            for row in db.execute(
                "select a.entry_id, a.logged_at, a.username, a.role, a.action, a.target, a.page, "
                "a.filters, a.rows, " + self._subjects + ", a.previous_hash, a.entry_hash "
                "from access_log a where a.entry_id > ? order by a.entry_id",
                (start,),
            ):  # streamed from SQLite; psycopg's client-side cursor holds the result
                entry_id, *content, stored_previous, stored_hash = row
                if stored_previous != previous or _digest(previous, *content) != stored_hash:
                    return Verification(False, entry_id, "entry")
                if entry_id != expected_id:  # entries cut away before this one (a TRUNCATE, a delete of the oldest)
                    return Verification(False, entry_id, "gap")
                expected_id = entry_id + 1
                logged_at = float(content[0])
                if logged_at > now + CLOCK_SKEW:
                    return Verification(False, entry_id, "time_future")
                if previous_at is not None and logged_at < previous_at - CLOCK_SKEW:
                    return Verification(False, entry_id, "time_backwards")
                if content[3] == "prune":
                    last_prune = (logged_at, json.loads(content[6]))
                if first_at is None:
                    first_at = logged_at
                previous = stored_hash
                previous_at = logged_at if previous_at is None else max(previous_at, logged_at)
        if not anchors and last_prune is None:
            return Verification(True)
        if not anchors or last_prune is None:
            return Verification(False, start or None, "anchor_unbacked")
        pruned_at, said = last_prune
        anchor_id, _, last_entry_id, last_hash, removed = anchors[-1]
        if [said.get(k) for k in ("anchor_id", "last_entry_id", "last_hash", "removed")] != [
            anchor_id,
            last_entry_id,
            last_hash,
            removed,
        ]:
            return Verification(False, last_entry_id, "anchor_unbacked")
        if said.get("anchors") != _anchors_digest(anchors):
            return Verification(False, last_entry_id, "anchor_chain")
        last_logged_at = float(said.get("last_logged_at", pruned_at))
        if last_logged_at > pruned_at - self.retention_days * DAY:
            return Verification(False, last_entry_id, "anchor_too_recent")
        if first_at is not None and first_at < last_logged_at - CLOCK_SKEW:
            return Verification(False, last_entry_id, "time_backwards")  # the kept part starts before the cut
        return Verification(True)

    # --- the chain head, for safekeeping outside the host ----------------------------------------
    def head(self, key: bytes) -> str:
        """The newest entry's id, time and hash with an HMAC under `key` (kept outside the database):
        one line to store off the host; `check_head` later proves the log still contains it."""
        with self.db.connect() as db:
            row = db.execute(
                "select entry_id, logged_at, entry_hash from access_log order by entry_id desc limit 1"
            ).fetchone()
        entry_id, logged_at, entry_hash = row or (0, 0.0, GENESIS)
        body = f"{HEAD_FORMAT}:{entry_id}:{float(logged_at)!r}:{entry_hash}"
        return f"{body}:{hmac.new(key, body.encode(), 'sha256').hexdigest()}"

    def check_head(self, value: str, key: bytes) -> Verification:
        """Does the log still contain (or extend) the head exported earlier? The chain must verify, and
        the head's entry must be there with the same time and hash — or have been pruned behind an
        anchor after the retention period, never earlier."""
        parts = value.strip().split(":")
        if len(parts) != 5 or parts[0] != HEAD_FORMAT:
            return Verification(False, None, "head_unreadable")
        body = ":".join(parts[:4])
        if not hmac.compare_digest(hmac.new(key, body.encode(), "sha256").hexdigest(), parts[4]):
            return Verification(False, None, "head_forged")
        try:
            entry_id, logged_at, entry_hash = int(parts[1]), float(parts[2]), parts[3]
        except ValueError:
            return Verification(False, None, "head_unreadable")
        result = self._check()
        if not result.intact or entry_id == 0:
            return result
        with self.db.connect(snapshot=True) as db:
            row = db.execute("select logged_at, entry_hash from access_log where entry_id = ?", (entry_id,)).fetchone()
            anchors = db.execute(_ANCHORS).fetchall()
            (first_at,) = db.execute("select logged_at from access_log order by entry_id limit 1").fetchone() or (None,)
        if row is not None:
            ok = float(row[0]) == logged_at and row[1] == entry_hash
            return Verification(True) if ok else Verification(False, entry_id, "head_mismatch")
        pruned = next((Anchor(*a) for a in anchors if a[2] >= entry_id), None)
        if pruned is None:
            return Verification(False, entry_id, "head_missing")
        now = max(time.time(), self._clock())
        if pruned.pruned_at > now + CLOCK_SKEW or logged_at > pruned.pruned_at - self.retention_days * DAY:
            return Verification(False, entry_id, "head_pruned_too_early")
        if first_at is not None and float(first_at) < logged_at - CLOCK_SKEW:
            # every entry the log still holds comes after the head's: none may be dated before it
            return Verification(False, entry_id, "head_pruned_too_early")
        return Verification(True)


def monthly_use(log: AccessLog, since: float = 0.0) -> list[dict]:
    """M4's feed: per month and user, the events that show Tilannekuva was used (sign-ins and views),
    with the role and the first unit of the user's scope — rows for the `tilannekuva_kaytto` source."""
    import datetime as dt

    counts: dict[tuple, dict] = {}
    for e in log.entries(limit=10_000_000):
        if e.logged_at < since or e.action not in (Action.SIGN_IN, Action.VIEW) or not e.role:
            continue
        month = dt.date.fromtimestamp(e.logged_at).replace(day=1)
        row = counts.setdefault(
            (month, e.username),
            {
                "month": month,
                "username": e.username,
                "role": e.role,
                "unit_id": None,
                "page_views": 0,
                "source": "access_log",
            },
        )
        row["page_views"] += 1
        units = e.filters.get("units") or []
        if row["unit_id"] is None and units:
            row["unit_id"] = int(units[0])
    return sorted(counts.values(), key=lambda r: (r["month"], r["username"]))
