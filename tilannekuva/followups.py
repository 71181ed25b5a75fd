"""Follow-up marks on the support-signal watch list: a teacher marks a pupil as followed up
(with an optional note); the principal sees the mark beside the pupil on their support page.

Kept in the state (tilannekuva.statedb: data/state/followups.sqlite, or the schema tk_followups in
PostgreSQL that every app process shares), outside the versioned warehouse, as an append-only history
(a trigger refuses any update, on either backend): the current mark of a pupil in a school year is the latest
row. Only pupils the caller may see can be marked: the page passes the pupil ids in the user's
scope, and anything else is refused; an admin viewing the app as the teacher cannot mark at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from tilannekuva.access import Principal
from tilannekuva.inert import storable
from tilannekuva.statedb import StateDB

_SCHEMA = """
create table if not exists followup (
    mark_id integer primary key,
    pupil_id integer not null,
    school_year_id integer not null,
    username text not null,
    marked_at real not null,
    followed integer not null,        -- 1 = followed up, 0 = mark withdrawn
    note text not null default ''
);
create index if not exists followup_pupil on followup (school_year_id, pupil_id, mark_id);
create trigger if not exists followup_no_update before update on followup
begin select raise(abort, 'follow-up marks are append-only'); end;
"""

# SQLite's trigger above in PostgreSQL's words (statedb drops SQLite's triggers from the translated DDL).
_PG_TRIGGER = """
create or replace function followup_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'follow-up marks are append-only';
end $$;
create or replace trigger followup_no_update before update on followup
    for each row execute function followup_append_only();
"""


class FollowUps:
    def __init__(self, where: StateDB | Path | str):
        self.db = StateDB.of(where, "followups")
        self.path = self.db.path  # the SQLite file (None on PostgreSQL)
        self.db.create(_SCHEMA, pg_extra=_PG_TRIGGER)

    def mark(
        self,
        pupil_id: int,
        school_year_id: int,
        principal: Principal,
        allowed: Iterable[int],
        followed: bool = True,
        note: str = "",
    ) -> None:
        """Record a mark as `principal`; `allowed` is the pupil ids in its scope (anything else is refused),
        and a read-only principal (an admin viewing the app as this user) may not mark anything. The note is kept
        with its control characters as spaces (a NUL byte cannot be stored in PostgreSQL)."""
        username = principal.username
        if principal.read_only:
            raise PermissionError(f"{principal.viewed_by} is viewing as {username}: read-only, no marks")
        if int(pupil_id) not in {int(p) for p in allowed}:
            raise PermissionError(f"{username} may not mark pupil {pupil_id}")
        with self.db.connect() as db:
            db.execute(
                "insert into followup (pupil_id, school_year_id, username, marked_at, followed, note) "
                "values (?, ?, ?, ?, ?, ?)",
                (int(pupil_id), int(school_year_id), username, time.time(), int(followed), storable(note, " ")[:500]),
            )

    def current(self, school_year_id: int, pupil_ids: Iterable[int]) -> pl.DataFrame:
        """The latest mark of each of `pupil_ids` that is marked followed up."""
        ids = [int(p) for p in pupil_ids]
        schema = {"pupil_id": pl.Int64, "followed_by": pl.String, "followed_at": pl.Datetime("ms"), "note": pl.String}
        if not ids:
            return pl.DataFrame(schema=schema)
        with self.db.connect() as db:
            rows = db.execute(
                f"""
                select pupil_id, username, marked_at, note from followup f
                where school_year_id = ? and pupil_id in ({",".join("?" * len(ids))})
                  and mark_id = (select max(mark_id) from followup g
                                 where g.school_year_id = f.school_year_id and g.pupil_id = f.pupil_id)
                  and followed = 1""",
                [int(school_year_id), *ids],
            ).fetchall()
        return pl.DataFrame(
            [(p, u, int(at * 1000), n) for p, u, at, n in rows],
            schema={"pupil_id": pl.Int64, "followed_by": pl.String, "followed_at": pl.Int64, "note": pl.String},
            orient="row",
        ).with_columns(pl.col("followed_at").cast(pl.Datetime("ms")))
