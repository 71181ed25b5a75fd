"""Every DuckDB connection the app opens, with the memory cap and thread count of the settings.

DuckDB's default memory limit is 80 % of the machine's memory and its default thread count every core: a
scale-10 city read by the AppTest bench grew to 9.1 GB, more than a 2–4 GB server has. `connect()` opens a
connection with `duckdb_memory_limit` and `duckdb_threads` (tilannekuva.settings, environment
TILANNEKUVA_DUCKDB_MEMORY_LIMIT and TILANNEKUVA_DUCKDB_THREADS; the connection that writes a new version,
a demo build or a load, has `duckdb_build_memory_limit` instead): what a query needs beyond the limit is
spilled to DuckDB's temporary directory (next to a database file, `<file>.tmp`) or, where an operator cannot
spill, fails with an out-of-memory error instead of taking the server down. The limit is per connection
(per database instance): the app holds one read-only connection per served warehouse file, a load or a demo
build one more while it writes.

The limits are read from the settings once per process (`limits()`); `set_limits` replaces them (tests).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB's own size syntax: 512MB, 1.5GB, 2GiB … (bytes with a unit; no percentages).
SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    memory_limit: str = "1GB"
    threads: int = 2
    build_memory_limit: str = ""  # a writer's (demo build, load): "" = DuckDB's own default


@functools.cache
def _configured() -> Limits:
    from tilannekuva.settings import load_settings

    conf = load_settings(for_app=False)
    return Limits(conf.duckdb_memory_limit, conf.duckdb_threads, conf.duckdb_build_memory_limit)


_override: Limits | None = None


def limits() -> Limits:
    """The limits every connection gets: set_limits' if set, else the settings' (read once)."""
    return _override if _override is not None else _configured()


def set_limits(value: Limits | None) -> None:
    """Replace the limits for the connections opened from now on (None: back to the settings')."""
    global _override
    _override = value


def connect(
    path: Path | str | None = None, *, read_only: bool = False, build: bool = False
) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the configured memory limit and threads (path None: an in-memory database).
    `build`: the connection writing a new warehouse version (a demo build, a load) gets
    `duckdb_build_memory_limit` instead — DuckDB's own default when empty: a scale-3 demo build failed at
    1GB ("failed to pin block"), and a build runs once, off the serving path."""
    cap = limits()
    config: dict = {"threads": cap.threads}
    memory = cap.build_memory_limit if build else cap.memory_limit
    if memory:
        config["memory_limit"] = memory
    return duckdb.connect(":memory:" if path is None else str(path), read_only=read_only, config=config)
