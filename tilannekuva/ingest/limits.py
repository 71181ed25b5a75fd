"""What an export may cost before it is refused: size, columns, rows, an Excel file's inflated size,
how many problems are listed — and no symlinks.

Source systems are not trusted: a 10 MB CSV with a million columns, a 3 MB .xlsx that inflates to
800 MB of XML, or `oppilaat.csv -> ../config/credentials.yaml` in the exports folder must be refused
cheaply, before anything big is read, with a problem the admin understands. Each limit is a setting
(`ingest_*` in tilannekuva/settings.py); the defaults hold the demo city at scale 10.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tilannekuva.ingest.problems import Problem

MB = 1024 * 1024
RATIO_CHECKED_FROM = 1 * MB  # small entries (styles, the workbook part) compress far better than data
PARQUET_BATCH_ROWS = 4096  # rows decoded at a time while a Parquet file's decoded size is counted
SHOWN_CHARS = 80  # a column name or value in a problem (a header may be one 9 MB "name")


@dataclass(frozen=True)
class IngestLimits:
    max_file_bytes: int = 1024 * MB
    max_columns: int = 200
    max_rows: int = 30_000_000
    max_xlsx_inflated_bytes: int = 512 * MB
    max_xlsx_ratio: float = 100.0
    problems_per_kind: int = 50
    problems_per_file: int = 200
    max_files: int = 200
    problems_per_load: int = 1000

    @classmethod
    def from_settings(cls, settings) -> IngestLimits:
        return cls(
            max_file_bytes=int(settings.ingest_max_file_mb * MB),
            max_columns=settings.ingest_max_columns,
            max_rows=settings.ingest_max_rows,
            max_xlsx_inflated_bytes=int(settings.ingest_max_xlsx_inflated_mb * MB),
            max_xlsx_ratio=settings.ingest_max_xlsx_ratio,
            problems_per_kind=settings.ingest_problems_per_kind,
            problems_per_file=settings.ingest_problems_per_file,
            max_files=settings.ingest_max_files,
            problems_per_load=settings.ingest_problems_per_load,
        )


def read_once(path: Path, limits: IngestLimits) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, read once through one descriptor opened without following a symlink (O_NOFOLLOW)
    and checked on that descriptor: a regular file within `max_file_bytes` (by fstat, and by what is read,
    so a file that grows meanwhile is refused too). The checksum and the parser get these same bytes, so a
    file swapped for a link or another file after a check is never what is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, Problem(path.name, "symlink")
        if exc.errno == errno.ENOENT:
            return None, Problem(path.name, "not_found")
        return None, Problem(path.name, "not_regular_file")
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, Problem(path.name, "not_regular_file")
        if info.st_size > limits.max_file_bytes:
            return None, _too_large(path, info.st_size, limits)
        data = handle.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        return None, _too_large(path, len(data), limits)
    return data, None


def _too_large(path: Path, size: int, limits: IngestLimits) -> Problem:
    return Problem(path.name, "file_too_large", values={"size": _mb(size), "limit": _mb(limits.max_file_bytes)})


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


def refuse_zip_bomb(path: Path, limits: IngestLimits, data: bytes | None = None) -> Problem | None:
    """An .xlsx is a zip: refuse it before any XML is inflated if its directory declares more than the
    limit in all, or an entry compressed more than `max_xlsx_ratio` : 1; then inflate each entry into
    nothing, counting, so a directory that lies about the sizes is caught too (stopping at the limit):
    the ratio and the total are applied to the counted bytes as well. `data`: the file's bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return Problem(path.name, "bad_workbook", values={"error": str(exc)[:200]})
    limit = limits.max_xlsx_inflated_bytes
    declared = sum(e.file_size for e in entries)
    if declared > limit:
        return Problem(path.name, "xlsx_too_large", values={"size": _mb(declared), "limit": _mb(limit)})
    for e in entries:
        if _too_compressed(e.file_size, e.compress_size, limits):
            return _ratio_problem(path, e.file_size, e.compress_size, limits)
    try:
        with io.BytesIO(data) if data is not None else open(path, "rb") as handle:
            inflated, worst = _inflated_size(handle, entries, limit, limits)
    except (zlib.error, struct.error, ValueError, OSError) as exc:
        return Problem(path.name, "bad_workbook", values={"error": str(exc)[:200]})
    if inflated > limit:
        return Problem(path.name, "xlsx_too_large", values={"size": f"> {_mb(limit)}", "limit": _mb(limit)})
    if worst is not None:
        return _ratio_problem(path, *worst, limits)
    return None


