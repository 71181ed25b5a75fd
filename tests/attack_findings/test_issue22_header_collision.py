"""Attack on issue 22 (real tables): a data header that is made inert (tilannekuva.inert.md strips bidi
controls and turns line breaks into spaces) can become equal to another header of the same table after
`tables.table` made the headers unique. pandas/pyarrow then refuse the frame (duplicate column names) and
the page dies with Streamlit's error box instead of its table.

- A unit named "Koko\\nkaupunki" (a line break from the source system): its view in the sector lead's unit
  comparison shows the table Mittari | Nimi | <unit> | <sector> | Koko kaupunki; md(<unit>) == "Koko
  kaupunki", the catalog's own header (not renamed) -> ValueError: Duplicate column names.
- A school year labelled "Tavoite" + U+2066 (an invisible bidi isolate): the sector lead's scorecard for that
  year has the headers <year> … Tavoite -> the same crash on the landing page of the role.

Before issue 22 these tables were st.dataframe grids (no renaming): they rendered.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.helpers import app_env, open_as
from tilannekuva.warehouse import current_file


@pytest.fixture
def hostile_home(demo_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("*.lock", "security.sqlite", "preferences.sqlite"))
    con = duckdb.connect(str(current_file(home / "warehouse")))
    con.execute("update dim_school_year set label = 'Tavoite' || chr(8294) where school_year_id = 2025")
    unit = con.execute("select min(unit_id) from dim_unit where sector = 'perusopetus'").fetchone()[0]
    con.execute("update dim_unit set name = 'Koko' || chr(10) || 'kaupunki' where unit_id = ?", [unit])
    con.close()
    with app_env(home, monkeypatch):
        yield home, unit


def _crash(at) -> str:
    return "; ".join(str(e.value)[:120] for e in at.exception)


def test_a_unit_named_like_the_city_header_does_not_crash_the_unit_view(hostile_home):
    _, unit = hostile_home
    at = open_as("johto", "sector_units", yksikko=str(unit))
    assert not at.exception, _crash(at)
    assert at.table, "the unit's metrics table is shown"


def test_a_school_year_labelled_like_a_header_does_not_crash_the_scorecard(hostile_home):
    at = open_as("johto", "sector_scorecard", lukuvuosi="2025")
    assert not at.exception, _crash(at)
    assert at.table, "the scorecard table is shown"


def test_a_data_header_named_like_the_note_column_keeps_its_values():
    """`tables.table` makes headers unique among the columns asked for, but the suppression note column
    ('Huomautus') is added afterwards with `with_columns`, which *replaces* a column of that name: a unit or
    school year named 'Huomautus' (a metric column has no suffix) loses its values to the notes, on the page
    and in the downloads (typed twin). The same trick with 'Note' / 'Anmärkning' in English / Swedish."""
    import polars as pl

    from views import tables

    frame = pl.DataFrame({"metric": ["M1", "M2"], "value": [0.5, None], "is_suppressed": [False, True]})
    table = tables.table(frame, {"metric": "col.metric", "value": (tables.Text("Huomautus"), "metric:metric")}, "fi")
    assert table.width == 3, f"the unit's column and the note: got {table.columns}"
    assert table.typed.width == 3 and 0.5 in table.typed.to_dict(as_series=False).get(table.columns[1], [])


def test_the_principals_own_unit_page_survives_its_units_name(hostile_home):
    """The same table on the principal's landing page (pages/principal_unit.py, judged: Tavoite, Tilanne too):
    the principal's own unit, renamed in the source system, takes the whole page down."""
    import yaml

    home, unit = hostile_home
    users = yaml.safe_load((home / "demo" / "users.yaml").read_text(encoding="utf-8"))["users"]
    own = users["rehtori"]["units"][0]
    con = duckdb.connect(str(current_file(home / "warehouse")))
    con.execute("update dim_unit set name = 'Tavoite' || chr(8294) where unit_id = ?", [own])
    con.close()
    at = open_as("rehtori", "principal_unit")
    assert not at.exception, _crash(at)
