"""Load history: every load, its files, checksums, row counts, result and problems.

Kept in the state beside the security store (tilannekuva.statedb: data/state/loads.sqlite, or the
schema tk_loads in PostgreSQL, where `tilannekuva ingest` on any machine and every app process see the
same history), outside the versioned warehouse, so a rejected load — which by rule changes nothing in the
warehouse — is still on record with its problems.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tilannekuva.ingest.limits import IngestLimits, cap_problems
from tilannekuva.ingest.problems import Problem, dumps, loads
from tilannekuva.statedb import StateDB

_SCHEMA = """
create table if not exists load (
    load_id integer primary key,
    kind text not null,                 -- 'ingest' or 'demo' (a full rebuild: earlier loads no longer apply)
    started_at real not null,
    finished_at real,
    run_by text not null,
    result text not null,               -- 'running', 'loaded', 'rejected', 'skipped', 'failed'
    seconds real,
    version text,                       -- the warehouse file it published
    message text
);
create table if not exists load_file (
    load_id integer not null references load (load_id),
    position integer,                   -- the file's place in its load (the order it was given in)
    file_name text not null,
    source text,                        -- the contract name
    sha256 text not null,
    size_bytes integer not null,
    format text,
    rows_in integer,
    rows_accepted integer,
    rows_replaced integer,
    periods text,                       -- the periods (or keys) the file replaced
    result text not null,               -- 'loaded', 'rejected', 'skipped' (byte-identical to a loaded file)
    problems text                       -- JSON list of problems
);
create index if not exists load_file_sha on load_file (sha256);
"""


@dataclass(frozen=True)
class FileRecord:
    file_name: str
    source: str | None
    sha256: str
    size_bytes: int
    format: str | None = None
    rows_in: int | None = None
    rows_accepted: int | None = None
    rows_replaced: int | None = None
    periods: str | None = None
    result: str = "rejected"
    problems: tuple[Problem, ...] = ()


def files_frame(files: list[FileRecord]) -> pl.DataFrame:
    """One load's files as a table (the admin's loads page): no source as '–', the checksum's first 12 digits."""
    return pl.DataFrame(
        [
            {
                "file_name": f.file_name,
                "source": f.source or "–",
                "result": f.result,
                "rows_in": f.rows_in,
                "rows_accepted": f.rows_accepted,
                "rows_replaced": f.rows_replaced,
                "periods": f.periods,
                "checksum": f.sha256[:12],
            }
            for f in files
        ],
        schema={
            "file_name": pl.String,
            "source": pl.String,
            "result": pl.String,
            "rows_in": pl.Int64,
            "rows_accepted": pl.Int64,
            "rows_replaced": pl.Int64,
            "periods": pl.String,
            "checksum": pl.String,
        },
    )


