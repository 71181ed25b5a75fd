"""The city's time, whatever the server's clock is set to: its day (the freshness of the sources, the
'period not finished' notes) and every local time the app and its commands show, count and write.

Found through CI: a suite that started at 23:44 UTC judged a production 'today' after midnight. A server
in UTC is 2 hours behind Helsinki in winter and 3 in summer, so until then the whole city's day was
yesterday, a sign-in at 00:30 on 1 December was counted in November's use (M4), and the access log showed
a principal times 2–3 hours off. The subprocesses here run with TZ=UTC, as such a server does."""

import csv
import datetime as dt
import os
import subprocess
import sys

import pytest

from tilannekuva.audit import AccessLog
from tilannekuva.settings import CITY_TIMEZONE, ConfigError, city_today, load_settings
from tilannekuva.statedb import for_settings


def utc(*args) -> float:
    return dt.datetime(*args, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("now", "zone", "day"),
    [
        (utc(2026, 11, 24, 21, 59, 59), CITY_TIMEZONE, dt.date(2026, 11, 24)),  # 23.59.59 in Helsinki (EET, +2)
        (utc(2026, 11, 24, 22, 0, 0), CITY_TIMEZONE, dt.date(2026, 11, 25)),  # midnight in Helsinki, 22.00 UTC
        (utc(2026, 6, 30, 20, 59, 59), CITY_TIMEZONE, dt.date(2026, 6, 30)),  # summer time (EEST, +3)
        (utc(2026, 6, 30, 21, 0, 0), CITY_TIMEZONE, dt.date(2026, 7, 1)),
        (utc(2026, 11, 24, 22, 0, 0), "UTC", dt.date(2026, 11, 24)),  # another city's zone is honoured
    ],
)
def test_the_citys_day_turns_at_its_own_midnight(now, zone, day):
    assert city_today(zone, now) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, CITY_TIMEZONE), ("Europe/Stockholm", "Europe/Stockholm"), (" Europe/Helsinki ", CITY_TIMEZONE)],
)
def test_the_zone_is_a_setting(value, expected):
    env = {"TILANNEKUVA_CONFIG": ""} | ({} if value is None else {"TILANNEKUVA_TIMEZONE": value})
    assert load_settings(env, for_app=False).timezone == expected


@pytest.mark.parametrize("value", ["Mars/Olympus", "EET+2", "", "../../etc/passwd", "Europe", "right/Europe/Helsinki"])
def test_a_zone_the_system_does_not_know_is_refused(value):
    with pytest.raises(ConfigError, match="timezone must be a time zone name like Europe/Helsinki"):
        load_settings({"TILANNEKUVA_CONFIG": "", "TILANNEKUVA_TIMEZONE": value}, for_app=False)


def _in_utc(code: str, tmp_path, **env) -> str:
    """Run `code` in a new Python process whose clock is set to UTC (TZ=UTC), as many servers' are."""
    environ = {**os.environ, "TZ": "UTC", "TILANNEKUVA_CONFIG": "", "TILANNEKUVA_DATA_DIR": str(tmp_path), **env}
    done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


NEW_YEAR_UTC = utc(2026, 12, 31, 22, 30)  # 00.30 on 1.1.2027 in Helsinki


@pytest.mark.parametrize(
    "load",
    [
        "from views.stores import _settings; _settings()",  # the app (app.py: stores.settings())
        "from tilannekuva.cli import _settings; _settings()",  # every command
    ],
    ids=["app", "command"],
)
def test_the_app_and_the_commands_show_the_citys_time_on_a_server_in_utc(load, tmp_path):
    shown = _in_utc(
        f"import datetime as dt\n{load}\nprint(dt.datetime.fromtimestamp({NEW_YEAR_UTC}).isoformat())", tmp_path
    )
    assert shown.splitlines()[-1] == "2027-01-01T00:30:00"


def test_a_sign_in_after_the_citys_midnight_counts_in_the_citys_month(tmp_path):
    """M4's feed (`tilannekuva usage-export`): a principal who signs in at 00.30 on New Year's Day is a
    January user, not a December one, on a server in UTC."""
    settings = load_settings({"TILANNEKUVA_CONFIG": "", "TILANNEKUVA_DATA_DIR": str(tmp_path)}, for_app=False)
    # the log never writes a time behind the real one, so the test's sign-in is in a future new year's night
    future = utc(dt.date.today().year + 1, 12, 31, 22, 30)
    AccessLog(for_settings(settings, "access_log"), clock=lambda: future).record(
        "maija", "principal", "sign_in", "session", "login", {"units": [101]}, 0
    )
    _in_utc(f"from tilannekuva.cli import main; main(['usage-export', {str(tmp_path / 'out')!r}])", tmp_path)
    with (tmp_path / "out" / "tilannekuva_kaytto.csv").open(newline="") as handle:
        (row,) = csv.DictReader(handle, delimiter=";")
    assert (row["username"], row["month"]) == ("maija", f"{dt.date.today().year + 2}-01-01")
