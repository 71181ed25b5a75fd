"""Every UI string goes through the catalog; numbers and dates in each locale's format."""

import datetime as dt
import re

import pytest

from tilannekuva.i18n import LANGUAGES, catalog, fmt_date, fmt_number, fmt_percent, normalise_language, t
from tilannekuva.settings import PROJECT_ROOT

SOURCES = [*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py"), PROJECT_ROOT / "app.py"]
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_0-9]+\.[a-z_0-9.]+)["']""")
DYNAMIC_PREFIXES = {"sector.": ["varhaiskasvatus", "perusopetus", "lukio"], "language.": ["fi", "sv"],
                    "role.": ["sector_lead", "principal", "teacher", "admin"]}


def used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    keys |= {"login.session_ended", "login.cookie_invalid", "login.signed_out", "login.no_role"}
    keys |= {f"page.{p.stem}" for p in (PROJECT_ROOT / "pages").glob("*.py")}
    keys |= {prefix + v for prefix, values in DYNAMIC_PREFIXES.items() for v in values}
    return keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_used_key_is_translated(lang):
    missing = sorted(used_keys() - set(catalog(lang)))
    assert not missing, f"{lang} lacks {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_finnish(lang):
    for key, text in catalog("fi").items():
        other = catalog(lang).get(key)
        if other is not None:
            assert set(re.findall(r"{(\w+)}", other)) == set(re.findall(r"{(\w+)}", text)), key


@pytest.mark.parametrize("func, args, lang, expected", [
    (fmt_number, (1234.5, "fi", 1), "fi", "1\u00a0234,5"),
    (fmt_number, (1234.5, "sv", 1), "sv", "1\u00a0234,5"),
    (fmt_number, (1234.5, "en", 1), "en", "1,234.5"),
    (fmt_percent, (0.873, "fi"), "fi", "87\u00a0%"),
    (fmt_percent, (0.873, "sv"), "sv", "87\u00a0%"),
    (fmt_percent, (0.873, "en"), "en", "87%"),
    (fmt_date, (dt.date(2026, 11, 22), "fi"), "fi", "22.11.2026"),
    (fmt_date, (dt.date(2026, 11, 22), "sv"), "sv", "22.11.2026"),
    (fmt_number, (None, "fi"), "fi", "–"),
])
def test_formats(func, args, lang, expected):
    assert func(*args) == expected


def test_fallbacks():
    assert normalise_language("sv-FI") == "sv" and normalise_language("de") == "fi" and normalise_language(None) == "fi"
    assert t("no.such.key", "sv") == "no.such.key"
    assert t("filter.school_year", "sv") == "Läsår"
