"""Shared fixtures: one tiny demo city per test process, built by the real generator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tilannekuva.access import build_principal, load_policy, load_users
from tilannekuva.demo import DEMO_PASSWORDS, build_demo
from tilannekuva.settings import CITY_TIMEZONE, PROJECT_ROOT, use_city_time
from tilannekuva.warehouse import Warehouse, close_all

TINY_SCALE = 0.05
TINY_SEED = 7

# The app and its commands make the process's local time the city's when they load their settings
# (settings.use_city_time); the tests' process is in it from the start, so that a time a test works out
# before the first app run and one the app shows after it are in the same zone (and so are the servers
# the tests start, which inherit TZ). tests/unit/test_city_time.py starts its own processes in UTC.
use_city_time(CITY_TIMEZONE)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """A data directory with a published tiny warehouse and the demo accounts."""
    home = tmp_path_factory.mktemp("tilannekuva-data")
    build_demo(home / "warehouse", scale=TINY_SCALE, seed=TINY_SEED, config_dir=home / "demo")
    yield home
    close_all()


@pytest.fixture(scope="session")
def demo_exports(demo_home, tmp_path_factory) -> Path:
    """The tiny demo city written out as its source systems deliver it (mixed formats)."""
    from tilannekuva.ingest.exports import write_exports
    from tilannekuva.warehouse import current_file

    out = tmp_path_factory.mktemp("exports")
    write_exports(current_file(demo_home / "warehouse"), out, style="mixed")
    return out


@pytest.fixture(scope="session")
def warehouse(demo_home) -> Warehouse:
    return Warehouse(demo_home / "warehouse", suppression_threshold=5)


@pytest.fixture(scope="session")
def principals(demo_home) -> dict:
    """The Principal of every demo account that has a role."""
    policy = load_policy(PROJECT_ROOT / "roles.yaml")
    users = load_users(demo_home / "demo" / "users.yaml")
    return {u: build_principal(u, u, users, policy) for u in DEMO_PASSWORDS if users.get(u, {}).get("role")}


@pytest.fixture
def demo_env(demo_home, monkeypatch, request):
    """Environment for an app run in demo mode on the tiny warehouse; clears Streamlit's caches.

    The app's state (tilannekuva.statedb) is in SQLite files under the demo's state/, or — parametrized
    indirectly with "postgresql", or with TILANNEKUVA_TEST_STATE=postgresql for a whole run — in a fresh
    database on this test process's PostgreSQL server (TILANNEKUVA_STATE_URL). Read the state a test
    checks with tests.rawstate.state_db(home, name), which follows the same choice."""
    from tests.helpers import app_env

    backend = getattr(request, "param", None) or os.environ.get("TILANNEKUVA_TEST_STATE") or "sqlite"
    with app_env(demo_home, monkeypatch):
        # Each test starts with no failed logins on record and no remembered languages.
        for name in ("security.sqlite", "preferences.sqlite"):
            (demo_home / "state" / name).unlink(missing_ok=True)
        if backend != "postgresql":
            monkeypatch.delenv("TILANNEKUVA_STATE_URL", raising=False)
            yield demo_home
            return
        server = request.getfixturevalue("pg_server")
        url = server.create_database()
        monkeypatch.setenv("TILANNEKUVA_STATE_URL", url)
        try:
            yield demo_home
        finally:
            server.drop_database(url)


def pytest_collection_modifyitems(config, items):
    # Browser tests start a server per module; all on one xdist worker (two Chromiums and two servers
    # on two cores made page runs slow enough to hit Streamlit's reload races), the rest fill the other.
    for item in items:
        if "browser" in item.nodeid.split(os.sep):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def xlsx_parts(data: bytes):
    """An exported workbook read back as (the lines above the table, the table): the title block
    ends at the first empty row."""
    import io

    import polars as pl

    raw = pl.read_excel(io.BytesIO(data), has_header=False, drop_empty_rows=False)
    first = raw[:, 0].to_list()
    gap = first.index(None) if None in first else -1
    meta = [str(v) for v in first[:gap]] if gap > 0 else []
    table = pl.read_excel(io.BytesIO(data), read_options={"header_row": gap + 1 if gap >= 0 else 0})
    return meta, table


def csv_parts(data: bytes):
    """An exported CSV read back as (the lines above the table, the table): the header block ends at the
    first empty line, and the table is read with polars' read_csv(skip_rows=…) as a user's tool would."""
    import csv
    import io

    import polars as pl

    lines = data.decode("utf-8-sig").split("\n")
    gap = lines.index("") if "" in lines else -1
    meta = [row[0] for row in csv.reader(lines[:gap], delimiter=";")] if gap > 0 else []
    table = pl.read_csv(io.BytesIO(data), separator=";", skip_rows=gap + 1 if gap > 0 else 0, infer_schema=False)
    return meta, table


class OfferedDownloads:
    """The download buttons a page run offers, as [(file name, producer)], spied on Streamlit's
    MediaFileManager.add_deferred (a download's file exists only when clicked: see widgets.downloads).
    `produced()` runs every producer as a click would — each writes its access-log entry — and
    returns [(file name, bytes)]."""

    def __init__(self, monkeypatch):
        from streamlit.runtime.media_file_manager import MediaFileManager

        self.offered: list[tuple[str, object]] = []
        keep = MediaFileManager.add_deferred

        def spy(manager, data_callable, mimetype, coordinates, file_name=None, **kw):
            self.offered.append((file_name or "", data_callable))
            return keep(manager, data_callable, mimetype, coordinates, file_name, **kw)

        monkeypatch.setattr(MediaFileManager, "add_deferred", spy)

    def clear(self) -> None:
        self.offered.clear()

    def produced(self) -> list[tuple[str, bytes]]:
        return [(name, produce()) for name, produce in self.offered]


def as_read(markdown: str) -> str:
    """Markdown source as a reader sees its text: md()'s backslash escapes and word joiners removed
    (AppTest gives an element's Markdown source, not what the browser renders)."""
    import re

    from tilannekuva.inert import WORD_JOINER

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown.replace(WORD_JOINER, ""))


@pytest.fixture
def city(demo_home, tmp_path) -> Path:
    """The tiny demo city in a data directory of its own: the demo accounts and a copy of the served warehouse
    (a load can replace it), its state the test's alone (tests.helpers.warehouse_with_as_of)."""
    from tests.helpers import warehouse_with_as_of

    return warehouse_with_as_of(demo_home, tmp_path)


# --------------------------------------------------------------------------- the state on both backends
@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server (Debian's `postgresql`) for this test process, in a temporary directory
    (deploy.servers.LocalPostgres). Not installed: the test fails and says what to install."""
    from deploy.servers import LocalPostgres

    with LocalPostgres() as server:
        yield server


class StateHere:
    """Where a test's stores keep their state: `backend` is "sqlite" (files under a directory) or
    "postgresql" (one fresh database on the test process's server). `db(name)` is the store `name`'s
    StateDB (the same place each time: a second StateDB is what a second app process opens);
    `env()` points an app process at it (TILANNEKUVA_STATE_URL; SQLite needs nothing)."""

    def __init__(self, backend: str, directory: Path, url: str = ""):
        self.backend, self.directory, self.url = backend, directory, url

    def db(self, name: str):
        from tilannekuva.statedb import StateDB

        return StateDB(self.url, name) if self.url else StateDB(self.directory / f"{name}.sqlite")

    def env(self) -> dict[str, str]:
        return {"TILANNEKUVA_STATE_URL": self.url} if self.url else {}


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request, tmp_path) -> StateHere:
    """The same test on both state backends (tilannekuva.statedb): a SQLite directory, and a fresh
    database on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield StateHere("sqlite", tmp_path / "state")
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield StateHere("postgresql", tmp_path / "state", url)
    server.drop_database(url)
