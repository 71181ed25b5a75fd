"""`make load`'s client against a real server on the tiny demo city (no browser): the sessions sign in through the
real form, change a filter, download a file, switch pages and reload the tab (signed in again by the cookie the page
wrote), and the report counts what they did; a wrong password is a failed sign-in, never a success."""

from __future__ import annotations

import shutil
import sqlite3
import sys

import pytest

from tests.helpers import serve
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import load  # noqa: E402  (bench/load.py: a tool, not part of the package)

PLAN = ("filter", "download", "page", "reload")


@pytest.fixture(scope="module")
def app(demo_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("load-home")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    yield from serve(home)


@pytest.fixture(scope="module")
def result(app):
    users = [
        ("rehtori", DEMO_PASSWORDS["rehtori"]),
        ("johto", DEMO_PASSWORDS["johto"]),
        ("opettaja", "not-the-password"),
    ]
    return load.measure(app["base"], users, [app["pid"]], seconds=40, ramp=0.5, think=(0.05, 0.1), plan=PLAN)


def log_entries(app) -> list[tuple[str, str]]:
    con = sqlite3.connect(app["home"] / "state" / "access_log.sqlite")
    try:
        return con.execute("select username, action from access_log order by entry_id").fetchall()
    finally:
        con.close()


def test_the_report_counts_what_the_sessions_did(result):
    assert (result["sessions"], result["signed_in"], result["sign_in_failed"]) == (3, 2, 1)
    # Every session opened the page and submitted the form; the two signed in did the plan, one run per step but
    # the download (a backend operation and an HTTP GET, no script run).
    assert result["runs_by_action"] == {"open": 3, "sign_in": 3, "filter": 2, "page": 2, "reload": 2}
    assert result["script_runs"] == 12
    assert result["downloads"] == 2
    assert result["errors"] == {"sign_in_failed": 1}, result["error_examples"]
    assert result["error_examples"][0].startswith("opettaja: sign_in_failed")
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["sign_in_p95_ms"] is not None
    assert not load.passed(result)  # a failed sign-in fails the target


def test_the_server_saw_the_same_sessions(app, result):
    """What the report counts happened on the server: the sign-ins, the failed one, one logged export each, and no
    second sign-in for the reload (the cookie the page wrote signed the new websocket in)."""
    entries = log_entries(app)
    for user in ("rehtori", "johto"):
        assert entries.count((user, "sign_in")) == 1, entries
        assert entries.count((user, "export")) == 1, entries
    assert ("opettaja", "sign_in_failed") in entries
    assert ("opettaja", "sign_in") not in entries


def test_the_server_is_measured(app, result):
    (server,) = result["servers"]
    assert server["pid"] == app["pid"]
    assert server["cpu_percent"] > 0 and server["peak_rss_mb"] >= server["idle_rss_mb"] > 0
    assert result["generator_cpu_percent"] > 0


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8501", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8501", True),
        ("http://127.0.0.2:8501", True),
        ("http://10.0.0.5:8501", False),
        ("https://tilannekuva.example.fi", False),
        ("http://localhost.example.com", False),
    ],
)
def test_load_goes_only_to_this_machine(url, loopback):
    assert load.is_loopback(url) is loopback
    if not loopback:
        with pytest.raises(SystemExit):
            load.measure(url, [("johto", "x")], [], seconds=1)


def test_a_server_that_stopped_answering_is_told(app):
    from tests.helpers import free_port

    assert load.healthy(app["base"])
    assert not load.healthy(f"http://127.0.0.1:{free_port()}", seconds=2)
