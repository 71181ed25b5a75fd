"""Loads publish new versions while the app keeps serving: no failed read, no failed page load.

The publisher is the real `ingest` (copy, write, rename, publish, remove old versions); the
readers are `Warehouse.fetch` in threads and the whole app in AppTest.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from tests.helpers import app_env, open_as
from tilannekuva.access import Principal
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.load import ingest
from tilannekuva.warehouse import Warehouse, close_all, current_file, open_connections

CITY = Principal(username="t", display_name="t", role="sector_lead", pages=(), scope="all")
UNIT = Principal(
    username="r",
    display_name="r",
    role="principal",
    pages=(),
    scope="units",
    unit_ids=(101,),
    suppress_pupil_aggregates=False,
)


class Publisher(threading.Thread):
    """Re-loads one export again and again (`force`), publishing a new version each time."""

    def __init__(self, warehouse_dir, history, export, times: int):
        super().__init__(daemon=True)
        self.args = (warehouse_dir, history, export)
        self.times = times
        self.versions: list[str] = []
        self.errors: list[BaseException] = []

    def run(self):
        warehouse_dir, history, export = self.args
        for _ in range(self.times):
            try:
                self.versions.append(ingest([export], warehouse_dir, history, run_by="test", force=True).version)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)


def test_reads_never_fail_while_versions_are_published(home, history, demo_exports):
    warehouse = Warehouse(home / "warehouse")
    publisher = Publisher(home / "warehouse", history, demo_exports / "palvelumuotoilu.xlsx", times=3)
    failures: list[BaseException] = []
    reads = [0]
    stop = threading.Event()

    def reader(principal, query):
        while not stop.is_set():
            try:
                assert warehouse.fetch(principal, query).frame.height > 0
                reads[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
            # A breath between reads, as page runs have: six readers spinning flat out starved the publisher
            # of the GIL once a fetch became cheap (issue 21: 33 s -> 56 s a load), not a refresh problem.
            stop.wait(0.01)

    readers = [
        threading.Thread(target=reader, args=(p, q), daemon=True)
        for p in (CITY, UNIT)
        for q in ("metric_parts_by_unit_year", "data_freshness", "school_years")
    ]
    for r in readers:
        r.start()
    publisher.start()
    publisher.join(timeout=300)
    stop.set()
    for r in readers:
        r.join(timeout=30)
    assert not publisher.errors, publisher.errors
    assert len(set(publisher.versions)) == 3
    assert not failures, failures[:3]
    assert reads[0] > 50
    # Superseded versions are closed once their last reader is done; at most the served one and
    # the one before it stay open, and only two files stay on disk.
    assert len(open_connections()) <= 2
    assert len(list((home / "warehouse").glob("tilannekuva-*.duckdb"))) == 2
    close_all()


@pytest.fixture
def served_home(demo_home, home, monkeypatch):
    """The app's environment on a data directory of its own (demo accounts copied in)."""
    shutil.copytree(demo_home / "demo", home / "demo")
    with app_env(home, monkeypatch):
        yield home


def test_page_keeps_loading_while_a_new_version_is_published(served_home, demo_exports):
    at = open_as("johto")
    assert not at.exception and at.metric
    history = LoadHistory(served_home / "state" / "loads.sqlite")
    publisher = Publisher(served_home / "warehouse", history, demo_exports / "koulutukset.xlsx", times=4)
    publisher.start()
    runs, seen_versions = 0, set()
    while publisher.is_alive() or runs < 5:
        at.run()
        runs += 1
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert at.metric  # the page rendered its numbers
        seen_versions.add(current_file(served_home / "warehouse").name)
        time.sleep(0.05)
    publisher.join(timeout=120)
    assert not publisher.errors, publisher.errors
    assert runs >= 5 and len(seen_versions) >= 2
    close_all()
