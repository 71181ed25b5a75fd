"""Attack: read the files (issue 16, item 6). Any local account could read the warehouse (every pupil),
the access log, the session store and the follow-ups (all 0644) and the credentials (0444). Now the
state and warehouse files are 0600 (directories made by the app 0700), the credentials and users
files 0400, and the app and the CLI run with umask 077 — checked after a demo build, an ingest, a
first run of the app and `users add`, with the test process's own umask at a permissive 022.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.helpers import app_env, login


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(paths) -> dict[str, str]:
    return {p.name: oct(mode(p)) for p in paths}


@pytest.fixture
def permissive_umask():
    """The test runs with umask 022 (the usual default that made everything 0644) and gets it back."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_demo_build_writes_private_warehouse_and_read_only_credentials(demo_home):
    """demo_home was built by the real generator (tests/conftest.py) in this process."""
    warehouse = demo_home / "warehouse"
    built = [*warehouse.glob("tilannekuva-*.duckdb"), warehouse / "CURRENT"]
    assert built and modes(built) == {p.name: "0o600" for p in built}
    accounts = [demo_home / "demo" / "credentials.yaml", demo_home / "demo" / "users.yaml"]
    assert modes(accounts) == {p.name: "0o400" for p in accounts}


def test_an_ingest_publishes_private_files_and_keeps_the_callers_umask(
    demo_exports, tmp_path, monkeypatch, permissive_umask
):
    from tilannekuva.cli import main

    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TILANNEKUVA_MODE", "production")
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    assert main(["ingest", str(demo_exports)]) == 0
    warehouse = tmp_path / "data" / "warehouse"
    published = [
        *warehouse.glob("tilannekuva-*.duckdb"),
        warehouse / "CURRENT",
        tmp_path / "data" / "state" / "loads.sqlite",
    ]
    assert len(published) == 3 and modes(published) == {p.name: "0o600" for p in published}
    assert mode(tmp_path / "data" / "state") == 0o700 and mode(warehouse) == 0o700  # made by the CLI: umask 077
    assert os.umask(0o022) == 0o022  # main() gave the test process its umask back


def test_users_add_writes_read_only_credentials(tmp_path, monkeypatch, permissive_umask):
    from tilannekuva.cli import main

    config = tmp_path / "config"
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TILANNEKUVA_MODE", "production")
    monkeypatch.setenv("TILANNEKUVA_USERS_FILE", str(config / "users.yaml"))
    monkeypatch.setenv("TILANNEKUVA_CREDENTIALS_FILE", str(config / "credentials.yaml"))
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password-2026\n"))
    assert main(["users", "add", "maija", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another-long-password-2026\n"))
    assert main(["users", "reset-password", "maija", "--password-stdin"]) == 0  # a rewrite keeps 0400
    written = [config / "users.yaml", config / "credentials.yaml"]
    assert modes(written) == {p.name: "0o400" for p in written}
    assert mode(tmp_path / "data" / "state" / "security.sqlite") == 0o600


def test_a_first_app_run_creates_private_state(demo_home, tmp_path, monkeypatch, permissive_umask):
    """The app on a fresh state directory: sign-in (session store, access log, preferences) and the
    teacher's watch list (follow-ups); every file 0600, and the app set umask 077 for what else it writes."""
    home = tmp_path / "data"
    home.mkdir()
    shutil.copytree(demo_home / "demo", home / "demo")
    (home / "warehouse").symlink_to(demo_home / "warehouse")
    with app_env(home, monkeypatch):
        at = login("opettaja")  # the real form: the files a sign-in creates, under app.py's umask
        at.switch_page("pages/teacher_watch.py").run()
        assert not at.exception
        assert os.umask(0o022) == 0o077  # set by app.py for the whole server process
    state = home / "state"
    files = sorted(p for p in state.iterdir() if p.suffix == ".sqlite")
    assert {p.name for p in files} >= {"security.sqlite", "access_log.sqlite", "preferences.sqlite", "followups.sqlite"}
    assert modes(files) == {p.name: "0o600" for p in files}
    assert mode(state) == 0o700
