"""The only way into the DuckDB warehouse. Every read applies the Principal's scope in SQL.

`Warehouse.fetch(principal, query, **params)`:
  * opens a fresh cursor on a shared read-only connection (a shared connection is not
    thread-safe: one cursor per call, closed afterwards, so scope never leaks between callers);
  * binds the scope as DuckDB variables and creates the `scoped_*` temp views of `_scope.sql`;
  * runs the named query from tilannekuva/sql/ with bound parameters only;
  * refuses pupil-grain queries to roles without `pupil_rows`;
  * applies small-cell suppression before any caller sees the numbers.

The served file is the one named by `<warehouse_dir>/CURRENT`; a new version is published by
writing a new file and replacing CURRENT atomically (see `publish`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from tilannekuva.access import Principal
from tilannekuva.queries import QueryError, load_query, scope_script
from tilannekuva.suppression import suppress

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
POINTER = "CURRENT"


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing, unreadable or of the wrong schema version."""


class ScopeError(PermissionError):
    """The principal may not run this query at all (e.g. named pupils for an aggregate-only role)."""


@dataclass(frozen=True)
class FetchResult:
    frame: pl.DataFrame
    suppressed_cells: int


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
    """Make `new_file` (inside warehouse_dir) the served version, atomically."""
    warehouse_dir = Path(warehouse_dir)
    tmp = warehouse_dir / f".{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(Path(new_file).name + "\n", encoding="utf-8")
    os.replace(tmp, warehouse_dir / POINTER)


_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.Lock()


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    with _connections_lock:
        con = _connections.get(path)
        if con is not None:
            return con
        try:
            con = duckdb.connect(str(path), read_only=True)
            version = con.sql("select max(version) from meta_schema_version").fetchall()[0][0]
        except duckdb.Error as exc:
            raise WarehouseUnavailable(f"The warehouse file {path.name} cannot be read: {exc}") from exc
        if version != SCHEMA_VERSION:
            con.close()
            raise WarehouseUnavailable(
                f"The warehouse file {path.name} has schema version {version}; this app needs {SCHEMA_VERSION}"
            )
        _connections[path] = con
        return con


def close_all() -> None:
    """Close every cached connection (tests, shutdown)."""
    with _connections_lock:
        for con in _connections.values():
            con.close()
        _connections.clear()


class Warehouse:
    """A handle on the served warehouse; cheap to create, safe to share between threads."""

    def __init__(self, warehouse_dir: Path, suppression_threshold: int = 5):
        self.warehouse_dir = Path(warehouse_dir)
        self.threshold = suppression_threshold

    @property
    def version(self) -> str:
        """The served file's name: part of every cache key, so a new version is a cache miss."""
        return current_file(self.warehouse_dir).name

    def fetch(self, principal: Principal, query: str, **params) -> FetchResult:
        """Run sql/<query>.sql as `principal`; rows outside its scope never load."""
        spec = load_query(query)
        if set(params) != set(spec.params):
            raise QueryError(f"Query {query!r} takes parameters {sorted(spec.params)}, got {sorted(params)}")
        if spec.grain == "pupil" and not principal.pupil_rows:
            log.warning("refused pupil-grain query %s for %s (%s)", query, principal.username, principal.role)
            raise ScopeError(f"Role {principal.role!r} may not read pupil-level data")
        started = time.perf_counter()
        cursor = _open(current_file(self.warehouse_dir)).cursor()
        try:
            cursor.execute("set variable scope_all = $v", {"v": principal.scope_all})
            cursor.execute("set variable scope_units = $v::integer[]", {"v": list(principal.unit_ids)})
            cursor.execute("set variable scope_staff = $v::integer", {"v": principal.staff_id})
            cursor.execute("set variable pupil_rows = $v", {"v": principal.pupil_rows})
            cursor.execute(scope_script())
            frame = cursor.sql(spec.sql, params=params or None).pl()
        finally:
            cursor.close()
        hidden = 0
        if spec.suppression is not None and (principal.suppress_pupil_aggregates or spec.benchmark):
            frame, hidden = suppress(frame, spec.suppression, self.threshold)
        log.debug("fetch %s as %s: %d rows, %d suppressed, %.1f ms", query, principal.username,
                  frame.height, hidden, (time.perf_counter() - started) * 1000)
        return FetchResult(frame, hidden)
