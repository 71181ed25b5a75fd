"""The metric catalogue written out (tilannekuva.catalogue.render): every field of every metric in text,
JSON and Markdown, the settings' values and targets filled in, each source's data-as-of date and freshness
when a warehouse was judged, and the lines an export's header block carries."""

import datetime as dt
import json
import re

import polars as pl
import pytest

from tilannekuva import freshness
from tilannekuva.catalogue import LANGUAGES, catalogue, render

CAT = catalogue()
D = dt.date
TODAY = D(2026, 11, 24)


def judged(**as_of) -> pl.DataFrame:
    """Every source with a threshold fresh on TODAY (20.11.2026), but for those given."""
    days = {s: D(2026, 11, 20) for s in freshness.thresholds()["source"]} | as_of
    rows = pl.DataFrame(
        {"source": list(days), "data_as_of": list(days.values())}, schema={"source": pl.String, "data_as_of": pl.Date}
    )
    return freshness.assess(rows.filter(pl.col("data_as_of").is_not_null()), TODAY)


def strings(obj) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return [obj] if isinstance(obj, str) else []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_field_of_every_metric_is_printed(fmt, lang):
    items = render.entries(CAT, lang, assessed=judged())
    out = {
        "text": lambda: render.to_text(items, CAT, lang, TODAY, "w.duckdb"),
        "markdown": lambda: render.to_markdown(items, CAT, lang),
        "json": lambda: render.to_json(items, lang, TODAY, "w.duckdb"),
    }[fmt]()
    if fmt == "json":
        out = "\n".join(strings(json.loads(out)["metrics"]))  # every text of the document, as written
    for m in CAT:
        item = next(i for i in items if i["id"] == m.id)
        for field in ("name", "definition", "numerator", "denominator", "includes", "excludes", "target_why"):
            assert item[field] in out, (m.id, field)
        for caveat in item["caveats"]:
            assert caveat in out, (m.id, "caveat")
        for value in (
            *m.tables,
            *m.sources,
            CAT.owners[m.owner][lang],
            m.guidance_section[lang],
            CAT.guidance_url(m.guidance),
            m.parts,
        ):
            assert value in out, (m.id, value)


@pytest.mark.parametrize(
    ("metric", "lang", "values", "expected"),
    [
        ("S1", "fi", {"concern": 60.0, "serious": 100.0, "threshold": 5}, "huolen rajan (60 tuntia)"),
        ("S1", "fi", {"concern": 7.5, "serious": 100.0, "threshold": 5}, "huolen rajan (7,5 tuntia)"),
        ("S1", "en", {"concern": 40.0, "serious": 80.0, "threshold": 5}, "(40 hours)"),
        ("S4", "sv", {"concern": 45.0, "serious": 100.0, "threshold": 5}, "(45 timmar per termin)"),
    ],
)
def test_the_settings_fill_the_texts(metric, lang, values, expected):
    (item,) = [i for i in render.entries(CAT, lang, values=values) if i["id"] == metric]
    assert expected in item["definition"]
    assert not re.search(r"\{(concern|serious|threshold)\}", "\n".join(strings(item)))


@pytest.mark.parametrize(
    ("targets", "lang", "metric", "expected"),
    [
        ({}, "fi", "M3", "Tavoite: 70\u00a0%; keltainen, kun arvo on enintään 10\u00a0%-yksikköä"),
        ({"M3": 0.8}, "fi", "M3", "Tavoite: 80\u00a0%; keltainen"),
        ({"M2": 4.2}, "sv", "M2", "Mål: 4,2; gult"),
        ({}, "en", "S2", "Target: No target value"),
    ],
)
def test_targets_as_configured(targets, lang, metric, expected):
    items = render.entries(CAT, lang, targets=targets)
    text = render.to_text([i for i in items if i["id"] == metric], CAT, lang, TODAY, None)
    assert expected in text
    assert json.loads(render.to_json(items, lang, TODAY, None))["metrics"][CAT.ids().index(metric)]["target"] == (
        targets.get(metric, CAT[metric].target)
    )


def test_the_settings_guidance_address_wins():
    (item,) = [
        i for i in render.entries(CAT, "fi", guidance=(("wintra", "https://wintra.example/x"),)) if i["id"] == "M4"
    ]
    assert CAT["M4"].guidance == "wintra" and item["guidance"]["url"] == "https://wintra.example/x"


