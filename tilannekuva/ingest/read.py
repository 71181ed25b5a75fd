"""Read one export as the source systems deliver it, and turn its text into typed columns.

CSV: UTF-8 (with or without BOM) or Windows-1252, `;` or `,` separated, Finnish decimal comma
and d.m.yyyy dates accepted. Excel (.xlsx): the only sheet, or the sheet named after the
contract. Parquet: as written. Anything else is a Problem, never an exception. The limits
(tilannekuva/ingest/limits.py) are checked before the big read: an .xlsx's inflated size from its
zip directory, a CSV's header and a Parquet file's metadata for the columns, and rows as read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from tilannekuva.ingest.contracts import POLARS_TYPES, Contract
from tilannekuva.ingest.limits import (
    MB,
    IngestLimits,
    read_once,
    refuse_columns,
    refuse_parquet_bomb,
    refuse_rows,
    refuse_zip_bomb,
)
from tilannekuva.ingest.problems import ROWS_LISTED, Problem

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
DELIMITERS = (";", ",")
FOREIGN_DELIMITERS = {"\t": "TAB", "|": "|", ":": ":"}
TRUE = {"true", "1", "kyllä", "k", "yes", "y", "ja", "x", "t"}
FALSE = {"false", "0", "ei", "e", "no", "n", "nej", "f"}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
HEADER_MAX_BYTES = 4 * MB  # a CSV header record longer than this is refused (checked before the read)
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M",
)


@dataclass
class Export:
    """One file's contents, untyped or as typed by its format; `first_row` numbers frame row 0."""

    path: Path
    format: str
    frame: pl.DataFrame
    first_row: int
    detail: str = ""  # e.g. "Windows-1252, ';'" or "sheet 'poissaolot'"


def read_export(
    path: Path, contract: Contract, limits: IngestLimits = IngestLimits(), data: bytes | None = None
) -> tuple[Export | None, list[Problem]]:
    """Read the export `path` within `limits`; on failure return (None, problems). `data`: the file's
    bytes as read once by `read_once` (the load passes the bytes it checksummed); read here if None."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return None, [Problem(path.name, "unsupported_format", values={"suffix": path.suffix or "–"})]
    if data is None:
        data, refused = read_once(path, limits)
        if refused:
            return None, [refused]
    if len(data) == 0:
        return None, [Problem(path.name, "empty_file")]
    if fmt == "csv":
        return _read_csv(path, data, limits)
    if fmt == "xlsx":
        return _read_xlsx(path, data, contract, limits)
    return _read_parquet(path, data, limits)


def _decode(path: Path, raw: bytes) -> tuple[bytes | None, str, list[Problem]]:
    """The file as UTF-8 bytes (BOM removed), the encoding it was in, or the problem."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        return None, "", [Problem(path.name, "utf16_or_binary")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
        return raw, "UTF-8", []
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252").encode("utf-8"), "Windows-1252", []
    except UnicodeDecodeError as exc:
        return (
            None,
            "",
            [Problem(path.name, "bad_encoding", values={"offset": exc.start, "byte": f"0x{raw[exc.start]:02X}"})],
        )


def _header_record(data: bytes, delimiter: str) -> tuple[list[str], bool]:
    """The first record as the csv module reads it (a quoted field may hold the delimiter or a newline),
    from at most HEADER_MAX_BYTES; and whether it ended within them."""
    prefix = data[:HEADER_MAX_BYTES]
    text = io.StringIO(prefix.decode("utf-8", errors="ignore"), newline="")
    try:
        record = next(csv.reader(text, delimiter=delimiter, quotechar='"'), [])
    except csv.Error:
        return [], False
    ended = len(data) <= HEADER_MAX_BYTES or text.tell() < len(text.getvalue())
    return record, ended


