"""Attack on issue 22: the new "open a unit / district" choosers (views.drill.chooser) show each row by its
name as it came from the source system: a bidi override (U+202E) in a unit's or district's name stays in the
option and reverses the text after it ("‮ylmoR" is read "Romly"; the reader's keyboard choice reads as another
unit). tilannekuva.inert.md removes bidi controls from every Markdown text, but the choosers' options are not
Markdown and get nothing. Seen in Chromium: the option's HTML holds the U+202E. (The area filters tk_district
and tk_units_unit show the same names the same way: older, same fix.)"""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from tests.helpers import app_env, open_as
from tilannekuva.warehouse import current_file

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def bidi_home(demo_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("*.lock", "security.sqlite", "preferences.sqlite"))
    con = duckdb.connect(str(current_file(home / "warehouse")))
    con.execute(
        "update dim_unit set name = 'Koulu ' || chr(8238) || 'ylmoR' where unit_id = (select min(unit_id) from dim_unit)"
    )
    con.execute(
        "update dim_district set name_fi = 'Alue ' || chr(8238) || 'nenilet' where district_id = (select min(district_id) from dim_district)"
    )
    con.close()
    with app_env(home, monkeypatch):
        yield home


def test_the_open_choosers_show_no_bidi_controls(bidi_home):
    at = open_as("johto", "sector_units")
    assert not at.exception, at.exception
    choosers = [s for s in at.selectbox if s.key in ("districts_open", "units_open", "units_below_open")]
    assert choosers, "the page has its open-a-unit/district choosers"
    found = {s.key: [o for o in s.options if BIDI.search(o)] for s in choosers}
    assert not any(found.values()), (
        f"options with bidi controls: { {k: [repr(o) for o in v] for k, v in found.items() if v} }"
    )
