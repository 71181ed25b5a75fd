"""October's repeated hour must not make a LATER load look OLDER (attack finding on the city-time change).

Since the city-time change a command's local time is the city's on a server in UTC too, so every source's
`meta_source.loaded_at` (a naive local time) has the repeated hour of 25.10.2026 (03.00–04.00 twice). The
newest loaded_at is a snapshot's data_version, and that string decides which of two snapshots is newer:
digest.Runner (`before.data_version > current.data_version` -> "superseded", nothing sent) and
notifications._put_baseline (a smaller data_version is never stored). A load at 03.40 EEST (00.40 UTC) and
one at 03.10 EET (01.10 UTC, half an hour later) read as newest-first the wrong way round.

The attacker's version inserted DuckDB's current_timestamp into a `timestamp` column in a process with TZ=UTC
and saw '2026-10-25T03:10:00' < '…T03:40:00'. The write path now takes the load's time from the city's clock
(refresh_aggregates' `now`) and never stores one before the newest already there; these tests drive that path
with the two loads' clock times on a copy of the demo city.
"""

import datetime as dt
import shutil

import pytest

from tilannekuva import duck
from tilannekuva.aggregates import refresh_aggregates
from tilannekuva.notifications import Notifications
from tilannekuva.warehouse import current_file
from tilannekuva.whatsnew import Snapshot

FIRST = dt.datetime(2026, 10, 25, 0, 40, tzinfo=dt.UTC)  # 03.40 EEST
SECOND = dt.datetime(2026, 10, 25, 1, 10, tzinfo=dt.UTC)  # 03.10 EET, 30 minutes later


def city_clock(instant: dt.datetime) -> dt.datetime:
    """What the city's clock shows at `instant`: the naive local time of the tests' process (Europe/Helsinki)."""
    return dt.datetime.fromtimestamp(instant.timestamp())


@pytest.fixture
def versions(demo_home, tmp_path) -> list[str]:
    """The data_version (newest loaded_at, ISO) after each of the two loads of every source."""
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(current_file(demo_home / "warehouse"), copy)
    con = duck.connect(copy, build=True)
    found = []
    try:
        con.execute("update meta_source set loaded_at = '2026-10-24 12:00'")  # the loads before were the day before
        for instant in (FIRST, SECOND):
            refresh_aggregates(con, dt.date(2026, 10, 24), now=city_clock(instant))
            (newest,) = con.execute("select max(loaded_at) from meta_source").fetchone()
            found.append(newest.isoformat())
    finally:
        con.close()
    return found


def test_the_clock_really_repeats_the_hour():
    assert city_clock(SECOND) < city_clock(FIRST)


def test_a_later_load_in_the_repeated_hour_is_newer(versions):
    first, second = versions
    assert first < second, f"the later load ({second}) reads as older than the earlier one ({first})"


def test_the_later_loads_baseline_is_stored(versions, tmp_path):
    first, second = versions
    store = Notifications(tmp_path / "notifications.sqlite")
    store.set_baseline("maija", "daily", "email", Snapshot(scope="principal units=101", data_version=first))
    store.set_baseline("maija", "daily", "email", Snapshot(scope="principal units=101", data_version=second))
    assert store.baseline("maija", "daily", "email").data_version == second
