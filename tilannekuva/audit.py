"""The access log: every view of personal data and every export — who, role, what, filters, when.

Append-only and tamper-evident, as the Act on Information Management in Public Administration
(906/2019) expects: a SQLite file in the state directory (data/state/access_log.sqlite) whose rows
are never updated or deleted by the application (triggers refuse it), each row carrying the
SHA-256 of its content and of the previous row, so an edited, removed or reordered row breaks
`verify()`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
create table if not exists access_log (
    entry_id integer primary key,
    logged_at real not null,
    username text not null,
    role text not null,
    action text not null,          -- 'view' or 'export'
    target text not null,          -- e.g. 'pupil_list', 'support_signals'
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
GENESIS = "0" * 64
# The entry's pupil ids as a sorted JSON list, as hashed ("[]" when none).
_SUBJECTS = ("(select coalesce(json_group_array(pupil_id), '[]') from (select pupil_id from access_log_subject s "
             "where s.entry_id = a.entry_id order by pupil_id))")


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


def _subjects_text(subjects) -> str:
    return json.dumps(sorted({int(s) for s in subjects or ()}), separators=(",", ":"))


def _digest(previous: str, logged_at: float, username: str, role: str, action: str, target: str, page: str,
            filters: str, rows: int, subjects: str = "[]") -> str:
    content = json.dumps([previous, repr(logged_at), username, role, action, target, page, filters, rows, subjects],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


class AccessLog:
    """Thread-safe; one file per deployment."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def record(self, username: str, role: str, action: str, target: str, page: str, filters: dict,
               rows: int, subjects=()) -> int:
        """Append one entry (with the ids of the pupils it showed, if any); returns its id."""
        text = json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        pupils = _subjects_text(subjects)
        with self._lock, self._db() as db:
            db.execute("begin immediate")         # one writer at a time, across processes too
            try:
                last = db.execute("select entry_hash from access_log order by entry_id desc limit 1").fetchone()
                previous = last[0] if last else GENESIS
                now = time.time()
                digest = _digest(previous, now, username, role, action, target, page, text, int(rows), pupils)
                cur = db.execute("insert into access_log (logged_at, username, role, action, target, page, filters, "
                                 "rows, previous_hash, entry_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (now, username, role, action, target, page, text, int(rows), previous, digest))
                db.executemany("insert into access_log_subject values (?, ?)",
                               [(cur.lastrowid, p) for p in json.loads(pupils)])
                db.execute("commit")
                return int(cur.lastrowid)
            except BaseException:
                db.execute("rollback")
                raise

    def entries(self, username: str | None = None, limit: int = 500, pupil_id: int | None = None) -> list[Entry]:
        """Newest first; `pupil_id`: only the entries that showed or exported that pupil."""
        where, args = [], []
        if username:
            where.append("a.username = ?")
            args.append(username)
        if pupil_id is not None:
            where.append("a.entry_id in (select entry_id from access_log_subject where pupil_id = ?)")
            args.append(int(pupil_id))
        sql = ("select a.entry_id, a.logged_at, a.username, a.role, a.action, a.target, a.page, a.filters, a.rows, "
               + _SUBJECTS + " from access_log a " + ("where " + " and ".join(where) + " " if where else "")
               + "order by a.entry_id desc limit ?")
        with self._db() as db:
            rows = db.execute(sql, (*args, limit)).fetchall()
        return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], tuple(json.loads(r[9])))
                for r in rows]

    def prune(self, before: float) -> int:
        """Retention: remove the entries logged before `before` (a timestamp). An anchor row records
        where the removed part of the chain ended, so the rest still verifies; the triggers allow
        deleting only entries at or below the latest anchor. Returns how many entries went."""
        with self._lock, self._db() as db:
            db.execute("begin immediate")
            try:
                last = db.execute("select entry_id, entry_hash from access_log where logged_at < ? "
                                  "order by entry_id desc limit 1", (before,)).fetchone()
                if last is None:
                    db.execute("rollback")
                    return 0
                (removed,) = db.execute("select count(*) from access_log where entry_id <= ?", (last[0],)).fetchone()
                db.execute("insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) "
                           "values (?, ?, ?, ?)", (time.time(), last[0], last[1], removed))
                db.execute("delete from access_log_subject where entry_id <= ?", (last[0],))
                db.execute("delete from access_log where entry_id <= ?", (last[0],))
                db.execute("commit")
                return int(removed)
            except BaseException:
                db.execute("rollback")
                raise

    def verify(self) -> tuple[bool, int | None]:
        """(True, None) if the chain is intact; else (False, the first entry id that does not fit)."""
        previous = GENESIS
        with self._db() as db:
            anchor = db.execute("select last_entry_id, last_hash from access_log_anchor "
                                "order by anchor_id desc limit 1").fetchone()
            start = 0
            if anchor is not None:
                start, previous = anchor
            for row in db.execute("select a.entry_id, a.logged_at, a.username, a.role, a.action, a.target, a.page, "
                                  "a.filters, a.rows, " + _SUBJECTS + ", a.previous_hash, a.entry_hash "
                                  "from access_log a where a.entry_id > ? order by a.entry_id", (start,)):
                entry_id, *content, stored_previous, stored_hash = row
                if stored_previous != previous or _digest(previous, *content) != stored_hash:
                    return False, entry_id
                previous = stored_hash
        return True, None


def monthly_use(log: AccessLog, since: float = 0.0) -> list[dict]:
    """M4's feed: per month and user, the events that show Tilannekuva was used (sign-ins and views),
    with the role and the first unit of the user's scope — rows for the `tilannekuva_kaytto` source."""
    import datetime as dt
    counts: dict[tuple, dict] = {}
    for e in log.entries(limit=10_000_000):
        if e.logged_at < since or e.action not in ("sign_in", "view") or not e.role:
            continue
        month = dt.date.fromtimestamp(e.logged_at).replace(day=1)
        row = counts.setdefault((month, e.username), {"month": month, "username": e.username, "role": e.role,
                                                      "unit_id": None, "page_views": 0, "source": "access_log"})
        row["page_views"] += 1
        units = e.filters.get("units") or []
        if row["unit_id"] is None and units:
            row["unit_id"] = int(units[0])
    return sorted(counts.values(), key=lambda r: (r["month"], r["username"]))
