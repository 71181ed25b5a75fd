"""TILANNEKUVA_TIMEZONE naming a DIRECTORY of the tz database (Europe, America, Etc — a typo or half a name)
escapes settings._timezone as IsADirectoryError instead of the documented ConfigError.

_timezone catches (ZoneInfoNotFoundError, ValueError) only. zoneinfo.ZoneInfo("Europe") skips the system
directory (not a file) and opens the `tzdata` package's resource tzdata/zoneinfo/Europe, which is a directory:
IsADirectoryError (an OSError). So the app (views.stores.settings catches ConfigError only) shows Streamlit's
traceback instead of its "configuration error" message, and the commands (cli.main catches ConfigError and
ValueError) die with a traceback instead of "tilannekuva: timezone must be …" and exit status 2.
"""

import os
import subprocess
import sys

import pytest

from tilannekuva.settings import ConfigError, load_settings


@pytest.mark.parametrize("value", ["Europe", "America", "Etc", " Europe "])
def test_a_zone_directory_is_a_config_error(value):
    with pytest.raises(ConfigError, match="timezone must be a time zone name"):
        load_settings({"TILANNEKUVA_CONFIG": "", "TILANNEKUVA_TIMEZONE": value}, for_app=False)


def test_the_command_says_so_without_a_traceback(tmp_path):
    env = {
        **os.environ,
        "TZ": "UTC",
        "TILANNEKUVA_CONFIG": "",
        "TILANNEKUVA_DATA_DIR": str(tmp_path),
        "TILANNEKUVA_TIMEZONE": "Europe",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from tilannekuva.cli import main; sys.exit(main(['access-log-head']))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, "Traceback" in done.stderr) == (2, False), done.stderr[-600:]
    assert "timezone must be a time zone name" in done.stderr