def _too_compressed(inflated: int, compressed: int, limits: IngestLimits) -> bool:
    return inflated >= RATIO_CHECKED_FROM and inflated > limits.max_xlsx_ratio * max(compressed, 1)


def _ratio_problem(path: Path, inflated: int, compressed: int, limits: IngestLimits) -> Problem:
    return Problem(
        path.name,
        "xlsx_ratio",
        values={"ratio": round(inflated / max(compressed, 1)), "limit": round(limits.max_xlsx_ratio)},
    )


def _inflated_size(
    handle, entries: list[zipfile.ZipInfo], limit: int, limits: IngestLimits
) -> tuple[int, tuple[int, int] | None]:
    """What the entries really inflate to, reading their compressed bytes from the local headers
    (not trusting the directory's sizes); stops as soon as the total passes `limit`. Also the first
    entry whose counted inflation passes the ratio limit, as (inflated, compressed), or None."""
    total, worst = 0, None
    for e in entries:
        handle.seek(e.header_offset)
        header = handle.read(30)
        if header[:4] != b"PK\x03\x04":
            raise ValueError(f"no local header for {e.filename[:40]}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        handle.seek(e.header_offset + 30 + name_len + extra_len)
        left = e.compress_size
        entry_total = 0
        if e.compress_type == zipfile.ZIP_STORED:
            entry_total = left
        elif e.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            while left > 0 and total + entry_total <= limit:
                chunk = handle.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
                data = chunk
                while data and total + entry_total <= limit:  # bounded output per step: a bomb never sits in memory
                    entry_total += len(inflater.decompress(data, 1 << 20))
                    data = inflater.unconsumed_tail
        else:
            raise ValueError(f"compression method {e.compress_type} is not used by Excel")
        total += entry_total
        if worst is None and _too_compressed(entry_total, e.compress_size, limits):
            worst = (entry_total, e.compress_size)
        if total > limit:
            break
    return total, worst


def refuse_parquet_bomb(path: Path, data: bytes, limits: IngestLimits) -> Problem | None:
    """A Parquet file is compressed too (and dictionary/RLE-encoded: one 1 000-character value repeated a
    million times costs a few bytes): refuse it if its metadata declares more than
    `max_xlsx_inflated_bytes` uncompressed, then decode it a few thousand rows at a time into nothing,
    counting the decoded bytes, and refuse it as soon as they pass the limit — before the real read."""
    import pyarrow.parquet as pq

    limit = limits.max_xlsx_inflated_bytes
    parquet = pq.ParquetFile(io.BytesIO(data))
    meta = parquet.metadata
    declared = sum(
        meta.row_group(i).column(j).total_uncompressed_size
        for i in range(meta.num_row_groups)
        for j in range(meta.num_columns)
    )
    if declared > limit:
        return Problem(path.name, "parquet_too_large", values={"size": _mb(declared), "limit": _mb(limit)})
    decoded = 0
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        decoded += batch.nbytes
        if decoded > limit:
            return Problem(path.name, "parquet_too_large", values={"size": f"> {_mb(limit)}", "limit": _mb(limit)})
    return None


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
    kept += [
        Problem(file, "more_problems", values={"count": n, "code": kind}) for (file, kind), n in hidden_kind.items()
    ]
    if len(kept) > limits.problems_per_file:
        rest = kept[limits.problems_per_file - 1 :]
        kept = kept[: limits.problems_per_file - 1]
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
            return value[: SHOWN_CHARS - 1] + "…"
        return value

    if len(p.file) <= SHOWN_CHARS and not any(
        isinstance(v, str) and len(v) > SHOWN_CHARS for v in (p.column, *p.values.values())
    ):
        return p
    return Problem(short(p.file), p.code, p.row, short(p.column), {k: short(v) for k, v in p.values.items()})


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"
