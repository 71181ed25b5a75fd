"""DuckDB's memory cap and threads (tilannekuva.duck): every connection the app opens has the settings'."""

import duckdb
import pytest

from tilannekuva import duck, warehouse
from tilannekuva.ingest.exports import write_exports
from tilannekuva.settings import ConfigError, load_settings


def reference(memory_limit: str) -> str:
    """How DuckDB itself shows `memory_limit` once set (e.g. '1GB' -> '953.6 MiB')."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{memory_limit}'")
        return con.sql("select current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


def settings_of(con) -> tuple[str, int]:
    return con.sql("select current_setting('memory_limit'), current_setting('threads')").fetchall()[0]


@pytest.mark.parametrize(
    ("env", "memory_limit", "threads"),
    [
        ({}, "1GB", 2),
        ({"TILANNEKUVA_DUCKDB_MEMORY_LIMIT": "512MB"}, "512MB", 2),
        ({"TILANNEKUVA_DUCKDB_MEMORY_LIMIT": "1.5 GiB", "TILANNEKUVA_DUCKDB_THREADS": "1"}, "1.5GiB", 1),
        ({"TILANNEKUVA_DUCKDB_THREADS": "4"}, "1GB", 4),
    ],
)
def test_the_settings_name_the_limits(tmp_path, env, memory_limit, threads):
    conf = load_settings({"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path), **env})
    assert (conf.duckdb_memory_limit, conf.duckdb_threads) == (memory_limit, threads)


@pytest.mark.parametrize(
    "env",
    [
        {"TILANNEKUVA_DUCKDB_MEMORY_LIMIT": "lots"},
        {"TILANNEKUVA_DUCKDB_MEMORY_LIMIT": "80%"},
        {"TILANNEKUVA_DUCKDB_MEMORY_LIMIT": "1GB'; select 1; --"},
        {"TILANNEKUVA_DUCKDB_THREADS": "0"},
    ],
)
def test_an_unusable_limit_is_refused(tmp_path, env):
    with pytest.raises(ConfigError):
        load_settings({"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path), **env})


def served(home):
    """The app's own read connection, as Warehouse.fetch gets it."""
    warehouse.close_all()
    with warehouse._lease(home / "warehouse") as cursor:
        return settings_of(cursor)


def in_memory(home):
    con = duck.connect()
    try:
        return settings_of(con)
    finally:
        con.close()


def written(home):
    """A writer's connection (a load or a demo build) on a copy of the served file."""
    copy = home.parent / "copy.duckdb"
    copy.write_bytes(warehouse.current_file(home / "warehouse").read_bytes())
    con = duck.connect(copy)
    try:
        return settings_of(con)
    finally:
        con.close()
        copy.unlink()


@pytest.fixture
def own_home(demo_home, tmp_path):
    """A copy of the tiny city's served file in a data directory of its own: DuckDB refuses a second connection
    to a file that this process has open with other limits, and other tests of this worker keep the shared
    file open with the settings' limits (these tests change them)."""
    source = warehouse.current_file(demo_home / "warehouse")
    (tmp_path / "home" / "warehouse").mkdir(parents=True)
    (tmp_path / "home" / "warehouse" / source.name).write_bytes(source.read_bytes())
    (tmp_path / "home" / "warehouse" / "CURRENT").write_text(source.name)
    return tmp_path / "home"


@pytest.mark.parametrize("opened_by", [served, in_memory, written], ids=lambda f: f.__name__)
@pytest.mark.parametrize(("memory_limit", "threads"), [("256MB", 1), ("1GB", 2)])
def test_every_connection_has_the_limits(own_home, opened_by, memory_limit, threads):
    duck.set_limits(duck.Limits(memory_limit, threads))
    try:
        assert opened_by(own_home) == (reference(memory_limit), threads)
    finally:
        duck.set_limits(None)
        warehouse.close_all()


def test_a_query_over_the_cap_fails_instead_of_growing(tmp_path):
    """The cap holds: a query that must keep more than the limit in memory is refused, not served by
    taking the server's memory."""
    duck.set_limits(duck.Limits("32MB", 1))
    try:
        con = duck.connect()
        with pytest.raises(duckdb.OutOfMemoryException):
            con.sql("select list(range) from range(20000000)").fetchall()
        con.close()
    finally:
        duck.set_limits(None)


def test_the_exports_read_through_a_capped_connection(own_home, tmp_path, monkeypatch):
    opened = []
    real = duck.connect

    def spy(path=None, *, read_only=False, build=False):
        con = real(path, read_only=read_only, build=build)
        opened.append(settings_of(con))
        return con

    monkeypatch.setattr(duck, "connect", spy)
    duck.set_limits(duck.Limits("300MB", 1))
    try:
        write_exports(warehouse.current_file(own_home / "warehouse"), tmp_path / "out", style="csv")
    finally:
        duck.set_limits(None)
    assert opened and set(opened) == {(reference("300MB"), 1)}


@pytest.mark.parametrize(("build_limit", "expected"), [("2GB", "2GB"), ("", None)])
def test_a_build_connection_has_the_build_limit(tmp_path, build_limit, expected):
    """The connection writing a new version is not held to the serving cap (a scale-3 build failed at 1GB)."""
    duck.set_limits(duck.Limits("256MB", 1, build_limit))
    try:
        con = duck.connect(tmp_path / "building.duckdb", build=True)
        try:
            (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
        finally:
            con.close()
    finally:
        duck.set_limits(None)
    if expected is None:  # DuckDB's own default: far above the serving cap
        assert limit != reference("256MB")
    else:
        assert limit == reference(expected)
