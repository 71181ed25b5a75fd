"""Regression (issue 16, attack finding, ingest limits): the CSV column limit counts delimiters on the bytes before the
first "\\n", but a quoted header field may contain a newline. `"x\\n";c1;…;cN` is counted as ONE
column and then parsed by polars as N+1 columns: the limit is bypassed (a 100 000-column file is
read whole; the issue's million-column attack comes back)."""

from pathlib import Path

import pytest

from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.limits import IngestLimits
from tilannekuva.ingest.load import ingest
from tilannekuva.ingest.problems import LoadRejected

HEADER = ["school_year_id", "month", "pupil_id", "group_id", "unit_id", "absence_hours", "unexcused_hours"]


def test_quoted_newline_in_header_does_not_hide_columns(tmp_path: Path):
    extra = 5_000
    header = '"school_year_id\n";' + ";".join(HEADER[1:] + [f"x{i}" for i in range(extra)])
    row = ";".join(["2026", "9", "1", "1", "1", "2,0", "0"] + [""] * extra)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "poissaolot.csv").write_text(header + "\n" + row + "\n", encoding="utf-8")
    history = LoadHistory(tmp_path / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected) as caught:
        ingest([folder], tmp_path / "warehouse", history, run_by="test", limits=IngestLimits(max_columns=100))
    codes = [p.code for p in caught.value.problems]
    assert "too_many_columns" in codes, codes[:5]
