"""What an export may cost before it is refused: size, columns, rows, an Excel file's inflated size,
how many problems are listed — and no symlinks.

Source systems are not trusted: a 10 MB CSV with a million columns, a 3 MB .xlsx that inflates to
800 MB of XML, or `oppilaat.csv -> ../config/credentials.yaml` in the exports folder must be refused
cheaply, before anything big is read, with a problem the admin understands. Each limit is a setting
(`ingest_*` in tilannekuva/settings.py); the defaults hold the demo city at scale 10.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tilannekuva.ingest.problems import Problem

MB = 1024 * 1024
RATIO_CHECKED_FROM = 1 * MB      # small entries (styles, the workbook part) compress far better than data
SHOWN_CHARS = 80                 # a column name or value in a problem (a header may be one 9 MB "name")


@dataclass(frozen=True)
class IngestLimits:
    max_file_bytes: int = 1024 * MB
    max_columns: int = 200
    max_rows: int = 30_000_000
    max_xlsx_inflated_bytes: int = 512 * MB
    max_xlsx_ratio: float = 100.0
    problems_per_kind: int = 50
    problems_per_file: int = 200

    @classmethod
    def from_settings(cls, settings) -> IngestLimits:
        return cls(max_file_bytes=int(settings.ingest_max_file_mb * MB), max_columns=settings.ingest_max_columns,
                   max_rows=settings.ingest_max_rows,
                   max_xlsx_inflated_bytes=int(settings.ingest_max_xlsx_inflated_mb * MB),
                   max_xlsx_ratio=settings.ingest_max_xlsx_ratio, problems_per_kind=settings.ingest_problems_per_kind,
                   problems_per_file=settings.ingest_problems_per_file)


def refuse_link(path: Path) -> Problem | None:
    """A symlink is never followed: its target may be anything the service account can read
    (credentials, the warehouse). Said as 'outside the folder' when it points out of it."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    if target.parent != path.parent.resolve():
        return Problem(path.name, "outside_folder")
    return Problem(path.name, "symlink")


def refuse_size(path: Path, limits: IngestLimits) -> Problem | None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return Problem(path.name, "file_too_large", values={"size": _mb(size), "limit": _mb(limits.max_file_bytes)})
    return None


def refuse_columns(path: Path, count: int, limits: IngestLimits) -> Problem | None:
    if count > limits.max_columns:
        return Problem(path.name, "too_many_columns", values={"found": count, "limit": limits.max_columns})
    return None


def refuse_rows(path: Path, count: int, limits: IngestLimits) -> Problem | None:
    if count > limits.max_rows:
        return Problem(path.name, "too_many_rows", values={"limit": limits.max_rows})
    return None


def refuse_zip_bomb(path: Path, limits: IngestLimits) -> Problem | None:
    """An .xlsx is a zip: refuse it before any XML is inflated if its directory declares more than the
    limit in all, or an entry compressed more than `max_xlsx_ratio` : 1; then inflate each entry into
    nothing, counting, so a directory that lies about the sizes is caught too (stopping at the limit)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return Problem(path.name, "bad_workbook", values={"error": str(exc)[:200]})
    limit = limits.max_xlsx_inflated_bytes
    declared = sum(e.file_size for e in entries)
    if declared > limit:
        return Problem(path.name, "xlsx_too_large", values={"size": _mb(declared), "limit": _mb(limit)})
    for e in entries:
        if e.file_size >= RATIO_CHECKED_FROM and e.file_size > limits.max_xlsx_ratio * max(e.compress_size, 1):
            return Problem(path.name, "xlsx_ratio", values={"ratio": round(e.file_size / max(e.compress_size, 1)),
                                                            "limit": round(limits.max_xlsx_ratio)})
    try:
        inflated = _inflated_size(path, entries, limit)
    except (zlib.error, struct.error, ValueError, OSError) as exc:
        return Problem(path.name, "bad_workbook", values={"error": str(exc)[:200]})
    if inflated > limit:
        return Problem(path.name, "xlsx_too_large", values={"size": f"> {_mb(limit)}", "limit": _mb(limit)})
    return None


def _inflated_size(path: Path, entries: list[zipfile.ZipInfo], limit: int) -> int:
    """What the entries really inflate to, reading their compressed bytes from the local headers
    (not trusting the directory's sizes); stops as soon as the total passes `limit`."""
    total = 0
    with open(path, "rb") as handle:
        for e in entries:
            handle.seek(e.header_offset)
            header = handle.read(30)
            if header[:4] != b"PK\x03\x04":
                raise ValueError(f"no local header for {e.filename[:40]}")
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            handle.seek(e.header_offset + 30 + name_len + extra_len)
            left = e.compress_size
            if e.compress_type == zipfile.ZIP_STORED:
                total += left
            elif e.compress_type == zipfile.ZIP_DEFLATED:
                inflater = zlib.decompressobj(-15)
                while left > 0 and total <= limit:
                    chunk = handle.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
                    data = chunk
                    while data and total <= limit:      # bounded output per step: a bomb never sits in memory
                        total += len(inflater.decompress(data, 1 << 20))
                        data = inflater.unconsumed_tail
            else:
                raise ValueError(f"compression method {e.compress_type} is not used by Excel")
            if total > limit:
                break
    return total


def cap_problems(problems: list[Problem], limits: IngestLimits) -> list[Problem]:
    """One file's problems as listed and stored: at most `problems_per_kind` of each code (a 'more_rows'
    note counts as its code) and `problems_per_file` in all, each cut being said with how many more
    there were; long column names and values shortened. Keeps the load history and the admin page
    small whatever the file."""
    kept: list[Problem] = []
    per_kind: dict[str, int] = {}
    hidden_kind: dict[tuple[str, str], int] = {}
    for p in problems:
        kind = str(p.values.get("code", p.code)) if p.code in ("more_rows", "more_problems") else p.code
        per_kind[kind] = per_kind.get(kind, 0) + 1
        if per_kind[kind] > limits.problems_per_kind:
            hidden_kind[(p.file, kind)] = hidden_kind.get((p.file, kind), 0) + _weight(p)
            continue
        kept.append(_shortened(p))
    kept += [Problem(file, "more_problems", values={"count": n, "code": kind})
             for (file, kind), n in hidden_kind.items()]
    if len(kept) > limits.problems_per_file:
        rest = kept[limits.problems_per_file - 1:]
        kept = kept[:limits.problems_per_file - 1]
        kept.append(Problem(rest[0].file, "more_problems_file", values={"count": sum(map(_weight, rest))}))
    return kept


def _weight(p: Problem) -> int:
    """How many problems one listed problem stands for ('… and 30 more rows' stands for 30)."""
    if p.code in ("more_rows", "more_problems", "more_problems_file"):
        return int(p.values.get("count", 1))
    return 1


def _shortened(p: Problem) -> Problem:
    def short(value):
        if isinstance(value, str) and len(value) > SHOWN_CHARS:
            return value[:SHOWN_CHARS - 1] + "…"
        return value
    if len(p.file) <= SHOWN_CHARS and not any(isinstance(v, str) and len(v) > SHOWN_CHARS
                                              for v in (p.column, *p.values.values())):
        return p
    return Problem(short(p.file), p.code, p.row, short(p.column), {k: short(v) for k, v in p.values.items()})


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"
