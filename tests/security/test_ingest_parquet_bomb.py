"""Regression (issue 16, attack finding, ingest limits): the decompression-bomb limit exists for .xlsx only. A Parquet file
is compressed too (zstd + dictionary/RLE pages) and nothing bounds what it decodes to: measured on
this code, a 14 968-byte `poissaolot.parquet` (1 000 000 rows x 7 columns of a 1 000-character
string, within max_rows = 30 000 000 and max_file_mb) took `tilannekuva ingest` 23 s and 3.3 GB of
memory before it was rejected for its values; ten times the rows (still under max_rows) needs ~30 GB.
Here: 200 000 rows (a 3 KB file decoding to 1.4 GB of text) with the inflated-size limit set to 64 MB
must be refused as too big before it is decoded."""

import io
from pathlib import Path

import polars as pl
import pytest

from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.limits import MB, IngestLimits
from tilannekuva.ingest.load import ingest
from tilannekuva.ingest.problems import LoadRejected

HEADER = ["school_year_id", "month", "pupil_id", "group_id", "unit_id", "absence_hours", "unexcused_hours"]
DATA_CODES = {
    "above_max",
    "below_min",
    "duplicate_key",
    "more_rows",
    "rule_inf",
    "type_date",
    "type_int",
    "unknown_reference",
    "type_decimal",
    "missing_value",
    "more_problems",
    "more_problems_file",
}


def test_parquet_that_decodes_to_gigabytes_is_refused_by_a_limit(tmp_path: Path):
    rows = 200_000
    buffer = io.BytesIO()
    pl.DataFrame({c: pl.repeat("9" * 1000, rows, eager=True) for c in HEADER}).write_parquet(
        buffer, compression="zstd", compression_level=22, row_group_size=rows
    )
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "poissaolot.parquet").write_bytes(buffer.getvalue())
    assert len(buffer.getvalue()) < 20_000  # a few kilobytes on disk
    history = LoadHistory(tmp_path / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected) as caught:
        ingest(
            [folder],
            tmp_path / "warehouse",
            history,
            run_by="test",
            limits=IngestLimits(max_xlsx_inflated_bytes=64 * MB),
        )
    codes = {p.code for p in caught.value.problems}
    assert codes - DATA_CODES, f"decoded in full and rejected only for its values: {sorted(codes)}"