def _read_csv(path: Path, raw: bytes, limits: IngestLimits) -> tuple[Export | None, list[Problem]]:
    data, encoding, problems = _decode(path, raw)
    if data is None:
        return None, problems
    records = {d: _header_record(data, d) for d in DELIMITERS}
    counts = {d: len(record) - 1 for d, (record, _) in records.items()}
    delimiter = max(counts, key=counts.get)
    header, ended = records[delimiter]
    if not ended:  # a header record past HEADER_MAX_BYTES is not read to its end
        if len(header) > limits.max_columns:
            return None, [
                Problem(
                    path.name, "too_many_columns", values={"found": f"> {len(header)}", "limit": limits.max_columns}
                )
            ]
        return None, [Problem(path.name, "header_too_long", row=1, values={"limit": f"{HEADER_MAX_BYTES // MB} MB"})]
    if not "".join(header).strip():
        return None, [Problem(path.name, "empty_file")]
    if counts[delimiter] <= 0:
        first = "".join(header)
        foreign = [name for d, name in FOREIGN_DELIMITERS.items() if d in first]
        if foreign:
            return None, [Problem(path.name, "wrong_delimiter", row=1, values={"found": foreign[0]})]
    too_wide = refuse_columns(path, counts[delimiter] + 1, limits)
    if too_wide:
        return None, [too_wide]
    try:
        frame = pl.read_csv(
            data,
            separator=delimiter,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            n_rows=limits.max_rows + 1,
        )
    except pl.exceptions.PolarsError as exc:
        return None, _ragged_rows(path, data.decode("utf-8"), delimiter) or [
            Problem(path.name, "unreadable", values={"error": str(exc).splitlines()[0][:200]})
        ]
    if frame.height == 0:
        return None, [Problem(path.name, "header_only")]
    too_long = refuse_columns(path, frame.width, limits) or refuse_rows(path, frame.height, limits)
    if too_long:
        return None, [too_long]
    problems = []
    if not data.endswith(b"\n") and frame.width > 1 and frame.row(-1)[-1] is None:
        problems.append(Problem(path.name, "truncated", row=frame.height + 1))
    return Export(path, "csv", frame, first_row=2, detail=f"{encoding}, '{delimiter}'"), problems


def _ragged_rows(path: Path, text: str, delimiter: str) -> list[Problem]:
    """Rows whose field count differs from the header's (only run when the fast reader fails)."""
    rows = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    width = len(next(rows, []))
    bad = [(rows.line_num, len(r)) for r in rows if r and len(r) != width]
    problems = [
        Problem(path.name, "field_count", row=line, values={"found": n, "expected": width})
        for line, n in bad[:ROWS_LISTED]
    ]
    if len(bad) > ROWS_LISTED:
        problems.append(
            Problem(path.name, "more_rows", values={"count": len(bad) - ROWS_LISTED, "code": "field_count"})
        )
    return problems


def _read_xlsx(
    path: Path, data: bytes, contract: Contract, limits: IngestLimits
) -> tuple[Export | None, list[Problem]]:
    bomb = refuse_zip_bomb(path, limits, data)
    if bomb:
        return None, [bomb]
    try:
        workbook = fastexcel.read_excel(data)
        sheets = workbook.sheet_names
    except Exception as exc:  # fastexcel raises its own error types for zip/xml damage
        return None, [Problem(path.name, "bad_workbook", values={"error": str(exc).splitlines()[0][:200]})]
    named = [s for s in sheets if s.strip().lower() == contract.name]
    if len(sheets) == 1:
        sheet = sheets[0]
    elif named:
        sheet = named[0]
    else:
        return None, [Problem(path.name, "several_sheets", values={"sheets": ", ".join(sheets), "name": contract.name})]
    try:
        frame = workbook.load_sheet(sheet, n_rows=limits.max_rows + 1).to_polars()
    except Exception as exc:
        return None, [Problem(path.name, "bad_workbook", values={"error": str(exc).splitlines()[0][:200]})]
    if frame.width == 0:
        return None, [Problem(path.name, "empty_file")]
    if frame.height == 0:
        return None, [Problem(path.name, "header_only")]
    too_big = refuse_columns(path, frame.width, limits) or refuse_rows(path, frame.height, limits)
    if too_big:
        return None, [too_big]
    return Export(path, "xlsx", frame, first_row=2, detail=f"sheet '{sheet}'"), []


def _read_parquet(path: Path, data: bytes, limits: IngestLimits) -> tuple[Export | None, list[Problem]]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        too_big = (
            refuse_columns(path, meta.num_columns, limits)
            or refuse_rows(path, meta.num_rows, limits)
            or refuse_parquet_bomb(path, data, limits)
        )  # metadata, then the decoded size counted
        if too_big:
            return None, [too_big]
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars/arrow raise several error types for damaged files
        return None, [Problem(path.name, "bad_parquet", values={"error": str(exc).splitlines()[0][:200]})]
    if frame.height == 0:
        return None, [Problem(path.name, "header_only")]
    return Export(path, "parquet", frame, first_row=1), []


def check_columns(export: Export, contract: Contract, others: list[Contract]) -> list[Problem]:
    """Missing, extra, duplicated or renamed columns; a hint when the file fits another contract."""
    name = export.path.name
    header = [c.strip() for c in export.frame.columns]
    problems = []
    seen: set[str] = set()
    for col in header:
        if col in seen or col.split("_duplicated_")[0] in seen:
            problems.append(Problem(name, "duplicate_column", column=col.split("_duplicated_")[0]))
        seen.add(col)
    expected = list(contract.column_names)
    missing = [c for c in expected if c not in seen]
    extra = [c for c in header if c not in expected and "_duplicated_" not in c]
    if missing or extra:
        fits = [o.name for o in others if o.name != contract.name and set(o.column_names) == set(header)]
        if fits:
            return [Problem(name, "wrong_table", values={"expected": contract.name, "found": fits[0]})]
    problems += [Problem(name, "missing_column", column=c) for c in missing]
    problems += [Problem(name, "extra_column", column=c) for c in extra]
    return problems