@pytest.mark.parametrize(
    ("as_of", "stale"),
    [
        ({}, []),
        ({"poissaolot": D(2026, 9, 30)}, ["S1", "S4"]),
        ({"kirjautumiset": D(2026, 10, 1)}, ["M3"]),
        ({"koulutuspalaute": D(2026, 8, 1), "arvioinnit": D(2026, 1, 1)}, ["M2", "S3", "S4"]),
    ],
)
def test_exactly_the_metrics_reading_a_stale_source_are_flagged(as_of, stale):
    items = render.entries(CAT, "fi", assessed=judged(**as_of))
    document = json.loads(render.to_json(items, "fi", TODAY, "w.duckdb"))
    assert document["stale_metrics"] == stale
    for metric in document["metrics"]:
        for source in metric["sources"]:
            expected = "stale" if source["source"] in as_of else ("no_date" if source["rhythm"] is None else "fresh")
            assert source["status"] == expected
            if expected == "stale":
                assert source["data_as_of"] == as_of[source["source"]].isoformat()
                days = source["stale_after_days"] + 1
                assert source["stale_since"] == (as_of[source["source"]] + dt.timedelta(days=days)).isoformat()
    text = render.to_text(items, CAT, "fi", TODAY, "w.duckdb")
    assert [line.split()[0] for line in text.splitlines() if line.endswith("[vanhentunutta tietoa]")] == stale
    if stale:
        assert f"Vanhentunutta tietoa lukevat mittarit: {', '.join(stale)}" in text


def test_without_a_warehouse_it_says_so_and_prints_the_catalogue():
    items = render.entries(CAT, "fi")
    text = render.to_text(items, CAT, "fi", TODAY, None)
    assert "Tietovarastoa ei ole julkaistu" in text
    assert [line.split()[0] for line in text.splitlines() if line[:1] in "MS" and line[1:2].isdigit()] == list(
        CAT.ids()
    )
    document = json.loads(render.to_json(items, "fi", TODAY, None))
    assert document["warehouse"] is None and document["stale_metrics"] is None
    assert {s["status"] for m in document["metrics"] for s in m["sources"]} == {"unknown", "no_date"}


def test_json_is_machine_readable():
    document = json.loads(render.to_json(render.entries(CAT, "en", assessed=judged()), "en", TODAY, "w"))
    m3 = document["metrics"][2]
    assert (document["today"], m3["id"], m3["target"], m3["tolerance"]) == ("2026-11-24", "M3", 0.7, 0.1)
    assert isinstance(m3["cumulative"], bool) and m3["first_year"] is None
    assert m3["sources"][1] == {
        "source": "kirjautumiset",
        "system": "Sign-in log",  # the system in the reader's language (attack finding 19b-3)
        "table": "stg_eservice__logins",
        "rhythm": "daily",
        "stale_after_days": 7,
        "data_as_of": "2026-11-20",
        "stale_since": "2026-11-28",
        "status": "fresh",
    }


@pytest.mark.parametrize(
    ("metric", "lang", "as_of", "expected"),
    [
        (
            "M3",
            "fi",
            {},
            [
                "M3 Sähköisten palvelujen käyttö – Määritelmä: ",
                "M3 Tietolähteet: Sähköisten palvelujen käyttöoikeudet (Käyttäjähallinta): tiedot 20.11.2026 asti",
                "M3 Tietolähteet: Sähköisten palvelujen kirjautumiset (Kirjautumisloki): tiedot 20.11.2026 asti · "
                "päivittyy päivittäin",
            ],
        ),
        (
            "S1",
            "sv",
            {"poissaolot": D(2026, 9, 30)},
            [
                "S1 ",
                "S1 Datakällor: Frånvaro (Wilma): uppgifter till och med 30.9.2026 · uppdateras veckovis",
                "S1 Datakällor: Inskrivningar i grupper (Wilma): uppgifter till och med 20.11.2026",
                "S1 Föråldrad sedan 11.10.2026: Frånvaro – uppgifter till och med 30.9.2026, borde uppdateras veckovis.",
            ],
        ),
        (
            "M1",
            "en",
            {},
            [
                "M1 Training reach – Definition: ",
                "M1 Sources: ",
                "M1 Sources: Trainings (Training register): reference data, no date",
                "M1 Sources: ",
            ],
        ),
    ],
)
def test_export_lines_carry_the_definition_and_each_sources_date(metric, lang, as_of, expected):
    (item,) = [i for i in render.entries(CAT, lang, assessed=judged(**as_of)) if i["id"] == metric]
    lines = render.export_lines([item], lang)
    assert len(lines) == len(expected)
    assert all(line.startswith(start) for line, start in zip(lines, expected, strict=True)), lines
    assert item["definition"] in lines[0]


def test_a_pipe_in_a_text_does_not_break_the_markdown_table():
    items = render.entries(CAT, "en")
    items[0] = {**items[0], "name": "a | b"}
    row = render.to_markdown(items, CAT, "en").splitlines()[2]
    assert row.count(" | ") == 6 and "a \\| b" in row
