"""Issue 16, attack 3 without a browser: rendering a page makes no export file and writes no export
entry; a click's producer builds the file, then writes the entry, and hands out nothing when the entry
cannot be written; a file that fails to build writes no entry (attack 16 finding 9) (the browser side — no /media URL before the click, and none after — is test_hostile_data.py)."""

from __future__ import annotations

import pytest

from tests.conftest import OfferedDownloads
from tests.pages.test_principal_pages import open_page
from tilannekuva import export
from tilannekuva.audit import AccessLog


def _exports(home) -> list:
    return [
        e
        for e in AccessLog(home / "state" / "access_log.sqlite").entries("rehtori", limit=1000)
        if e.action == "export"
    ]


def test_rendering_makes_no_file_and_each_click_is_logged_before_its_file(demo_env, monkeypatch):
    offered = OfferedDownloads(monkeypatch)
    made: list[str] = []
    for name in ("to_csv_fi", "to_xlsx"):
        real = getattr(export, name)
        monkeypatch.setattr(
            f"views.tables.{name}", lambda *a, _real=real, _name=name, **k: made.append(_name) or _real(*a, **k)
        )
    before = len(_exports(demo_env))
    open_page("rehtori", "principal_support")
    signals = [(n, produce) for n, produce in offered.offered if n.startswith("tukisignaalit-")]
    assert len(signals) == 2 and made == [] and len(_exports(demo_env)) == before  # rendered: nothing made
    for name, produce in signals:
        data = produce()
        entry = _exports(demo_env)[0]
        assert data and entry.target == "support_signals" and entry.subjects
        assert entry.filters["format"] == name.rsplit(".", 1)[1]
    assert made == ["to_csv_fi", "to_xlsx"] and len(_exports(demo_env)) == before + 2


def test_a_download_that_cannot_be_logged_is_not_made(demo_env, monkeypatch):
    offered = OfferedDownloads(monkeypatch)
    open_page("rehtori", "principal_support")
    made: list[str] = []
    monkeypatch.setattr("views.tables.to_csv_fi", lambda *a, **k: made.append("csv") or b"x")

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(AccessLog, "record", broken)
    produce = next(p for n, p in offered.offered if n.startswith("tukisignaalit-") and n.endswith(".csv"))
    with pytest.raises(OSError):
        produce()  # raised: Streamlit serves no file; the built bytes are dropped
    assert made == ["csv"]


def test_an_export_that_fails_to_build_is_not_logged(demo_env, monkeypatch):
    offered = OfferedDownloads(monkeypatch)
    open_page("rehtori", "principal_support")
    before = len(_exports(demo_env))

    def broken(*args, **kwargs):
        raise ValueError("InvalidWorksheetName")

    monkeypatch.setattr("views.tables.to_xlsx", broken)
    produce = next(p for n, p in offered.offered if n.startswith("tukisignaalit-") and n.endswith(".xlsx"))
    with pytest.raises(ValueError):
        produce()
    assert len(_exports(demo_env)) == before
