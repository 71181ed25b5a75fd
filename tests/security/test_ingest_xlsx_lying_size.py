"""Regression (issue 16, attack finding, ingest limits: xlsx compression ratio): `refuse_zip_bomb` checks the ratio only on
the sizes the zip directory DECLARES (and only for entries declaring >= 1 MB); the real inflation is
then counted only against the total limit (512 MB by default). An .xlsx whose directory (and local
header) says the sheet is 1 000 bytes passes the ratio check, and fastexcel reads it all the same:
a 240 KB workbook whose sheet inflates to 49 MB (223 : 1) is refused honestly as `xlsx_ratio` and
accepted when it lies; scaled up, ~2.5 MB of .xlsx feeds 511 MB of XML to the reader."""

import io
import struct
import zipfile
from pathlib import Path

import fastexcel
import polars as pl

from tilannekuva.ingest.limits import IngestLimits, refuse_zip_bomb


def lying_workbook(rows: int) -> tuple[bytes, bytes]:
    buf = io.BytesIO()
    pl.DataFrame({"a": [1]}).write_excel(buf, worksheet="poissaolot")
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    sheet = next(n for n in src.namelist() if n.startswith("xl/worksheets/sheet"))
    xml = src.read(sheet).decode()
    head, tail = xml.split("<sheetData>")[0], xml.split("</sheetData>")[1]
    body = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{"x" * 2000}</t></is></c></row>' for i in range(1, rows + 1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n in src.namelist():
            z.writestr(n, head + "<sheetData>" + body + "</sheetData>" + tail if n == sheet else src.read(n))
    honest = out.getvalue()
    data = bytearray(honest)
    info = zipfile.ZipFile(io.BytesIO(honest)).getinfo(sheet)
    data[info.header_offset + 22 : info.header_offset + 26] = struct.pack("<I", 1000)  # local header
    at = data.find(b"PK\x01\x02")
    while at != -1:  # central directory
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + length].decode() == sheet:
            data[at + 24 : at + 28] = struct.pack("<I", 1000)
        at = data.find(b"PK\x01\x02", at + 4)
    return honest, bytes(data)


def test_a_directory_that_lies_cannot_skip_the_ratio_check(tmp_path: Path):
    honest, lying = lying_workbook(10_000)
    (tmp_path / "honest.xlsx").write_bytes(honest)
    (tmp_path / "poissaolot.xlsx").write_bytes(lying)
    assert refuse_zip_bomb(tmp_path / "honest.xlsx", IngestLimits()).code == "xlsx_ratio"
    book = fastexcel.read_excel(tmp_path / "poissaolot.xlsx")  # the reader takes the lying file
    assert book.load_sheet(book.sheet_names[0]).to_polars().height == 9_999
    assert refuse_zip_bomb(tmp_path / "poissaolot.xlsx", IngestLimits()) is not None, (
        "the same bomb passes when its directory declares 1 000 bytes"
    )
