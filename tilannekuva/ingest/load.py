"""`ingest(paths, ...)`: validate every export, then load them all into a new warehouse version.

All or nothing: every file is read and checked before anything is written; any problem in any
file rejects the whole load, and the served warehouse is not touched. A valid load copies the
served file to `.building-*.duckdb`, applies each export (dimensions are merged by key, facts
replace the periods the file covers, so re-loading a period never doubles it), rebuilds the
rollups, renames the file into place and publishes it. A byte-identical re-load of a file whose
data nothing has replaced since is skipped. Only one writer runs at a time (`writer_lock`).
Symlinks are refused, and every file is read within `IngestLimits` (size, columns, rows, an
.xlsx's inflated size; problems listed per kind and file are capped), so a hostile export costs
little and its rejection stays small in the history. New warehouse files are made 0600.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl

from tilannekuva import duck
from tilannekuva.aggregates import refresh_aggregates
from tilannekuva.files import tighten
from tilannekuva.ingest.contracts import CONTRACTS, REFERENCED, Contract, Known, contract_for_file
from tilannekuva.ingest.history import FileRecord, LoadHistory
from tilannekuva.ingest.limits import IngestLimits, cap_problems, read_once, refuse_link, refuse_size
from tilannekuva.ingest.problems import LoadRejected, Problem
from tilannekuva.ingest.read import check_columns, coerce, read_export
from tilannekuva.ingest.validate import validate
from tilannekuva.warehouse import (
    SCHEMA_VERSION,
    WarehouseUnavailable,
    building_file,
    current_file,
    publish,
    remove_file,
    remove_old_versions,
    schema_sql,
    schema_version,
    writer_lock,
)

log = logging.getLogger(__name__)

# Tests set this to hold a load half-way through writing, to kill it there.
PAUSE_ENV = "TILANNEKUVA_INGEST_PAUSE_SECONDS"


class LoadFailed(RuntimeError):
    """The load passed validation but could not be written; nothing was published."""


@dataclass
class LoadResult:
    load_id: int
    result: str  # 'loaded' or 'skipped'
    version: str | None
    files: list[FileRecord] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted or 0 for f in self.files)


@dataclass
class _Prepared:
    path: Path
    contract: Contract
    sha256: str
    size: int
    format: str
    frame: pl.DataFrame
    periods: str


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the files of any folder given (hidden files aside), in name order;
    a file named twice is loaded once. Symlinks in a folder are listed (and then refused by `_check`)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if (f.is_file() or f.is_symlink()) and not f.name.startswith("."))
        else:
            files.append(p)

    def same(f: Path) -> Path:  # the folder resolved, not a symlink's target: a link never hides a file
        return f.parent.resolve() / f.name

    unique = {same(f): f for f in reversed(files)}
    return [f for f in files if unique.get(same(f)) is f]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest(
    paths: list[Path],
    warehouse_dir: Path,
    history: LoadHistory,
    run_by: str | None = None,
    force: bool = False,
    today: dt.date | None = None,
    limits: IngestLimits | None = None,
) -> LoadResult:
    """Load the exports in `paths` as one all-or-nothing load. Raises LoadRejected with every
    problem found (capped per kind and file by `limits`), LoadFailed if writing failed,
    WarehouseBusy if another writer runs."""
    today = today or dt.date.today()
    limits = limits or IngestLimits()
    warehouse_dir = Path(warehouse_dir)
    with writer_lock(warehouse_dir):
        history.mark_interrupted()
        load_id = history.start(run_by or _who())
        started = time.perf_counter()
        files = expand(paths)
        try:
            served = _served(warehouse_dir)
            records, prepared, problems = _check(files, _known_values(served), history, force, today, limits)
        except LoadFailed as exc:
            history.finish(load_id, "failed", [], message=str(exc))
            raise
        except Exception as exc:
            history.finish(load_id, "failed", [], message=f"{type(exc).__name__}: {exc}"[:500])
            raise
        if problems:
            recs = [replace(r, result="rejected") if r.result == "valid" else r for r in records]
            history.finish(load_id, "rejected", recs, message=f"{len(problems)} problems")
            log.warning("load %d rejected: %d problems in %d files", load_id, len(problems), len(files))
            raise LoadRejected(problems)
        if not prepared:
            history.finish(load_id, "skipped", records, message="identical to loaded files")
            return LoadResult(load_id, "skipped", None, records, time.perf_counter() - started)
        try:
            version, replaced = _write(warehouse_dir, served, prepared, load_id, today)
        except Exception as exc:
            recs = [replace(r, result="rejected") if r.result == "valid" else r for r in records]
            history.finish(load_id, "failed", recs, message=str(exc)[:500])
            log.error("load %d failed while writing: %s", load_id, exc)
            raise LoadFailed(str(exc)) from exc
        recs = [
            replace(r, result="loaded", rows_accepted=r.rows_in, rows_replaced=replaced.get(r.file_name, 0))
            if r.result == "valid"
            else r
            for r in records
        ]
        history.finish(load_id, "loaded", recs, version=version)
        seconds = time.perf_counter() - started
        log.info("load %d published %s in %.1f s", load_id, version, seconds)
        return LoadResult(load_id, "loaded", version, recs, seconds)


def _served(warehouse_dir: Path) -> Path | None:
    """The served file, or None for a first load; an older schema cannot be loaded into."""
    try:
        served = current_file(warehouse_dir)
    except WarehouseUnavailable:
        return None
    version = schema_version(served)
    if version != SCHEMA_VERSION:
        raise LoadFailed(
            f"The served warehouse {served.name} has schema version {version}; "
            f"this version of Tilannekuva loads into version {SCHEMA_VERSION}"
        )
    return served


def _check(
    files: list[Path], known: Known, history: LoadHistory, force: bool, today: dt.date, limits: IngestLimits
) -> tuple[list[FileRecord], list[_Prepared], list[Problem]]:
    """Read and check every file (dimensions first, so a fact may reference a unit or pupil
    that arrives in the same load); nothing is written here."""
    records: dict[Path, FileRecord] = {}
    problems: list[Problem] = [] if files else [Problem("–", "no_files")]
    if len(files) > limits.max_files:  # nothing is opened: the whole load is one problem
        problem = Problem("–", "too_many_files", values={"found": len(files), "limit": limits.max_files})
        return [FileRecord("–", None, "", 0, problems=(problem,))], [], [problem]
    todo = []
    for path in files:
        refused = (
            refuse_link(path)
            or (Problem(path.name, "not_found") if not path.exists() else None)
            or refuse_size(path, limits)
        )
        if refused:
            problems.append(refused)
            records[path] = FileRecord(
                path.name,
                None,
                "",
                0 if path.is_symlink() or not path.exists() else path.stat().st_size,
                problems=(refused,),
            )
            continue
        contract = contract_for_file(path.name)
        sha, size = sha256_of(path), path.stat().st_size
        if contract is None:
            problem = Problem(path.name, "unknown_source", values={"sources": ", ".join(CONTRACTS)})
            problems.append(problem)
            records[path] = FileRecord(path.name, None, sha, size, problems=(problem,))
            continue
        previous = None if force else history.already_loaded(contract.name, sha)
        if previous is not None:
            records[path] = FileRecord(
                path.name, contract.name, sha, size, result="skipped", periods=f"= load {previous}"
            )
            continue
        todo.append((path, contract, sha, size))
    prepared = []
    for path, contract, sha, size in sorted(todo, key=lambda item: item[1].order):
        item, file_problems = _prepare(path, contract, sha, size, known, today, limits)
        file_problems.sort(key=lambda p: (p.row is None, p.row or 0))
        file_problems = cap_problems(file_problems, limits)
        problems += file_problems
        records[path] = FileRecord(
            path.name,
            contract.name,
            sha,
            size,
            format=item.format if item else None,
            rows_in=item.frame.height if item else None,
            periods=item.periods if item else None,
            result="rejected" if file_problems else "valid",
            problems=tuple(file_problems),
        )
        if item is not None:
            prepared.append(item)
    if len(problems) > limits.problems_per_load:  # many files, each with a few problems: the load is capped too
        rest = problems[limits.problems_per_load - 1 :]
        problems = problems[: limits.problems_per_load - 1] + [
            Problem("–", "more_problems_load", values={"count": len(rest)})
        ]
    return [records[p] for p in files], prepared, problems


def _who() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _known_values(served: Path | None) -> Known:
    known = Known()
    if served is None:
        return known
    con = duck.connect(served, read_only=True)
    try:
        for ref in REFERENCED:
            table, column = ref.split(".")
            known.add(ref, con.sql(f"select distinct {column} from {table}").pl().to_series())
    finally:
        con.close()
    return known


def _prepare(
    path: Path, contract: Contract, sha: str, size: int, known: Known, today: dt.date, limits: IngestLimits
) -> tuple[_Prepared | None, list[Problem]]:
    started = time.perf_counter()
    data, refused = read_once(path, limits)  # the bytes hashed here are the bytes parsed
    if refused:
        return None, [refused]
    if hashlib.sha256(data).hexdigest() != sha:
        return None, [Problem(path.name, "changed_during_load")]
    export, problems = read_export(path, contract, limits, data)
    del data
    if export is None:
        return None, problems
    column_problems = check_columns(export, contract, list(CONTRACTS.values()))
    if column_problems:
        return None, problems + column_problems
    typed, unparsed, type_problems = coerce(export, contract)
    problems += type_problems
    problems += validate(path.name, export.first_row, typed, unparsed, contract, known, today)
    if contract.mode == "upsert":
        for col in contract.key:
            ref = f"{contract.table}.{col}"
            if ref in REFERENCED:
                known.add(ref, typed[col].drop_nulls())
    periods = _periods(typed, contract)
    log.info(
        "%s: %d rows read and checked in %.1f s (%s), %d problems",
        path.name,
        typed.height,
        time.perf_counter() - started,
        export.detail or export.format,
        len(problems),
    )
    return _Prepared(path, contract, sha, size, export.format, typed, periods), problems


def _periods(frame: pl.DataFrame, contract: Contract) -> str:
    """A short, stable description of what the file replaces (for history and re-load checks)."""
    if contract.mode == "upsert":
        return f"{frame.height} keys"
    con = duck.connect()
    try:
        con.register("staging", frame)
        exprs = ", ".join(contract.period)
        values = con.sql(f"select distinct {exprs} from staging order by all").fetchall()
    finally:
        con.close()
    shown = [" ".join(str(v) for v in row) for row in values]
    if len(shown) > 6:
        return f"{shown[0]} … {shown[-1]} ({len(shown)})"
    return ", ".join(shown)


def _write(
    warehouse_dir: Path, served: Path | None, prepared: list[_Prepared], load_id: int, today: dt.date
) -> tuple[str, dict[str, int]]:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    building = building_file(warehouse_dir, stamp)
    final = warehouse_dir / f"tilannekuva-{stamp}-load{load_id}.duckdb"
    if served is not None:
        shutil.copyfile(served, building)
    replaced: dict[str, int] = {}
    try:
        con = duck.connect(building, build=True)
        tighten(building)  # every pupil's data: the service account's only
        try:
            con.execute("set enable_progress_bar = false")
            if served is None:
                con.execute(schema_sql())
            by_contract: dict[str, list[_Prepared]] = {}
            for item in prepared:
                by_contract.setdefault(item.contract.name, []).append(item)
            pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
            for name in sorted(by_contract, key=lambda n: CONTRACTS[n].order):
                items = by_contract[name]
                step = time.perf_counter()
                removed = _apply(con, CONTRACTS[name], pl.concat([i.frame for i in items]))
                log.info("%s: written in %.1f s (%d rows replaced)", name, time.perf_counter() - step, removed)
                for i in items:
                    replaced[i.path.name] = removed if i is items[0] else 0
                if pause:
                    log.warning("pausing %.0f s half-way through the load (%s)", pause, PAUSE_ENV)
                    print(f"PAUSED {building.name}", flush=True)
                    time.sleep(pause)
                    pause = 0
            step = time.perf_counter()
            refresh_aggregates(con, today, loaded=set(by_contract))
            con.execute("checkpoint")
            log.info("rollups rebuilt and checkpointed in %.1f s", time.perf_counter() - step)
        finally:
            con.close()
        building.rename(final)
    except BaseException:
        remove_file(building)
        raise
    publish(warehouse_dir, final)
    remove_old_versions(warehouse_dir)
    return final.name, replaced


def _apply(con: duckdb.DuckDBPyConnection, contract: Contract, frame: pl.DataFrame) -> int:
    """Write one source's rows; returns how many existing rows they replaced.

    Table and column names come from the contracts in code; values only ever travel as the
    registered frame."""
    con.register("staging", frame)
    try:
        table = contract.table
        if contract.mode == "upsert":
            keys = ", ".join(contract.key)
            (replaced,) = con.execute(f"select count(*) from {table} t join staging s using ({keys})").fetchone()
            updates = ", ".join(f"{c} = excluded.{c}" for c in contract.column_names if c not in contract.key)
            con.execute(
                f"insert into {table} by name select * from staging on conflict ({keys}) do update set {updates}"
            )
            return int(replaced)
        period = ", ".join(f"'p{i}': {e}" for i, e in enumerate(contract.period))
        (replaced,) = con.execute(f"""delete from {table}
            where {{{period}}} in (select distinct {{{period}}} from staging)""").fetchone()
        con.execute(f"insert into {table} by name select * from staging")
        return int(replaced)
    finally:
        con.unregister("staging")
