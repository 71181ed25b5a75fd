"""`tilannekuva metrics` on a served warehouse: each source's data-as-of date and freshness on the settings'
day, and exactly the metrics reading a stale source flagged; without a warehouse it says so. `tilannekuva
docs --check` and the generated documents: in step with the catalogue and the contracts."""

import datetime as dt
import json

import pytest

from tests.helpers import warehouse_with_as_of
from tilannekuva import docs
from tilannekuva.catalogue import catalogue
from tilannekuva.cli import main
from tilannekuva.ingest.contracts import contracts_markdown
from tilannekuva.settings import PROJECT_ROOT

D = dt.date


def run(monkeypatch, capsys, home, *args) -> tuple[int, str]:
    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")  # freshness judged on the demo's own day, 24.11.2026
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    monkeypatch.delenv("TILANNEKUVA_TODAY", raising=False)
    code = main(["metrics", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("as_of", "stale"),
    [
        ({}, []),  # the demo as built: every source fresh on 24.11.2026
        ({"poissaolot": D(2026, 9, 30)}, ["S1", "S4"]),
        ({"kirjautumiset": D(2026, 11, 1), "osaamiskysely": D(2025, 5, 31)}, ["M3", "M5"]),
    ],
)
def test_a_stale_source_flags_exactly_the_metrics_reading_it(demo_home, tmp_path, monkeypatch, capsys, as_of, stale):
    home = warehouse_with_as_of(demo_home, tmp_path, **as_of)
    code, out = run(monkeypatch, capsys, home, "--format", "json", "--lang", "en")
    document = json.loads(out)
    assert code == 0 and document["warehouse"].startswith("tilannekuva-as-of")
    assert document["today"] == "2026-11-24" and document["stale_metrics"] == stale
    flagged = {s["source"]: s for m in document["metrics"] for s in m["sources"] if s["status"] == "stale"}
    assert {k: v["data_as_of"] for k, v in flagged.items()} == {k: v.isoformat() for k, v in as_of.items()}
    code, out = run(monkeypatch, capsys, home)
    marked = [line.split()[0] for line in out.splitlines() if line.endswith("[vanhentunutta tietoa]")]
    assert marked == stale
    for source, day in as_of.items():
        lines = [line for line in out.splitlines() if line.strip().startswith(f"- {source}: ")]
        assert lines and all(f"tiedot {day.day}.{day.month}.{day.year} asti" in line for line in lines)
        assert all("· Vanhentunut " in line and line.endswith(" alkaen") for line in lines)


def test_without_a_warehouse_it_says_so_and_prints_the_catalogue(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, "--lang", "sv")
    assert code == 0 and "Inget datalager har publicerats" in out
    assert all(f"\n{m.id}  {m.texts('sv').name}\n" in out for m in catalogue())


def test_markdown_has_a_section_per_metric(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, "--format", "markdown", "--lang", "fi")
    assert code == 0
    assert [line.split("</a>")[1].split()[0] for line in out.splitlines() if line.startswith("## ")] == list(
        catalogue().ids()
    )


def test_the_generated_docs_are_in_step():
    assert docs.out_of_step(PROJECT_ROOT) == [], "run: make docs"
    model = (PROJECT_ROOT / "docs" / "DATA_MODEL.md").read_text(encoding="utf-8")
    assert docs.metric_block() in model
    assert (PROJECT_ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8").strip() == contracts_markdown().strip()


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda text: text.replace("Training reach", "Training coverage", 1), "docs/DATA_MODEL.md"),
        (lambda text: text.replace("stale when its data-as-of date is more than 10 days", "…", 1), "docs/CONTRACTS.md"),
    ],
)
def test_a_document_out_of_step_is_found_and_rewritten(tmp_path, edit, path):
    for name in ("DATA_MODEL.md", "CONTRACTS.md"):
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / name).write_text((PROJECT_ROOT / "docs" / name).read_text(encoding="utf-8"), "utf-8")
    target = tmp_path / path
    target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
    assert docs.out_of_step(tmp_path) == [target]
    assert docs.write(tmp_path) == [target] and docs.out_of_step(tmp_path) == []


def test_contracts_doc_names_each_sources_freshness_and_metrics():
    text = contracts_markdown()
    section = text.split("## `poissaolot`")[1].split("## ")[0]
    assert "arrives weekly; stale when its data-as-of date is more than 10 days old" in section
    assert "Read by the metrics S1, S4." in section
    assert "reference data, no data-as-of date. Read by the metrics M1, M2." in text.split("## `koulutukset`")[1]
