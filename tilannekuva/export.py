"""Exports of what a page shows: CSV that Finnish Excel opens as it is (UTF-8 with BOM, `;`
between fields, decimal comma), and .xlsx. Both are inert: names from the source systems may start
with `=`; no cell or header becomes a formula or a link (tilannekuva.inert)."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

from tilannekuva.inert import spreadsheet_cell

BOM = "\ufeff".encode()


def to_csv_fi(frame: pl.DataFrame) -> bytes:
    """The frame as Excel-friendly CSV for fi/sv locales. Text cells and the header row that a
    spreadsheet would evaluate (= + - @ tab CR first) start with `'` (OWASP); numbers stay numbers."""
    frame = frame.rename(spreadsheet_cell).with_columns(
        pl.col(name).map_elements(spreadsheet_cell, return_dtype=pl.String)
        for name, dtype in frame.rename(spreadsheet_cell).schema.items()
        if dtype == pl.String
    )
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=";", decimal_comma=True, date_format="%d.%m.%Y", datetime_format="%d.%m.%Y %H:%M")
    return BOM + buffer.getvalue()


def header_rows(meta: list[str] | None) -> int:
    """How many rows the title block takes above the table (the table's header row index)."""
    return len(meta) + 1 if meta else 0


def to_xlsx(frame: pl.DataFrame, sheet: str = "Tiedot", meta: list[str] | None = None) -> bytes:
    """The frame as an Excel workbook: one sheet, a bold header, numbers as numbers, dates as
    dates (d.m.yyyy), empty cells for nulls (e.g. suppressed counts). Written with xlsxwriter
    directly (~3 ms for a chart's table; polars' write_excel takes ~13 ms).

    `meta` lines (title first, then filters, data-as-of date, suppression note) go above the table,
    the title in bold, with one empty row before the table's header; the header row is frozen.

    Text is always written as text: xlsxwriter's conversions of strings to formulas, URLs and numbers
    are off and every string goes through write_string, so a name like `=HYPERLINK(…)` stays a name."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    day = workbook.add_format({"num_format": "d.m.yyyy"})
    sheet_ = workbook.add_worksheet(_sheet_name(sheet))
    for r, line in enumerate(meta or []):
        sheet_.write_string(r, 0, line, title if r == 0 else None)
    top = header_rows(meta)
    for c, name in enumerate(frame.columns):
        sheet_.write_string(top, c, name, bold)
    sheet_.freeze_panes(top + 1, 0)
    for c, (name, dtype) in enumerate(frame.schema.items()):
        values = frame[name].to_list()
        width = max([len(name), *(len(str(v)) for v in values[:200] if v is not None)]) + 2
        sheet_.set_column(c, c, min(width, 60), day if dtype == pl.Date else None)
        for r, value in enumerate(values, start=top + 1):
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, (dt.date, dt.datetime)):
                sheet_.write_datetime(r, c, value, day)
            elif isinstance(value, bool):
                sheet_.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet_.write_number(r, c, value)
            else:
                sheet_.write_string(r, c, str(value))
    workbook.close()
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """A valid Excel sheet name whatever the title (it carries labels from the source systems): none of
    []:*?/\\ or control characters, at most 31 characters, no apostrophe or space at either end, not
    Excel's reserved 'History', never empty."""
    clean = "".join("-" if ch in "[]:*?/\\" or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 else ch for ch in name)
    clean = clean.strip("' ")[:31].rstrip("' ")
    if clean.lower() == "history":
        clean += "-"
    return clean or "Tiedot"
