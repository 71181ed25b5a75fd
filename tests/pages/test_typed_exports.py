"""Issue 18 item 14: downloads hold numbers, not text. The real files a click produces, opened as a user's
spreadsheet would: the .xlsx with openpyxl (cell type and number format), the CSV as Finnish Excel reads
it (`;`, decimal comma: every number field a number), and a hidden (suppressed) value as an empty cell,
as the file's own header says — never '–' or '47 %' as text."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from tests.conftest import OfferedDownloads
from tests.helpers import open_as

FI_NUMBER = re.compile(r"^-?\d+(,\d+)?$")  # what Finnish Excel opens as a number
FI_DATETIME = re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$")


def _files(monkeypatch, user: str, page: str) -> dict[str, bytes]:
    offered = OfferedDownloads(monkeypatch)
    at = open_as(user, page)
    assert not at.exception, at.exception
    return dict(offered.produced())


def _file(files: dict[str, bytes], prefix: str, ext: str) -> bytes:
    return next(data for name, data in files.items() if name.startswith(prefix) and name.endswith(ext))


def _sheet(data: bytes) -> tuple[list[str], list[list]]:
    """The table of an exported workbook (below the title block): its header and its cells."""
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows())
    top = next(i for i, row in enumerate(rows) if row[0].value is None) + 1
    return [c.value for c in rows[top]], [list(row) for row in rows[top + 1 :]]


def _csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The table of an exported CSV (below its header block and the empty line): its header and its rows."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    top = rows.index([]) + 1
    return rows[top], rows[top + 1 :]


# (user, page, file name start, column header, Excel number format (None: a date), a CSV field of the column)
CASES = [
    # a mixed metric column: shares as 0.48 with '0 %', means 3.69 with two decimals; CSV 48 and 3,69
    ("johto", "sector_scorecard", "strategiamittarit-", "2026–2027 (kesken)", {"0 %", "#,##0.00"}, FI_NUMBER),
    ("johto", "sector_scorecard", "strategiamittarit-", "Tavoite", {"0 %", "#,##0.00"}, FI_NUMBER),
    ("rehtori", "principal_staff", "yksikko-113-mittarit-", "Koko kaupunki", {"0 %", "#,##0.00"}, FI_NUMBER),
    # a share column: 0.531 with '0.0 %' (47,3 % in Finnish Excel); the CSV's header says (%): 53,1
    ("rehtori", "principal_staff", "yksikko-113-m1", "Arvo (%)", {"0.0 %"}, FI_NUMBER),
    ("johto", "sector_units", "yksikot-m1-", "Ero kaupunkiin (%)", {"0.0 %"}, FI_NUMBER),
    ("rehtori", "principal_support", "arviointi-", "Hylättyjä (%)", {"0.0 %"}, FI_NUMBER),
    # means and hours with the decimals the page shows
    ("rehtori", "principal_support", "arviointi-", "Arvosanojen keskiarvo", {"#,##0.00"}, FI_NUMBER),
    ("opettaja", "teacher_groups", "ryhma-", "Poissaolot (h)", {"#,##0.0"}, FI_NUMBER),
    ("rehtori", "principal_staff", "koulutuspalaute-", "Kaupungin keskiarvo", {"#,##0.00"}, FI_NUMBER),
    # a time shown as text on the page ('20.11.2026 klo 14.05') is a date and time in the file
    ("admin", "admin_access_log", "kayttoloki", "Aika", {"d.m.yyyy h:mm"}, FI_DATETIME),
]


@pytest.mark.parametrize(("user", "page", "prefix", "header", "number_formats", "csv_field"), CASES)
def test_a_download_holds_numbers_with_the_format_the_page_shows(
    demo_env, monkeypatch, user, page, prefix, header, number_formats, csv_field
):
    files = _files(monkeypatch, user, page)
    head, cells = _sheet(_file(files, prefix, ".xlsx"))
    column = [row[head.index(header)] for row in cells if row[head.index(header)].value is not None]
    assert column, f"no values under {header!r}"
    assert {c.data_type for c in column} <= {"n", "d"}, [c.value for c in column[:5]]  # never 's' (text)
    assert {c.number_format for c in column} <= number_formats
    assert {c.number_format for c in column} & number_formats
    head, rows = _csv(_file(files, prefix, ".csv"))
    fields = [row[head.index(header)] for row in rows if row[head.index(header)]]
    assert fields and all(csv_field.match(f) for f in fields), fields[:5]


def test_a_hidden_value_is_an_empty_cell_in_both_files(demo_env, monkeypatch):
    """The feedback table hides the unit's mean of a training with few answers: the page shows '–', the
    files an empty cell (the note column says why) — the number is not there in any form."""
    files = _files(monkeypatch, "rehtori", "principal_staff")
    head, cells = _sheet(_file(files, "koulutuspalaute-", ".xlsx"))
    mean, note = head.index("Yksikön keskiarvo"), head.index("Huomautus")
    hidden = [row for row in cells if row[note].value]
    assert hidden and all(row[mean].value is None for row in hidden)
    head, rows = _csv(_file(files, "koulutuspalaute-", ".csv"))
    hidden = [row for row in rows if row[head.index("Huomautus")]]
    assert hidden and all(row[head.index("Yksikön keskiarvo")] == "" for row in hidden)


def test_a_metric_with_no_value_is_an_empty_cell_not_a_dash(demo_env, monkeypatch):
    """The scorecard's last year for a metric that had none reads '–' on the page; the files leave it empty."""
    files = _files(monkeypatch, "johto", "sector_scorecard")
    for data in (_file(files, "strategiamittarit-", ".xlsx"),):
        _, cells = _sheet(data)
        assert all(c.value != "–" for row in cells for c in row)
    head, rows = _csv(_file(files, "strategiamittarit-", ".csv"))
    assert all(field != "–" for row in rows for field in row)
