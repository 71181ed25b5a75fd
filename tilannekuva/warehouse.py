"""The only way into the DuckDB warehouse. Every read applies the Principal's scope in SQL.

`Warehouse.fetch(principal, query, **params)`:
  * opens a fresh cursor on a shared read-only connection (a shared connection is not
    thread-safe: one cursor per call, closed afterwards, so scope never leaks between callers);
  * binds the scope as DuckDB variables on that cursor; the `scoped_*` views of `_scope.sql` read them
    (created once per connection in its in-memory catalog, `SERVED`, the file itself attached read-only);
  * refuses a query to any role it does not name in its `-- roles:` header, pupil-grain queries to
    roles without `pupil_rows`, and staff-grain (named staff) queries to aggregate-only roles,
    each with a log line (ScopeError);
  * runs the named query from tilannekuva/sql/ with bound parameters only;
  * published queries select cells of a publication cube that was suppressed once at load time
    (tilannekuva.publication) with at least this warehouse's threshold; other queries with a
    `suppress:` header get per-result suppression for aggregate-only roles and benchmarks.

The served file is the one named by `<warehouse_dir>/CURRENT`. Writers (the demo build and
`tilannekuva ingest`) hold `writer_lock`, build a new file as `.building-*.duckdb`, rename it to
`tilannekuva-*.duckdb` when complete, and replace CURRENT atomically (`publish`). A reader holds
a lease on the file it is reading; a connection to a file that is no longer CURRENT is closed
when its last lease ends, so a refresh never breaks a page load in flight, and old files can be
removed (on Linux an open file stays readable after unlink).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from tilannekuva import duck
from tilannekuva.access import Principal
from tilannekuva.files import private_file, tighten
from tilannekuva.queries import QueryError, load_query, scope_script
from tilannekuva.suppression import suppress

log = logging.getLogger(__name__)

SCHEMA_VERSION = 6
POINTER = "CURRENT"


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing, unreadable or of the wrong schema version."""


class WarehouseBusy(RuntimeError):
    """Another process is writing a new warehouse version."""


class ScopeError(PermissionError):
    """The principal may not run this query at all (e.g. named pupils for an aggregate-only role)."""


@dataclass(frozen=True)
class FetchResult:
    frame: pl.DataFrame
    suppressed_cells: int


def schema_sql() -> str:
    """The DDL of an empty warehouse of SCHEMA_VERSION."""
    return resources.files("tilannekuva.schema").joinpath("warehouse.sql").read_text(encoding="utf-8")


