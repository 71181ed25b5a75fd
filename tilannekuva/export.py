"""Exports of what a page shows: CSV that Finnish Excel opens as it is (UTF-8 with BOM, `;`
between fields, decimal comma)."""

from __future__ import annotations

import io

import polars as pl

BOM = "\ufeff".encode()


def to_csv_fi(frame: pl.DataFrame) -> bytes:
    """The frame as Excel-friendly CSV for fi/sv locales."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=";", decimal_comma=True, date_format="%d.%m.%Y",
                    datetime_format="%d.%m.%Y %H:%M")
    return BOM + buffer.getvalue()


def to_xlsx(frame: pl.DataFrame, sheet: str = "Tiedot") -> bytes:
    """The frame as an Excel workbook (one sheet, typed cells, dates as dates)."""
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet=sheet[:31], autofit=True, dtype_formats={pl.Date: "d.m.yyyy"})
    return buffer.getvalue()
