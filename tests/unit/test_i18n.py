"""Every UI string goes through the catalog, in all three languages; numbers and dates in each
locale's format. The checks are functions so that they are also shown to fail on broken input."""

import ast
import datetime as dt
import re

import pytest

from tilannekuva.i18n import LANGUAGES, catalog, fmt_date, fmt_number, fmt_percent, normalise_language, t
from tilannekuva.settings import PROJECT_ROOT

SOURCES = [*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py"), PROJECT_ROOT / "app.py"]
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_0-9]+\.[a-z_0-9.]+)["']""")
DYNAMIC_PREFIXES = {
    "sector.": ["varhaiskasvatus", "perusopetus", "lukio"],
    "language.": ["fi", "sv"],
    "role.": ["sector_lead", "principal", "teacher", "admin"],
}


def used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    keys |= {"login.session_ended", "login.cookie_invalid", "login.signed_out", "login.no_role"}
    keys |= {f"page.{p.stem}" for p in (PROJECT_ROOT / "pages").glob("*.py")}
    keys |= {prefix + v for prefix, values in DYNAMIC_PREFIXES.items() for v in values}
    return keys


def untranslated(used: set[str], catalogs: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Per language: keys the code uses, or another language has, that this one lacks or leaves empty."""
    every = used.union(*(set(c) for c in catalogs.values()))
    return {lang: sorted(k for k in every if not str(c.get(k) or "").strip()) for lang, c in catalogs.items()}


def hard_coded(source: str) -> list[str]:
    """Text written straight into a Streamlit call instead of through t(): a literal with a word in it
    as the first argument or as label=/help=/placeholder= of st.* / column.* / sidebar.* calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in UI_CALLS):
            continue
        if ast.unparse(node.func.value).split(".")[-1] == "log":  # log lines are for admins, in English
            continue
        first = [] if node.func.attr == "page_link" else node.args[:1]  # page_link's first argument is a page
        args = [*first, *(k.value for k in node.keywords if k.arg in ("label", "help", "placeholder"))]
        for arg in args:
            parts = [arg] if isinstance(arg, ast.Constant) else arg.values if isinstance(arg, ast.JoinedStr) else []
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if re.search(r"[A-Za-zÅÄÖåäö]{3}", re.sub(r"<[^>]*>|:material/\w+:|:\w+\[|\*\*", "", text)):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


UI_CALLS = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "info",
    "warning",
    "error",
    "success",
    "button",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "number_input",
    "slider",
    "expander",
    "download_button",
    "page_link",
    "form_submit_button",
    "metric",
    "tabs",
    "write",
    "toast",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_used_key_is_translated(lang):
    missing = sorted(used_keys() - set(catalog(lang)))
    assert not missing, f"{lang} lacks {missing}"


def test_every_language_is_complete():
    """No silent fallback to Finnish: each catalog has every key of the others, none empty."""
    assert untranslated(used_keys(), {lang: catalog(lang) for lang in LANGUAGES}) == {lang: [] for lang in LANGUAGES}


def test_the_completeness_check_fails_when_a_translation_is_missing():
    broken = {lang: dict(catalog(lang)) for lang in LANGUAGES}
    del broken["sv"]["page.sector_overview"]
    broken["en"]["filter.school_year"] = " "
    result = untranslated(used_keys() | {"only.in.code"}, broken)
    assert result["sv"] == ["only.in.code", "page.sector_overview"]
    assert result["en"] == ["filter.school_year", "only.in.code"]
    assert result["fi"] == ["only.in.code"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_ui_text_bypasses_the_catalog(path):
    assert hard_coded(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet, caught",
    [
        ('st.title("Kaupungin tilannekuva")', True),
        ('st.sidebar.button(label="Tulosta")', True),
        ('column.metric(f"Oppilaita {year}", 5)', True),
        ('st.caption(t("app.tagline", lang))', False),
        ('st.markdown(f"**{metric} {t(key, lang)}**")', False),
        ('st.title(unit["name"])', False),
        ('st.html("<style>p {}</style>")', False),
        ('st.page_link("pages/x.py", label=t("k", lang))', False),
        ('log.warning("refused %s", user)', False),
    ],
)
def test_the_hard_coded_text_check_catches_literals(snippet, caught):
    assert bool(hard_coded(snippet)) is caught


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_finnish(lang):
    for key, text in catalog("fi").items():
        other = catalog(lang).get(key)
        if other is not None:
            assert set(re.findall(r"{(\w+)}", other)) == set(re.findall(r"{(\w+)}", text)), key


@pytest.mark.parametrize(
    "func, args, lang, expected",
    [
        (fmt_number, (1234.5, "fi", 1), "fi", "1\u00a0234,5"),
        (fmt_number, (1234.5, "sv", 1), "sv", "1\u00a0234,5"),
        (fmt_number, (1234.5, "en", 1), "en", "1,234.5"),
        (fmt_percent, (0.873, "fi"), "fi", "87\u00a0%"),
        (fmt_percent, (0.873, "sv"), "sv", "87\u00a0%"),
        (fmt_percent, (0.873, "en"), "en", "87%"),
        (fmt_date, (dt.date(2026, 11, 22), "fi"), "fi", "22.11.2026"),
        (fmt_date, (dt.date(2026, 11, 22), "sv"), "sv", "22.11.2026"),
        (fmt_number, (None, "fi"), "fi", "–"),
    ],
)
def test_formats(func, args, lang, expected):
    assert func(*args) == expected


def test_fallbacks():
    assert normalise_language("sv-FI") == "sv" and normalise_language("de") == "fi" and normalise_language(None) == "fi"
    assert t("no.such.key", "sv") == "no\\.such\\.key"  # a missing key comes back escaped for Markdown (md)
    assert t("filter.school_year", "sv") == "Läsår"


def duplicate_keys(text: str) -> list[str]:
    """Keys written twice in one catalog file (YAML keeps the last silently: 'col.target' once meant both
    the metric's target and the access log's target, and the target column read 'Kohde')."""
    import yaml

    node = yaml.compose(text)
    keys = [k.value for k, _ in (node.value if node is not None else [])]
    return sorted({k for k in keys if keys.count(k) > 1})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalog_key_is_written_twice(lang):
    text = (PROJECT_ROOT / "tilannekuva" / "locales" / f"{lang}.yaml").read_text(encoding="utf-8")
    assert duplicate_keys(text) == []


def test_the_duplicate_check_catches_a_key_written_twice():
    assert duplicate_keys("col.target: Tavoite\ncol.x: X\ncol.target: Kohde\n") == ["col.target"]
