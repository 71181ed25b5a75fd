"""Fixtures for loads: the tiny demo's own data as source exports, and a private warehouse copy."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest

from tilannekuva import duck
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.warehouse import close_all, current_file, publish


@pytest.fixture(scope="session")
def source_rows(demo_home):
    """`source_rows("poissaolot", 20)`: the first rows of a source, as its export has them."""
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)

    def rows(name: str, n: int = 20) -> pl.DataFrame:
        c = CONTRACTS[name]
        return con.sql(
            f"select {', '.join(c.column_names)} from {c.table} "
            f"order by {', '.join(c.key or c.column_names)} limit {int(n)}"
        ).pl()

    yield rows
    con.close()


@pytest.fixture
def home(demo_home, tmp_path) -> Path:
    """A data directory of its own, serving a copy of the tiny demo warehouse."""
    wh = tmp_path / "warehouse"
    wh.mkdir()
    source = current_file(demo_home / "warehouse")
    shutil.copyfile(source, wh / source.name)
    publish(wh, wh / source.name)
    yield tmp_path
    close_all()


@pytest.fixture
def history(home) -> LoadHistory:
    return LoadHistory(home / "state" / "loads.sqlite")


@pytest.fixture
def state_history(home, state) -> LoadHistory:
    """The load history on each state backend (tests/conftest.py's `state`): for the tests about the history
    itself (the other loads keep `history`, SQLite, to stay quick)."""
    return LoadHistory(state.db("loads"))


@pytest.fixture(scope="session")
def fingerprint():
    """What must not change when a load is rejected: CURRENT, the file list, the served bytes."""

    def take(warehouse_dir: Path) -> tuple:
        served = current_file(warehouse_dir)
        files = sorted(p.name for p in warehouse_dir.iterdir() if not p.name.startswith(".writer"))
        return served.name, tuple(files), hashlib.sha256(served.read_bytes()).hexdigest()

    return take
