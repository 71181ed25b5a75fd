"""A `timezone` Python's zoneinfo knows but the C library's tzset does not: the process stays in UTC, silently.

settings._timezone checks the name with zoneinfo.ZoneInfo, and zoneinfo falls back to the `tzdata` package
(requirements.lock: tzdata==2026.6) when the system has no time zone database — a slim container image
without the OS `tzdata` package, or a TZDIR/tz database that lacks the zone. settings.use_city_time then sets
TZ=Europe/Helsinki and calls time.tzset(), but glibc finds no such file, fails to parse the name as a POSIX TZ
string and falls back to UTC — and logs "local time is Europe/Helsinki's (Europe)" as if it had worked.

Result on a server in UTC: Settings.today_date (zoneinfo) is the city's day, but every datetime.fromtimestamp /
date.today the app and the commands show, count and write (access log, user list, monthly_use's month,
digests) is UTC: a sign-in at 00.30 on 1.1. still counts in December. The setting must either refuse such a
zone (ConfigError) or make the process's local time really the city's; it does neither.

Simulated here with TZDIR and PYTHONTZPATH pointing at an empty directory (a system with no tz database:
glibc finds nothing, zoneinfo uses the tzdata package), TZ=UTC as on the server.
"""

import datetime as dt
import os
import subprocess
import sys

import pytest

NEW_YEAR_UTC = dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC).timestamp()  # 00.30 on 1.1.2027 in Helsinki

CODE = f"""
import datetime as dt, sys
from tilannekuva.settings import ConfigError
try:
    from {{module}} import _settings
    settings = _settings()
except ConfigError as exc:
    print("refused:", exc)
    sys.exit(0)
print(dt.datetime.fromtimestamp({NEW_YEAR_UTC}).isoformat())
print(dt.date.fromtimestamp({NEW_YEAR_UTC}).replace(day=1).isoformat())  # monthly_use's month
"""


@pytest.mark.parametrize(
    ("module", "no_tz_db_for"),
    [
        ("tilannekuva.cli", "both"),  # no system tz database at all; zoneinfo answers from the tzdata package
        ("views.stores", "both"),  # the app
        ("tilannekuva.cli", "libc"),  # the C library's tz database lacks the zone, Python's finds it
    ],
    ids=["command-no-tzdb", "app-no-tzdb", "command-libc-tzdb-differs"],
)
def test_a_zone_only_zoneinfo_knows_is_refused_or_really_used(module, no_tz_db_for, tmp_path):
    empty = tmp_path / "no-tz-database"
    empty.mkdir()
    env = {
        **os.environ,
        "TZ": "UTC",
        "TILANNEKUVA_CONFIG": "",
        "TILANNEKUVA_DATA_DIR": str(tmp_path),
        "TILANNEKUVA_TIMEZONE": "Europe/Helsinki",
        "TZDIR": str(empty),
    }
    if no_tz_db_for == "both":
        env["PYTHONTZPATH"] = str(empty)
    done = subprocess.run(
        [sys.executable, "-c", CODE.format(module=module)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip().splitlines()
    if out and out[-1].startswith("refused:"):
        return  # acceptable: the zone is refused, the operator is told
    assert out[-2:] == ["2027-01-01T00:30:00", "2027-01-01"], (
        "the zone was accepted but the process's local time is not the city's: " + " / ".join(out[-2:])
    )