class LoadHistory:
    def __init__(self, where: StateDB | Path | str):
        self.db = StateDB.of(where, "loads")
        self.path = self.db.path  # the SQLite file (None on PostgreSQL)
        if self.db.backend == "sqlite":
            self._add_position()
        self.db.create(_SCHEMA)

    def _add_position(self) -> None:
        """A history file written before `load_file.position` existed gets the column, numbered in the order
        the rows were written (SQLite's rowid, which is what the files were listed by then)."""
        with self.db.connect(exclusive=True) as db:
            columns = {row[1] for row in db.execute("pragma table_info(load_file)").fetchall()}
            if columns and "position" not in columns:
                db.execute("alter table load_file add column position integer")
                db.execute("update load_file set position = rowid")

    def start(self, run_by: str, kind: str = "ingest") -> int:
        with self.db.connect() as db:
            (load_id,) = db.execute(
                "insert into load (kind, started_at, run_by, result) values (?, ?, ?, 'running') returning load_id",
                (kind, time.time(), run_by),
            ).fetchone()
            return int(load_id)

    def finish(
        self, load_id: int, result: str, files: list[FileRecord], version: str | None = None, message: str | None = None
    ) -> None:
        now = time.time()
        with self.db.connect() as db:
            (started,) = db.execute("select started_at from load where load_id = ?", (load_id,)).fetchone()
            db.execute(
                "update load set finished_at = ?, result = ?, seconds = ?, version = ?, message = ? where load_id = ?",
                (now, result, now - started, version, message, load_id),
            )
            db.executemany(
                "insert into load_file (load_id, position, file_name, source, sha256, size_bytes, format, rows_in, "
                "rows_accepted, rows_replaced, periods, result, problems) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        load_id,
                        position,
                        f.file_name,
                        f.source,
                        f.sha256,
                        f.size_bytes,
                        f.format,
                        f.rows_in,
                        f.rows_accepted,
                        f.rows_replaced,
                        f.periods,
                        f.result,
                        dumps(list(f.problems)) if f.problems else None,
                    )
                    for position, f in enumerate(files)
                ],
            )

    def record_build(self, version: str, seconds: float, run_by: str | None = None) -> int:
        """A full rebuild (the demo generator): loads before it no longer describe the data."""
        import getpass

        load_id = self.start(run_by or getpass.getuser(), kind="demo")
        with self.db.connect() as db:
            db.execute(
                "update load set finished_at = started_at + ?, result = 'loaded', seconds = ?, version = ? "
                "where load_id = ?",
                (seconds, seconds, version, load_id),
            )
        return load_id

    def already_loaded(self, source: str, sha256: str) -> int | None:
        """The load that last loaded this exact file, if nothing has replaced its data since.

        A later loaded file of the same source and periods, or a demo rebuild, means the
        identical file is not a no-op any more."""
        with self.db.connect() as db:
            row = db.execute(
                """
                select f.load_id, f.periods from load_file f join load l using (load_id)
                where f.source = ? and f.sha256 = ? and f.result = 'loaded' order by f.load_id desc limit 1""",
                (source, sha256),
            ).fetchone()
            if row is None:
                return None
            load_id, periods = row
            later = db.execute(
                """
                select 1 from load l left join load_file f on f.load_id = l.load_id
                where l.load_id > ? and l.result = 'loaded'
                  and (l.kind = 'demo' or (f.source = ? and f.periods = ? and f.sha256 <> ? and f.result = 'loaded'))
                limit 1""",
                (load_id, source, periods, sha256),
            ).fetchone()
            return None if later else load_id

    def mark_interrupted(self) -> int:
        """Loads left 'running' by a killed process (called under the load lock)."""
        with self.db.connect() as db:
            return db.execute(
                "update load set result = 'failed', message = 'interrupted' where result = 'running'"
            ).rowcount

    def loads(self, limit: int = 50) -> pl.DataFrame:
        with self.db.connect() as db:
            rows = db.execute(
                """
                select l.load_id, l.kind, l.started_at, l.run_by, l.result,
                       l.seconds, l.version, l.message, count(f.file_name) as files,
                       cast(sum(f.rows_in) as bigint) as rows_in, cast(sum(f.rows_accepted) as bigint) as rows_accepted
                from load l left join load_file f using (load_id)
                group by l.load_id order by l.load_id desc limit ?""",
                (limit,),
            ).fetchall()
        # the start in the server's local time, to the second (the admin's loads page shows it as it is)
        rows = [(r[0], r[1], _local(r[2]), *r[3:]) for r in rows]
        return pl.DataFrame(
            rows,
            orient="row",
            schema={
                "load_id": pl.Int64,
                "kind": pl.String,
                "started_at": pl.Datetime("us"),
                "run_by": pl.String,
                "result": pl.String,
                "seconds": pl.Float64,
                "version": pl.String,
                "message": pl.String,
                "files": pl.Int64,
                "rows_in": pl.Int64,
                "rows_accepted": pl.Int64,
            },
        )

    def files(self, load_id: int) -> list[FileRecord]:
        with self.db.connect() as db:
            rows = db.execute(
                "select file_name, source, sha256, size_bytes, format, rows_in, rows_accepted, "
                "rows_replaced, periods, result, problems from load_file where load_id = ? "
                "order by position",
                (load_id,),
            ).fetchall()
        # capped when stored; capped again here for records of loads made before the cap existed
        return [FileRecord(*r[:10], problems=tuple(cap_problems(loads(r[10]), IngestLimits()))) for r in rows]


def _local(epoch: float) -> dt.datetime:
    """An epoch second as a naive local time, whole seconds (what SQLite's datetime(x, 'unixepoch',
    'localtime') gave, on either backend)."""
    return dt.datetime.fromtimestamp(int(epoch))
