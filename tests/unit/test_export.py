"""Downloads: the CSV Finnish Excel opens as it is, and the .xlsx with the same cells."""

import datetime as dt
import io

import polars as pl
import pytest

from tilannekuva.export import decimals, header_rows, to_csv_fi, to_xlsx

FRAME = pl.DataFrame(
    {
        "Alue": ["Eteläinen", "Östra", None],
        "Oppilaita": [1234, None, 7],  # None = a suppressed cell
        "Osuus (%)": [12.5, None, 0.0],
        "Päivä": [dt.date(2026, 11, 20), dt.date(2025, 8, 1), None],
    }
)


def test_csv_is_excel_friendly_in_finnish():
    data = to_csv_fi(FRAME)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Alue;Oppilaita;Osuus (%);Päivä"
    assert "Eteläinen;1234;12,5;20.11.2026" in text
    assert "Östra;;;01.08.2025" in text  # suppressed cells stay empty


def test_xlsx_holds_the_same_cells_typed():
    back = pl.read_excel(io.BytesIO(to_xlsx(FRAME, sheet="Lapset ja oppilaat alueittain 2026–2027")))
    assert back.columns == FRAME.columns
    assert back["Alue"].to_list() == FRAME["Alue"].to_list()
    assert back["Oppilaita"].to_list() == FRAME["Oppilaita"].to_list()
    assert back["Osuus (%)"].to_list() == FRAME["Osuus (%)"].to_list()
    assert back["Päivä"].cast(pl.Date).to_list() == FRAME["Päivä"].to_list()


def test_xlsx_starts_with_title_filters_as_of_and_suppression_note():
    meta = [
        "Lapset ja oppilaat alueittain 2026–2027",
        "Rajaukset: Lukuvuosi: 2026–2027 · Sektori: Kaikki",
        "Tiedot ajalta 20.11.2026 asti.",
        "Tietosuoja: alle 5 oppilaan luvut … Piilotettuja soluja: 1.",
    ]
    data = to_xlsx(FRAME, sheet="Lapset: alueittain/2026", meta=meta)
    top = pl.read_excel(io.BytesIO(data), has_header=False, read_options={"n_rows": len(meta)})
    assert top[:, 0].to_list() == meta
    back = pl.read_excel(io.BytesIO(data), read_options={"header_row": header_rows(meta)})
    assert back.columns == FRAME.columns
    assert back["Oppilaita"].to_list() == FRAME["Oppilaita"].to_list()
    import fastexcel

    assert fastexcel.read_excel(data).sheet_names == ["Lapset- alueittain-2026"]  # Excel's forbidden characters


TYPED = pl.DataFrame(
    {
        "Mittari": ["M1", "M2", "=1+1"],
        "Arvo": [0.48, 3.694, None],  # a metric column: a share, a mean, a hidden value
        "Osuus (%)": [0.473, -0.012, None],
    }
)
TYPED_FORMATS = {"Arvo": ["0 %", "#,##0.00", "0 %"], "Osuus (%)": "0.0 %"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (1, "M1;48;47,3"),  # a share under '0 %' as its percentage number, no decimals
        (2, "M2;3,69;-1,2"),  # a mean with two decimals; a negative share stays a number (not made inert)
        (3, "'=1+1;;"),  # text that a spreadsheet would evaluate stays inert; hidden values are empty
    ],
)
def test_csv_writes_formatted_numbers_as_finnish_excel_reads_them(row, expected):
    lines = to_csv_fi(TYPED, TYPED_FORMATS).decode("utf-8-sig").splitlines()
    assert lines[0] == "Mittari;Arvo;Osuus (%)"
    assert lines[row] == expected


@pytest.mark.parametrize(
    ("cell", "value", "number_format"),
    [
        ("B2", 0.48, "0 %"),
        ("B3", 3.694, "#,##0.00"),
        ("B4", None, "General"),  # hidden: an empty cell
        ("C2", 0.473, "0.0 %"),
        ("C3", -0.012, "0.0 %"),
        ("A4", "=1+1", "General"),  # a string cell, never a formula
    ],
)
def test_xlsx_cells_keep_their_value_with_the_number_format(cell, value, number_format):
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(TYPED, formats=TYPED_FORMATS))).active
    assert sheet[cell].value == value
    assert sheet[cell].number_format == number_format
    assert sheet[cell].data_type == ("s" if isinstance(value, str) else "n")


@pytest.mark.parametrize(("code", "places"), [("0 %", 0), ("0.0 %", 1), ("#,##0.00", 2), ("d.m.yyyy", 0)])
def test_decimals_of_a_number_format(code, places):
    assert decimals(code) == places


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (["Otsikko", "Tiedot ajalta 20.11.2026 asti."], ["Otsikko", "Tiedot ajalta 20.11.2026 asti."]),
        (["M3 Määritelmä: a; b", 'sanoi "hei"'], ["M3 Määritelmä: a; b", 'sanoi "hei"']),  # quoted, still one field
        (['=HYPERLINK("x")', "rivi\nkaksi"], ['\'=HYPERLINK("x")', "rivi kaksi"]),  # inert, one line each
    ],
)
def test_csv_has_the_header_block_then_an_empty_line_then_the_table(meta, expected):
    import csv

    data = to_csv_fi(TYPED, TYPED_FORMATS, meta)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[: len(meta)]] == expected and rows[len(meta)] == []
    back = pl.read_csv(io.BytesIO(data), separator=";", skip_rows=header_rows(meta), decimal_comma=True)
    assert back.columns == TYPED.columns
    assert back["Mittari"].to_list() == ["M1", "M2", "'=1+1"]
    assert to_csv_fi(TYPED, TYPED_FORMATS).decode("utf-8-sig") in data.decode("utf-8-sig")  # the same table