def _pick_formats(values: pl.Series, formats: tuple[str, ...], parse) -> list[str]:
    """The formats to try, the one that parses a sample of the column first: trying every
    format on every row costs seconds per million rows."""
    sample = values.drop_nulls().head(200)
    ranked = sorted(formats, key=lambda f: -parse(sample, f).is_not_null().sum())
    return ranked


def _parse_text(values: pl.Series, type_: str) -> pl.Series:
    s = values.str.strip_chars()
    s = pl.select(pl.when(s == "").then(None).otherwise(s)).to_series().alias(values.name)
    if type_ in ("int", "bigint"):
        digits = s.str.replace_all(r"[\s\u00a0]", "").str.replace(r"\.0+$", "")
        return digits.cast(POLARS_TYPES[type_], strict=False)
    if type_ == "decimal":
        return s.str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    if type_ in ("date", "timestamp"):
        if type_ == "date":

            def parse(v, f):
                return v.str.to_date(f, strict=False) if "%H" not in f else v.str.to_datetime(f, strict=False).dt.date()

            formats = DATE_FORMATS + TIMESTAMP_FORMATS
        else:

            def parse(v, f):
                return v.str.to_datetime(f, strict=False, time_unit="us")

            formats = TIMESTAMP_FORMATS
        ranked = _pick_formats(s, formats, parse)
        out = parse(s, ranked[0])
        missing = out.is_null() & s.is_not_null()
        if missing.any():  # a few rows in another format: try the rest on those only
            rest = s.filter(missing)
            fixed = pl.select(pl.coalesce([parse(rest, f) for f in ranked[1:]])).to_series()
            out = out.scatter(missing.arg_true(), fixed)
        return out
    if type_ == "bool":
        low = s.str.to_lowercase()
        return pl.select(
            pl.when(low.is_in(list(TRUE))).then(True).when(low.is_in(list(FALSE))).then(False).otherwise(None)
        ).to_series()
    return s


def _cast_typed(s: pl.Expr, source: pl.DataType, type_: str) -> pl.Expr:
    target = POLARS_TYPES[type_]
    if type_ in ("int", "bigint") and source.is_float():
        return pl.when(s == s.round(0)).then(s).otherwise(None).cast(target, strict=False)
    if type_ == "date" and isinstance(source, pl.Datetime):
        return s.dt.date()
    if type_ == "timestamp" and isinstance(source, pl.Datetime):
        return s.dt.replace_time_zone(None).dt.cast_time_unit("us")
    if type_ == "str" and not source == pl.String:
        return s.cast(pl.String, strict=False)
    return s.cast(target, strict=False)


def coerce(export: Export, contract: Contract) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    """Typed columns in contract order, a mask of cells that failed to parse, and their problems."""
    frame = export.frame.rename({c: c.strip() for c in export.frame.columns})
    typed, failed = {}, {}
    for col in contract.columns:
        raw = frame[col.name]
        if raw.dtype == pl.String:
            value = _parse_text(raw, col.type)
            blank = raw.is_null() | (raw.str.strip_chars() == "")
        else:
            value = frame.select(_cast_typed(pl.col(col.name), raw.dtype, col.type)).to_series()
            blank = raw.is_null()
        typed[col.name] = value.alias(col.name).cast(POLARS_TYPES[col.type])
        failed[col.name] = ~blank & value.is_null()
    typed_frame = pl.DataFrame(typed)
    mask = pl.DataFrame(failed)
    problems = []
    for col in contract.columns:
        rows = mask[col.name].arg_true()
        if rows.len() == 0:
            continue
        shown = frame[col.name].gather(rows.head(ROWS_LISTED)).cast(pl.String)
        for index, value in zip(rows.head(ROWS_LISTED).to_list(), shown.to_list(), strict=True):
            problems.append(
                Problem(
                    export.path.name,
                    f"type_{col.type}",
                    row=index + export.first_row,
                    column=col.name,
                    values={"value": _show(value)},
                )
            )
        if rows.len() > ROWS_LISTED:
            problems.append(
                Problem(
                    export.path.name,
                    "more_rows",
                    column=col.name,
                    values={"count": rows.len() - ROWS_LISTED, "code": f"type_{col.type}"},
                )
            )
    return typed_frame, mask, problems


def _show(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"