def schema_version(path: Path) -> int | None:
    """The schema version of a warehouse file (None if it cannot be read)."""
    try:
        con = duck.connect(path, read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.sql("select max(version) from meta_schema_version").fetchall()[0][0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def served_sources(warehouse_dir: Path) -> tuple[str, pl.DataFrame]:
    """The served file's name and its `meta_source` rows (source, data_as_of, loaded_at, row_count), read
    read-only: what `tilannekuva metrics` judges the sources' freshness on (no personal data, no scope:
    the operator's command). Raises WarehouseUnavailable when nothing readable is published."""
    path = current_file(warehouse_dir)
    try:
        con = duck.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnavailable(f"The warehouse file {path.name} cannot be read: {exc}") from exc
    try:
        return path.name, con.sql(
            "select source, data_as_of, loaded_at, row_count from meta_source order by source"
        ).pl()
    except duckdb.Error as exc:
        raise WarehouseUnavailable(f"The warehouse file {path.name} has no meta_source: {exc}") from exc
    finally:
        con.close()


def current_file(warehouse_dir: Path) -> Path:
    """The warehouse file CURRENT points at; raises WarehouseUnavailable if there is none."""
    pointer = Path(warehouse_dir) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise WarehouseUnavailable(f"No warehouse has been published in {warehouse_dir}") from exc
    path = Path(warehouse_dir) / name
    if not name or "/" in name or not path.exists():
        raise WarehouseUnavailable(f"CURRENT in {warehouse_dir} points at a missing file {name!r}")
    return path


def publish(warehouse_dir: Path, new_file: Path) -> None:
    """Make `new_file` (inside warehouse_dir) the served version, atomically; it and the pointer are
    made 0600 (every pupil's data: the service account's only)."""
    warehouse_dir = Path(warehouse_dir)
    tighten(new_file)
    tmp = warehouse_dir / f".{POINTER}.{os.getpid()}.tmp"
    private_file(tmp)
    tmp.write_text(Path(new_file).name + "\n", encoding="utf-8")
    os.replace(tmp, warehouse_dir / POINTER)


@contextlib.contextmanager
def writer_lock(warehouse_dir: Path):
    """One writer at a time per warehouse directory; the OS drops the lock if the writer dies."""
    warehouse_dir = Path(warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse_dir / ".writer.lock"
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(f"Another load or build is running ({holder})") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        try:
            for leftover in warehouse_dir.glob(".building-*.duckdb*"):
                log.warning("removing %s left by an interrupted load or build", leftover.name)
                remove_file(leftover)
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def building_file(warehouse_dir: Path, stamp: str) -> Path:
    """Where a writer builds the next version; never served, removed if the writer dies."""
    return Path(warehouse_dir) / f".building-{stamp}.duckdb"


def remove_file(path: Path) -> None:
    for p in (Path(path), Path(f"{path}.wal")):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", p)


def remove_old_versions(warehouse_dir: Path, keep_last: int = 2) -> list[Path]:
    """Keep CURRENT's file and the newest other one (readers may still be on it); remove the rest."""
    warehouse_dir = Path(warehouse_dir)
    current = current_file(warehouse_dir)
    others = sorted(
        (p for p in warehouse_dir.glob("tilannekuva-*.duckdb") if p != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = others[keep_last - 1 :]
    for old in removed:
        remove_file(old)
    return removed


_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_leases: dict[Path, int] = {}
_connections_lock = threading.Lock()


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """The shared read-only connection to `path`, with one more lease on it (see `_lease`)."""
    with _connections_lock:
        con = _connections.get(path)
        if con is not None:
            _leases[path] = _leases.get(path, 0) + 1
            return con
        con = duck.connect()
        try:
            con.execute(f"attach $file as {SERVED} (read_only)", {"file": str(path)})
            version = con.sql(f"select max(version) from {SERVED}.meta_schema_version").fetchall()[0][0]
        except duckdb.Error as exc:
            con.close()
            raise WarehouseUnavailable(f"The warehouse file {path.name} cannot be read: {exc}") from exc
        if version != SCHEMA_VERSION:
            con.close()
            raise WarehouseUnavailable(
                f"The warehouse file {path.name} has schema version {version}; this app needs {SCHEMA_VERSION}"
            )
        setup = con.cursor()
        try:  # the scope views, once per connection: their bodies bind when a query reads them
            setup.execute(f"use {SERVED}")
            setup.execute(scope_views_script())
        finally:
            setup.close()
        _connections[path] = con
        _leases[path] = _leases.get(path, 0) + 1
        return con


# The served file is attached read-only under this name to an in-memory database whose catalog (`memory`) holds
# the scope views of sql/_scope.sql, created once per connection instead of as temp views on every fetch
# (37 views: about 30–60 ms a fetch, most of a small page's time). A view's body reads only the variables
# of the cursor that runs it (getvariable: scope_all, scope_units, …), which Warehouse.fetch sets on a
# fresh cursor before every query, so the views are the same text for everyone and scope stays per call.
SERVED = "served"
CURSOR_SETUP = f"use {SERVED}; set search_path = '{SERVED}.main,memory.main'"


def scope_views_script() -> str:
    """sql/_scope.sql with its temp views made views of the in-memory catalog (shared by every cursor)."""
    script = scope_script()
    if "create or replace temp view " not in script:
        raise QueryError("sql/_scope.sql defines no scope views")
    return script.replace("create or replace temp view ", "create or replace view memory.main.")


@contextlib.contextmanager
def _lease(warehouse_dir: Path):
    """A cursor on the served version; its connection stays open until the last lease ends."""
    for attempt in range(3):
        path = current_file(warehouse_dir)
        try:
            con = _open(path)
            break
        except WarehouseUnavailable:
            if attempt == 2 or current_file(warehouse_dir) == path:
                raise  # not a refresh race: the served file itself is unreadable
    cursor = con.cursor()
    try:
        cursor.execute(CURSOR_SETUP)  # the served file's tables first, then the scope views
        yield cursor
    finally:
        cursor.close()
        with _connections_lock:
            _leases[path] -= 1
            stale = [p for p, n in _leases.items() if n == 0 and p != path and p.parent == path.parent]
        for old in stale:
            _close_if_unused(old, warehouse_dir)


def _close_if_unused(path: Path, warehouse_dir: Path) -> None:
    try:
        served = current_file(warehouse_dir)
    except WarehouseUnavailable:
        return
    with _connections_lock:
        if path == served or _leases.get(path, 0) > 0:
            return
        con = _connections.pop(path, None)
        _leases.pop(path, None)
    if con is not None:
        log.info("closing superseded warehouse version %s", path.name)
        con.close()


def open_connections() -> list[str]:
    """File names with an open read-only connection in this process (admin page, tests)."""
    with _connections_lock:
        return sorted(p.name for p in _connections)


def close_all() -> None:
    """Close every cached connection (tests, shutdown)."""
    with _connections_lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
        _leases.clear()


class Warehouse:
    """A handle on the served warehouse; cheap to create, safe to share between threads."""

    def __init__(self, warehouse_dir: Path, suppression_threshold: int = 5):
        self.warehouse_dir = Path(warehouse_dir)
        self.threshold = suppression_threshold

    @property
    def version(self) -> str:
        """The served file's name: part of every cache key, so a new version is a cache miss."""
        return current_file(self.warehouse_dir).name

    def warm(self) -> None:
        """Open the served version's connection and create its scope views now (at a server's start, while
        the first user signs in) rather than on the first page anyone opens. Reads no rows."""
        with _lease(self.warehouse_dir):
            pass

    def fetch(self, principal: Principal, query: str, **params) -> FetchResult:
        """Run sql/<query>.sql as `principal`; rows outside its scope never load."""
        spec = load_query(query)
        if set(params) != set(spec.params):
            raise QueryError(f"Query {query!r} takes parameters {sorted(spec.params)}, got {sorted(params)}")
        if principal.role not in spec.roles:
            log.warning(
                "refused query %s for %s: role %s is not one of %s",
                query,
                principal.username,
                principal.role,
                ", ".join(spec.roles),
            )
            raise ScopeError(f"Role {principal.role!r} may not run {query!r}")
        if spec.grain == "pupil" and not principal.pupil_rows:
            log.warning("refused pupil-grain query %s for %s (%s)", query, principal.username, principal.role)
            raise ScopeError(f"Role {principal.role!r} may not read pupil-level data")
        if spec.grain == "staff" and principal.suppress_pupil_aggregates:
            log.warning("refused staff-grain query %s for %s (%s)", query, principal.username, principal.role)
            raise ScopeError(f"Role {principal.role!r} may not read named staff")
        started = time.perf_counter()
        with _lease(self.warehouse_dir) as cursor:
            cursor.execute("set variable scope_all = $v", {"v": principal.scope_all})
            cursor.execute("set variable scope_units = $v::integer[]", {"v": list(principal.unit_ids)})
            cursor.execute("set variable scope_staff = $v::integer", {"v": principal.staff_id})
            cursor.execute("set variable pupil_rows = $v", {"v": principal.pupil_rows})
            cursor.execute("set variable app_threshold = $v::integer", {"v": self.threshold})
            if spec.published is not None:
                self._check_publication(cursor, spec.published)
            frame = cursor.sql(spec.sql, params=params or None).pl()
        hidden = 0
        if spec.published is not None:
            hidden = int(frame["is_suppressed"].sum())
        elif spec.suppression is not None and (principal.suppress_pupil_aggregates or spec.benchmark):
            frame, hidden = suppress(frame, spec.suppression, self.threshold)
        log.debug(
            "fetch %s as %s: %d rows, %d suppressed, %.1f ms",
            query,
            principal.username,
            frame.height,
            hidden,
            (time.perf_counter() - started) * 1000,
        )
        return FetchResult(frame, hidden)

    def _check_publication(self, cursor, cube: str) -> None:
        """A cube suppressed with a lower threshold than this app's may not be served."""
        built = cursor.sql("select threshold from meta_publication where cube = $c", params={"c": cube}).fetchall()
        if not built or built[0][0] < self.threshold:
            log.error(
                "%s was built with threshold %s; the app needs %s: load again",
                cube,
                built[0][0] if built else None,
                self.threshold,
            )
            raise WarehouseUnavailable(f"{cube} was not built with the threshold {self.threshold}")
