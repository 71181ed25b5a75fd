"""Issue 16, attacks 1 and 2 without a browser: hostile names made inert for Markdown, for Plotly and
in both export formats (the browser part is test_hostile_data.py).

Each case is a payload a source system could deliver; the expected result is that it arrives as the
text it is, never as a link, image, tag, formula or URL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import fastexcel
import polars as pl
import pytest

from tests.security.conftest import HOSTILE_GROUP, HOSTILE_SURNAME, HOSTILE_UNIT
from tilannekuva.export import header_rows, to_csv_fi, to_xlsx
from tilannekuva.inert import WORD_JOINER, md, plotly_text, spreadsheet_cell
from views import figures

MARKDOWN_PAYLOADS = [
    HOSTILE_UNIT,  # image + link (the reported attack)
    "[Kirjaudu](https://attacker.example/login)",
    "![x](https://attacker.example/t.png)",
    "<img src=https://attacker.example/t.png>",
    "<a href='https://attacker.example'>7A</a>",
    "https://attacker.example/bare",
    "www.attacker.example",
    "WWW.attacker.example",
    "pahis@attacker.example",
    "xmpp:pahis@attacker.example",  # GFM autolinks
    "**lihava** _kursiivi_ `koodi` ~~yliviivattu~~",
    "# Otsikko",
    "- lista",
    "1. lista",
    "> lainaus",
    "| a | b |",
    ":red[punainen]",
    ":material/warning: varoitus",
    ":smile: hymy",
    "$x^2$ ja $$y$$",
    "rivi\n\n# uusi otsikko",
    "\\[x\\](https://attacker.example)",
    "&lt;b&gt; &amp;",
    "a\\",
    "[x]: https://a.example",
]


def _unescape_commonmark(text: str) -> str:
    """What CommonMark shows for text made only of literal characters and backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text.replace(WORD_JOINER, ""))


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_md_leaves_no_markdown_syntax_and_reads_as_written(payload):
    escaped = md(payload)
    # Every ASCII punctuation character is escaped, so no construct can open; nothing else changes.
    assert not re.search(r"[!-/:-@\[-`{-~]", re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)), escaped
    assert "\n" not in escaped and "\r" not in escaped  # no new block can start
    assert ":" not in escaped.replace(":" + WORD_JOINER, "")  # no :shortcode: can close
    assert "@" not in escaped.replace("@" + WORD_JOINER, "")  # no bare e-mail link
    assert not re.search(r"(?i)www\\\.", escaped)  # no bare www. link
    assert _unescape_commonmark(escaped) == re.sub(r"[\r\n]+", " ", payload)


@pytest.mark.parametrize(
    "payload, expected",
    [
        ("<a href='https://attacker.example'>7A</a>", "&lt;a href='https://attacker.example'&gt;7A&lt;/a&gt;"),
        ("Koulu & <b>lihava</b><br>", "Koulu &amp; &lt;b&gt;lihava&lt;/b&gt;&lt;br&gt;"),
        ("&lt;", "&amp;lt;"),
        ("7A", "7A"),
    ],
)
def test_plotly_text_escapes_the_html_subset(payload, expected):
    assert plotly_text(payload) == expected


