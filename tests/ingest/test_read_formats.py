"""The same rows read back identically whatever way a source system writes them."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.ingest.read import coerce, read_export

ABSENCE = CONTRACTS["poissaolot"]
EXPECTED = pl.DataFrame(
    {
        "school_year_id": [2026, 2026, 2025],
        "month": [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 3, 1)],
        "pupil_id": [17, 18, 1_000_001],
        "group_id": [3, 3, 4],
        "unit_id": [101, 101, 102],
        "absence_hours": [12.5, 0.0, 1234.0],
        "unexcused_hours": [1.5, 0.0, 0.5],
    },
    schema_overrides={c: pl.Int32 for c in ("school_year_id", "pupil_id", "group_id", "unit_id")},
)


def _text(sep: str, decimal: str, dates: str) -> str:
    def num(x: float) -> str:
        text = f"{x:g}" if x != 1234.0 else ("1 234" if decimal == "," else "1234")
        return text.replace(".", decimal)

    def day(d: dt.date) -> str:
        return d.isoformat() if dates == "iso" else f"{d.day}.{d.month}.{d.year}"

    lines = [sep.join(ABSENCE.column_names)]
    for row in EXPECTED.iter_rows(named=True):
        cells = [
            str(row["school_year_id"]),
            day(row["month"]),
            str(row["pupil_id"]),
            str(row["group_id"]),
            str(row["unit_id"]),
            num(row["absence_hours"]),
            num(row["unexcused_hours"]),
        ]
        cells = [f'"{c}"' if sep in c else c for c in cells]
        lines.append(sep.join(cells))
    return "\r\n".join(lines) + "\r\n" if sep == ";" else "\n".join(lines) + "\n"


STYLES = [s for s in itertools.product([";", ","], [",", "."], ["iso", "fi"], ["utf-8", "utf-8-sig", "cp1252"])]


@pytest.mark.parametrize(
    "sep, decimal, dates, encoding", STYLES, ids=[f"sep{s}-dec{d}-{f}-{e}" for s, d, f, e in STYLES]
)
def test_csv_styles_read_the_same(tmp_path, sep, decimal, dates, encoding):
    path = tmp_path / "poissaolot.csv"
    path.write_bytes(_text(sep, decimal, dates).encode(encoding))
    export, problems = read_export(path, ABSENCE)
    assert not problems
    typed, _, problems = coerce(export, ABSENCE)
    assert not problems
    assert typed.equals(EXPECTED)


@pytest.mark.parametrize("kind", ["xlsx", "parquet", "xlsx-named-sheet"])
def test_excel_and_parquet_read_the_same(tmp_path, kind):
    if kind == "parquet":
        path = tmp_path / "poissaolot.parquet"
        EXPECTED.write_parquet(path)
    else:
        import xlsxwriter

        path = tmp_path / "poissaolot.xlsx"
        with xlsxwriter.Workbook(path) as wb:
            if kind == "xlsx-named-sheet":  # an instructions sheet beside the data is fine
                pl.DataFrame({"ohje": ["Täytä välilehti poissaolot"]}).write_excel(wb, worksheet="Ohje")
            EXPECTED.write_excel(wb, worksheet="poissaolot")
    export, problems = read_export(path, ABSENCE)
    assert not problems
    typed, _, problems = coerce(export, ABSENCE)
    assert not problems
    assert typed.equals(EXPECTED)
