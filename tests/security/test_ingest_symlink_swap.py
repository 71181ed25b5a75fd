"""Regression (issue 16, attack finding, ingest: symlinks refused): the refusal is a check, not how the file is opened.
`_check` looks at every file first (refuse_link, size, sha256 with O_NOFOLLOW), then `_prepare` reads
them later, in contract order, with `path.read_bytes()`, which follows a symlink. Whoever can write the
exports folder (the source-system drop) replaces `poissaolot.csv` with a symlink in between — a window
as long as hashing and reading every other file of the load (the big dimension files) — and the
target's first line (here a stand-in for credentials.yaml) is read as the header and shown on the
admin's loads page as column names; the load history stores the checksum of the innocent file.
The swap is made deterministic here by doing it at the start of `_prepare`."""

from pathlib import Path

import pytest

from tilannekuva.ingest import load as load_module
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.limits import IngestLimits
from tilannekuva.ingest.problems import LoadRejected

SECRET = "admin:$2b$12$SECRETHASHSECRETHASHSECRETHASH;cookie_key:TOPSECRET"
HEADER = "school_year_id;month;pupil_id;group_id;unit_id;absence_hours;unexcused_hours"


def test_a_file_swapped_for_a_symlink_after_the_check_is_not_followed(tmp_path: Path, monkeypatch):
    secret = tmp_path / "conf" / "credentials.yaml"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\nmore: 1\n")
    folder = tmp_path / "exports"
    folder.mkdir()
    victim = folder / "poissaolot.csv"
    victim.write_text(HEADER + "\n2026;9;1;1;1;2,0;0\n")

    real_prepare = load_module._prepare

    def attacker_swaps_then_prepare(path, *args, **kwargs):
        if path.name == "poissaolot.csv" and not path.is_symlink():
            path.unlink()
            path.symlink_to(secret)  # the attacker, between the check and the read
        return real_prepare(path, *args, **kwargs)

    monkeypatch.setattr(load_module, "_prepare", attacker_swaps_then_prepare)
    history = LoadHistory(tmp_path / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected) as caught:
        load_module.ingest([folder], tmp_path / "warehouse", history, run_by="test", limits=IngestLimits())
    shown = " | ".join(p.render("en") for p in caught.value.problems)
    assert "SECRET" not in shown, f"the symlink's target was read: {shown[:300]}"
