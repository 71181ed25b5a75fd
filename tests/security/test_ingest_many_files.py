"""Regression (issue 16, attack finding, ingest limits: "at most N problems listed per kind and per file", which exist to
keep the load history and the admin's loads page small "whatever the file"): the caps are applied to
one file's problems in `_prepare`, never to the load. Problems found in `_check` (unknown source,
symlink, too large, not found) are one per file and uncapped, and there is no limit on the number of
files. Measured: a folder of 20 000 four-byte files `x1.csv … x20000.csv` -> 4.9 s, 20 000 problems,
loads.sqlite 12 MB, 7.7 MB printed by the CLI, and a 3.7 MB Markdown list (each line with every source
name) on pages/admin_loads.py — the page the issue saw stop rendering at 22 MB, reached with ~120 000
files. Here: 500 unknown files with problems_per_kind = 50 must not list 500 problems."""

from pathlib import Path

import pytest

from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.limits import IngestLimits
from tilannekuva.ingest.load import ingest
from tilannekuva.ingest.problems import LoadRejected


def test_problems_of_a_load_are_capped_however_many_files(tmp_path: Path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for i in range(500):
        (folder / f"x{i}.csv").write_text("a;b\n")
    history = LoadHistory(tmp_path / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected) as caught:
        ingest(
            [folder],
            tmp_path / "warehouse",
            history,
            run_by="test",
            limits=IngestLimits(problems_per_kind=50, problems_per_file=200),
        )
    listed = caught.value.problems
    stored = [p for f in history.files(int(history.loads(1)["load_id"][0])) for p in f.problems]
    assert len(listed) <= 200 and len(stored) <= 200, f"{len(listed)} problems listed, {len(stored)} stored"