HOSTILE_FRAME = pl.DataFrame(
    {
        "x": [HOSTILE_GROUP, HOSTILE_UNIT, "7B"],
        "series": [HOSTILE_UNIT, HOSTILE_GROUP, "<b>x</b>"],
        "v": [0.5, 0.25, 0.1],
        "m": [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
    }
)

BUILDERS = {
    "share_trend": lambda f: figures.share_trend(
        f,
        x="x",
        series="series",
        y="v",
        title=HOSTILE_UNIT,
        y_title=HOSTILE_GROUP,
        target=0.5,
        target_label=HOSTILE_GROUP,
    ),
    "reform_trend": lambda f: figures.reform_trend(
        f, x="x", series="series", y="v", title=HOSTILE_UNIT, y_title="Y", break_before="7B", break_label=HOSTILE_GROUP
    ),
    "grouped_bars": lambda f: figures.grouped_bars(
        f, x="x", series="series", y="v", title=HOSTILE_UNIT, y_title=HOSTILE_GROUP
    ),
    "horizontal_bars": lambda f: figures.grouped_bars(
        f, x="x", series="series", y="v", title=HOSTILE_UNIT, y_title=HOSTILE_GROUP, horizontal=True, kind="mean"
    ),
    "monthly_lines": lambda f: figures.monthly_lines(
        f, month="m", series="series", y="v", title=HOSTILE_UNIT, y_title=HOSTILE_GROUP
    ),
}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_figures_carry_names_as_text_never_as_tags(name, lang):
    fig = figures.localize(BUILDERS[name](HOSTILE_FRAME), lang)
    spec = json.loads(fig.to_json())
    spec["layout"].pop("template", None)
    texts = list(_strings(spec))
    assert not [s for s in texts if re.search(r"<\s*/?\s*(a|img|b|br|span|i|sup|sub|em|s|u)\b", s, re.I)], texts
    assert any("attacker.example" in s for s in texts)  # the names are there, as text


# --- exports ------------------------------------------------------------------------------------------

FORMULAS = [HOSTILE_SURNAME, "=1+2", "+41 123", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "\0=1"]
URLS = ["https://attacker.example/x", "mailto:pahis@attacker.example"]
NUMBER_LIKE = ["0012", "1e5", "  42 "]


def _hostile_table() -> pl.DataFrame:
    texts = FORMULAS + URLS + NUMBER_LIKE
    return pl.DataFrame(
        {
            "Sukunimi": texts,
            HOSTILE_SURNAME: [f"x{i}" for i in range(len(texts))],  # a data-derived header (unit view)
            "Poissaolot": [float(i) - 1.5 for i in range(len(texts))],  # numbers stay numbers, negatives too
            "Oppilaita": list(range(-3, len(texts) - 3)),
        }
    )


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_xlsx_stores_no_formula_and_no_link_and_keeps_every_text_as_written():
    frame = _hostile_table()
    meta = [HOSTILE_UNIT, '=HYPERLINK("https://attacker.example")']
    data = to_xlsx(frame, sheet=HOSTILE_UNIT, meta=meta)
    xml = _sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # no formula cell
    assert "<hyperlink" not in xml  # no URL made a link
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not [n for n in z.namelist() if "worksheets/_rels" in n]  # no external relationship
    sheet = fastexcel.read_excel(data).load_sheet(0, header_row=header_rows(meta))
    back = sheet.to_polars()
    assert back.columns == frame.columns
    assert back["Sukunimi"].to_list() == frame["Sukunimi"].to_list()  # exact strings, "0012" too
    assert back["Poissaolot"].to_list() == frame["Poissaolot"].to_list()
    assert back["Oppilaita"].cast(pl.Int64).to_list() == frame["Oppilaita"].to_list()


def test_csv_neutralises_cells_and_headers_a_spreadsheet_would_evaluate():
    frame = _hostile_table()
    rows = list(csv.reader(io.StringIO(to_csv_fi(frame).decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header == ["Sukunimi", "'" + HOSTILE_SURNAME, "Poissaolot", "Oppilaita"]  # the header row too
    for original, row in zip(frame["Sukunimi"], body, strict=True):
        if original.startswith(("=", "+", "-", "@", "\t", "\r", "\0")):
            assert row[0] == "'" + original
        else:
            assert row[0] == original
    # Numbers are written as numbers (a leading minus is a number, not a formula).
    assert body[0][2:] == ["-1,5", "-3"] and body[5][2:] == ["3,5", "2"]


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Mäkinen", "Mäkinen"),
        ("'=1", "'=1"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_spreadsheet_cell_follows_owasp(cell, expected):
    assert spreadsheet_cell(cell) == expected


def test_md_removes_bidi_controls():
    """A name cannot reorder the text around it (U+202E: 'right-to-left override')."""
    shown = md("Koulu\u202eTXT.exe\u2066x\u2069\u202a\u202b\u202c\u202d\u2067\u2068")
    assert not any(ch in shown for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
