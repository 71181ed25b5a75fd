"""Data made inert for the places that interpret text: Markdown, Plotly's HTML subset, spreadsheets.

Source systems are not trusted: a unit, group, pupil or staff name, a column header or a note may
carry Markdown (`![x](https://…)` is an image the browser fetches, `[x](https://…)` a link), HTML
(Plotly renders `<a href>` in tick labels and legends) or a spreadsheet formula (`=HYPERLINK(…)`).
Every data-derived string passes through one of these functions on its way out:

- `md(text)` before a Markdown-rendering Streamlit element (title, header, caption, markdown, metric
  label, warning/info texts, help): every ASCII punctuation character is backslash-escaped (CommonMark
  makes `\\` + punctuation a literal), which stops links, images, HTML, Streamlit's `:color[…]`
  directives and `$…$` LaTeX from opening. Some things are matched in the text *after* escapes are
  read: GFM's bare autolinks (`https://…`, `www.…`, `name@host`) and Streamlit's `:shortcode:` emoji
  and `:material/…:` icons; an invisible word joiner after each `:` and `@` and inside `www.` breaks
  them (found by the browser test: an escaped `www\\.attacker\\.example` was still linked). Line
  breaks become spaces (no new block can start); bidi controls (U+202A–U+202E, U+2066–U+2069) are
  removed, so a name cannot reorder the text shown around it.
- `plotly_text(text)` before any text in a Plotly figure (titles, axis and tick labels, legend and
  hover names, annotations): `&`, `<` and `>` as HTML entities, which Plotly shows as the characters.
- `spreadsheet_cell(text)` for a CSV cell or header: OWASP's CSV-injection rule — a cell starting with
  `=`, `+`, `-`, `@`, tab, carriage return (or NUL) gets a leading `'`, so a spreadsheet shows it as text.
  (Excel files are written with xlsxwriter's string conversions off: see tilannekuva.export.)

This module is core (no Streamlit); tests/unit/test_inert_architecture.py keeps pages and views from
passing data to those elements any other way.
"""

from __future__ import annotations

import re
import string

WORD_JOINER = "\u2060"  # invisible, not a space: "Koulu: A" still reads and copies as itself
_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_WWW = re.compile(r"(?i)(www)(\\\.)")  # "www." after escaping: GFM would link it anyway
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates: reorder what is shown
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")  # OWASP; NUL from OWASP ASVS 1.2.10


def md(value: object) -> str:
    """`value` as Markdown text that renders exactly as written: no link, image, emphasis, heading,
    list, code, HTML, LaTeX, colour, icon or emoji can form from it."""
    text = _LINE_BREAKS.sub(" ", _BIDI.sub("", "" if value is None else str(value)))
    text = _MD_PUNCTUATION.sub(r"\\\1", text).replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)
    return _WWW.sub("\\1" + WORD_JOINER + "\\2", text)


def plain_text(value: object) -> str:
    """`value` for a place that shows plain text (a chooser's option, a label's list): bidi controls removed
    (a name cannot reorder the text after it) and line breaks as spaces."""
    return _LINE_BREAKS.sub(" ", _BIDI.sub("", "" if value is None else str(value)))


def plotly_text(value: object) -> str:
    """`value` as Plotly text: no tag of Plotly's HTML subset (a, b, br, span, sup …) can form."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spreadsheet_cell(value: str) -> str:
    """A text cell a spreadsheet will not evaluate (OWASP CSV injection): a leading `'` before
    = + - @ tab, CR or NUL."""
    return "'" + value if value.startswith(FORMULA_START) else value


_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # control characters, lone surrogates


def storable(value: str, replacement: str = "\ufffd") -> str:
    """Typed text as every state backend keeps it: each control character (a NUL byte, which PostgreSQL's text
    cannot hold; a line break…) and each lone surrogate (no UTF-8 for it) replaced by `replacement`."""
    return _UNSTORABLE.sub(replacement, value)
