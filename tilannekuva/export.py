"""Exports of what a page shows: CSV that Finnish Excel opens as it is (UTF-8 with BOM, `;`
between fields, decimal comma), and .xlsx. Both are inert: names from the source systems may start
with `=`; no cell or header becomes a formula or a link (tilannekuva.inert).

Both take the table typed — numbers as numbers, dates as dates, a hidden (suppressed) value as null —
and `formats`: per column header an Excel number format (`"0.0 %"`, `"#,##0.00"`, `"d.m.yyyy"`), or a
list of them, one per row, for a column whose rows differ (a metric column: a share in one row, a
mean rating in the next). In the .xlsx a cell keeps its value and gets the format (a share 0.473 shows
as 47,3 % in Finnish Excel); a CSV has no formats, so a percent-formatted share is written as its
percentage number (47,3, the header says '(%)') and numbers have the decimals of their format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import polars as pl
import xlsxwriter

from tilannekuva.inert import spreadsheet_cell

BOM = "\ufeff".encode()


Formats = dict[str, str | list[str | None]]


def decimals(code: str) -> int:
    """The decimals an Excel number format shows: '0.0 %' -> 1, '#,##0' -> 0."""
    found = re.search(r"\.(0+)", code)
    return len(found.group(1)) if found else 0


def _csv_number(value, code: str | None):
    """One value as the CSV writes it under Excel format `code`: a percent as its percentage number,
    rounded to the format's decimals (an integer when it has none)."""
    if value is None or code is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    if "%" in code:
        value = value * 100
    places = decimals(code)
    return round(value, places) if places else round(value)


def _as_csv_numbers(frame: pl.DataFrame, formats: Formats | None) -> pl.DataFrame:
    """Numeric columns with a number format, as the CSV writes them (see _csv_number). A column whose rows
    have formats of their own (a metric column: 48 % beside 3,69) becomes its rows' numbers written out
    one by one (48 and 3,69 — not 48,0); after the text cells have been made inert: these are numbers."""
    columns = []
    for name, code in (formats or {}).items():
        if name not in frame.columns or not frame.schema[name].is_numeric():
            continue
        codes = code if isinstance(code, list) else [code] * frame.height
        values = [_csv_number(v, c) for v, c in zip(frame[name].to_list(), codes, strict=True)]
        if isinstance(code, list):
            texts = [None if v is None else str(v).replace(".", ",") for v in values]
            columns.append(pl.Series(name, texts, dtype=pl.String))
        else:
            whole = all(isinstance(v, int) for v in values if v is not None)
            columns.append(pl.Series(name, values, dtype=pl.Int64 if whole else pl.Float64, strict=False))
    return frame.with_columns(columns) if columns else frame


def to_csv_fi(frame: pl.DataFrame, formats: Formats | None = None, meta: list[str] | None = None) -> bytes:
    """The frame as Excel-friendly CSV for fi/sv locales: numbers with a decimal comma (a share formatted
    as a percent as its percentage number), dates d.m.yyyy, an empty field for a null (hidden) value. Text
    cells and the header row that a spreadsheet would evaluate (= + - @ tab CR first) start with `'`
    (OWASP); numbers stay numbers.

    `meta` lines (the same header block as the .xlsx: title, filters, data-as-of date, suppression note,
    metric definitions …) come first, one field per line, then an empty line, then the table: a reader skips
    `header_rows(meta)` lines (polars `read_csv(skip_rows=…)`). They are made inert like any cell and
    kept on one line each."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    frame = _as_csv_numbers(
        # In Python over the values, not map_elements: no Python function runs on polars' thread pool (a
        # pool thread waiting for the GIL held by a thread waiting on the pool froze the server, issue 21).
        frame.with_columns(
            pl.Series(
                name, [None if v is None else spreadsheet_cell(v) for v in frame[name].to_list()], dtype=pl.String
            )
            for name in texts
        ),
        formats,
    ).rename(spreadsheet_cell)
    buffer = io.BytesIO()
    if meta:
        head = io.StringIO()
        writer = csv.writer(head, delimiter=";", lineterminator="\n")
        for line in meta:
            writer.writerow([spreadsheet_cell(" ".join(str(line).split()))])
        head.write("\n")
        buffer.write(head.getvalue().encode("utf-8"))
    frame.write_csv(buffer, separator=";", decimal_comma=True, date_format="%d.%m.%Y", datetime_format="%d.%m.%Y %H:%M")
    return BOM + buffer.getvalue()


def header_rows(meta: list[str] | None) -> int:
    """How many rows the title block takes above the table (the table's header row index), in the .xlsx
    and the CSV alike."""
    return len(meta) + 1 if meta else 0


def to_xlsx(
    frame: pl.DataFrame, sheet: str = "Tiedot", meta: list[str] | None = None, formats: Formats | None = None
) -> bytes:
    """The frame as an Excel workbook: one sheet, a bold header, numbers as numbers with their number
    format from `formats` (by column, or by row), dates as dates (d.m.yyyy unless formatted otherwise),
    empty cells for nulls (e.g. suppressed counts). Written with xlsxwriter
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
    made: dict[str, object] = {}

    def number_format(code: str | None):
        if code is None:
            return None
        if code not in made:
            made[code] = workbook.add_format({"num_format": code})
        return made[code]

    sheet_ = workbook.add_worksheet(_sheet_name(sheet))
    for r, line in enumerate(meta or []):
        sheet_.write_string(r, 0, line, title if r == 0 else None)
    top = header_rows(meta)
    for c, name in enumerate(frame.columns):
        sheet_.write_string(top, c, name, bold)
    sheet_.freeze_panes(top + 1, 0)
    for c, (name, dtype) in enumerate(frame.schema.items()):
        values = frame[name].to_list()
        code = (formats or {}).get(name)
        codes = code if isinstance(code, list) else [code] * frame.height
        width = max([len(name), *(len(str(v)) + 2 for v in values[:200] if v is not None)]) + 2
        sheet_.set_column(c, c, min(width, 60), day if dtype == pl.Date and code is None else None)
        for r, (value, cell_code) in enumerate(zip(values, codes, strict=True), start=top + 1):
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue  # a hidden value, or none: an empty cell
            if isinstance(value, (dt.date, dt.datetime)):
                sheet_.write_datetime(r, c, value, number_format(cell_code) or day)
            elif isinstance(value, bool):
                sheet_.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet_.write_number(r, c, value, number_format(cell_code))
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
