"""The metric catalogue (tilannekuva/catalogue/metrics.yaml) is complete in three languages, agrees with
the code that reads it, and refuses a broken entry with a message naming the metric and the field."""

import re

import pytest
import yaml

from tilannekuva import catalogue, metrics, periods
from tilannekuva.catalogue import LANGUAGES, TEXT_FIELDS, CatalogueError, parse, source_text
from tilannekuva.i18n import catalog, locale_file, t
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.settings import PROJECT_ROOT, ConfigError, load_settings

CATALOGUE = catalogue.catalogue()
SCHEMA = (PROJECT_ROOT / "tilannekuva" / "schema" / "warehouse.sql").read_text(encoding="utf-8")
TABLES = set(re.findall(r"create table (\w+)", SCHEMA))


def test_every_metric_of_the_brief_is_in_the_catalogue_in_order():
    assert CATALOGUE.ids() == ("M1", "M2", "M3", "M4", "M5", "M6", "S1", "S2", "S3", "S4")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("metric", [m.id for m in CATALOGUE])
def test_every_metric_has_every_text_in_every_language(metric, lang):
    texts = CATALOGUE[metric].texts(lang)
    for field in TEXT_FIELDS:
        value = getattr(texts, field)
        assert value, f"{metric} {lang} {field}"
    assert CATALOGUE.owners[CATALOGUE[metric].owner][lang]
    assert CATALOGUE.guidance[CATALOGUE[metric].guidance][lang]
    assert CATALOGUE[metric].guidance_section[lang]


@pytest.mark.parametrize("metric", [m.id for m in CATALOGUE])
def test_languages_differ_where_they_should(metric):
    """A Swedish text that is the Finnish one copied is not a translation (names like 'Wilma' aside)."""
    fi, sv, en = (CATALOGUE[metric].texts(lang) for lang in LANGUAGES)
    for field in ("definition", "numerator", "denominator", "includes", "excludes", "target_why"):
        assert getattr(fi, field) != getattr(sv, field) != getattr(en, field), f"{metric} {field}"


@pytest.mark.parametrize("metric", [m.id for m in CATALOGUE])
def test_sources_and_tables_exist(metric):
    entry = CATALOGUE[metric]
    assert set(entry.sources) <= set(CONTRACTS)
    assert set(entry.tables) <= TABLES, set(entry.tables) - TABLES
    assert {CONTRACTS[s].table for s in entry.sources} <= set(entry.tables) | {"dim_unit", "dim_staff"}


def test_the_strategy_metrics_take_kind_target_and_periods_from_the_catalogue():
    assert list(metrics.METRICS) == ["M1", "M2", "M3", "M4", "M5", "M6"]
    for m in metrics.METRICS.values():
        entry = CATALOGUE[m.id]
        assert (m.kind, m.target, m.tolerance, m.first_year) == (
            entry.kind,
            entry.target,
            entry.tolerance,
            entry.first_year,
        )
    assert periods.CUMULATIVE == {"M1", "M6"}
    assert periods.SPRING_SURVEY == {"M5"}
    assert metrics.targets() == {m: CATALOGUE[m].target for m in metrics.METRICS}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_translation_layer_serves_the_catalogues_texts_and_the_locale_files_do_not_repeat_them(lang):
    for entry in CATALOGUE:
        assert t(f"metric.{entry.id}.name", lang) == entry.texts(lang).name
        assert catalog(lang)[f"metric.{entry.id}.definition"] == entry.texts(lang).definition
    repeated = [k for k in locale_file(lang) if k in catalogue.texts(lang)]
    assert not repeated, f"written in the locale file and the catalogue: {repeated}"


def _broken(change) -> str:
    raw = yaml.safe_load(source_text())
    change(raw)
    return yaml.safe_dump(raw, allow_unicode=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["metrics"]["M3"]["text"]["sv"].pop("definition"), "M3.text.sv: missing definition"),
        (lambda r: r["metrics"]["M3"]["text"].pop("en"), "M3.text: must have exactly fi, sv, en"),
        (lambda r: r["metrics"]["S4"]["text"]["fi"].update(name=" "), "S4.text.fi.name: missing or empty"),
        (lambda r: r["metrics"]["M1"]["text"]["en"].update(caveats=[]), "M1.text.en.caveats"),
        (lambda r: r["metrics"]["M1"]["text"]["en"]["caveats"].append("x"), "caveats differ in number"),
        (lambda r: r["metrics"]["M2"].update(sources=["kirjautumset"]), "no source contract named kirjautumset"),
        (lambda r: r["metrics"]["M2"].update(owner="rehtori"), "M2.owner: 'rehtori' is not one of the owners"),
        (lambda r: r["metrics"]["M2"].update(kind="ratio"), "M2.kind: 'ratio' is not one of"),
        (lambda r: r["metrics"]["M2"].update(tolerance=None), "target and tolerance come together"),
        (lambda r: r["metrics"]["M1"].update(target=100), "a share's target is between 0 and 1"),
        (lambda r: r["metrics"]["M1"].pop("owner"), "M1: missing owner"),
        (lambda r: r["metrics"]["M1"].update(colour="red"), "M1: unknown field colour"),
        (lambda r: r["metrics"]["M1"]["guidance"].update(doc="intra"), "'intra' is not a guidance document"),
        (lambda r: r["guidance"]["wintra"].pop("sv"), "guidance.wintra: missing or empty in sv"),
        (lambda r: r["guidance"]["wintra"].pop("url"), "guidance.wintra.url: needs one plain https:// address"),
        (lambda r: r["metrics"]["S1"]["text"]["fi"].update(definition="{konsern} h"), "unknown placeholder"),
        (lambda r: r["metrics"].update(X1=r["metrics"]["M1"]), "a metric id is M or S and a number"),
    ],
)
def test_a_broken_entry_is_refused_naming_the_metric_and_the_field(change, message):
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse(_broken(change), frozenset(CONTRACTS))


def test_the_shipped_catalogue_parses_as_it_is():
    assert parse(_broken(lambda r: None), frozenset(CONTRACTS)) == CATALOGUE


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, "https://intra.kaupunki.example/kasko/wintra"),
        ({"wintra": "https://wintra.example.org/a"}, "https://wintra.example.org/a"),
    ],
)
def test_a_guidance_documents_address_comes_from_the_settings_over_the_catalogue(table, expected, tmp_path):
    conf = tmp_path / "t.toml"
    conf.write_text("[guidance]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items()), encoding="utf-8")
    settings = load_settings({"TILANNEKUVA_CONFIG": str(conf)}, for_app=False)
    assert CATALOGUE.guidance_url("wintra", settings.guidance) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('intra = "https://x.example"', "no such guidance document"),
        ('wintra = "http://x"', "one plain https:// address"),
        ('wintra = "javascript:alert(1)"', "one plain https:// address"),
        # attack finding 19a-2: an address that ends the Markdown link and starts another, an image or HTML
        ('wintra = "https://ohje.example/a) [Avaa ohje](javascript:alert(1)"', "one plain https:// address"),
        ('wintra = "https://ohje.example/a) ![](http://tracker.example/p.png"', "one plain https:// address"),
        ("wintra = 'https://ohje.example/a \"x\") <img src=http://t.example/p>'", "one plain https:// address"),
        ('wintra = "https:///no-host"', "one plain https:// address"),
    ],
)
def test_a_bad_guidance_address_is_refused(line, message, tmp_path):
    conf = tmp_path / "t.toml"
    conf.write_text(f"[guidance]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings({"TILANNEKUVA_CONFIG": str(conf)}, for_app=False)
