"""Regression (issue 16, attack finding 10, "pages cannot bypass it (an architecture test)"): the AST check in
tests/unit/test_inert_architecture.py trusts names, not data flow, and knows only some of the
elements that render Markdown/HTML. Each snippet below passes data to Markdown or HTML unescaped and
is NOT caught today (no page of the merged code does this yet — these are the ways a later change
slips through):

- `SAFE_CALLS` are matched by bare name, so any method called max/round/len/strftime/language/int
  is trusted and its receiver is not looked at: `frame["name"].max()`;
- `t(key, …)`'s key is never checked, and `t` returns the key itself when it is missing from the
  catalog: `t(f"sector.{unit['name']}")` renders the name;
- `SAFE_NAMES` (m, chosen, kind, metric, …) are trusted whatever they hold (not closed: the check has no
  data flow; a name is trusted because the pages bind it to code values, and review must keep it so);
- receivers whose text starts with "fig" are skipped (`figure_col.markdown(...)`);
- a Markdown call through an alias (`show = st.markdown`) is not an Attribute call;
- Markdown-rendering elements and arguments the list lacks: st.radio / st.pills /
  st.segmented_control option labels (format_func) and radio `captions`, st.popover, st.link_button,
  st.badge, st.status labels, st.write_stream, column_config `help` tooltips;
- st.html (raw HTML; chrome.py already uses it with unsafe_allow_javascript=True) is not checked at all.
"""

import pytest

from tests.unit.test_inert_architecture import unescaped

MISSED = [
    'st.caption(units["name"].max())',
    "st.markdown(t(f\"sector.{unit['name']}\", lang))",
    'figure_col.markdown(unit["name"])',
    'show = st.markdown\nshow(unit["name"])',
    'st.radio(t("k", lang), ids, captions=[unit["name"]])',
    'st.radio(t("k", lang), ids, format_func=names.get)',
    'st.pills(t("k", lang), ids, format_func=names.get)',
    'st.segmented_control(t("k", lang), ids, format_func=names.get)',
    'st.popover(unit["name"])',
    'st.link_button(unit["name"], "https://example.invalid")',
    'st.badge(unit["name"])',
    'st.status(unit["name"])',
    'st.write_stream(iter([unit["name"]]))',
    'st.dataframe(f, column_config={"a": st.column_config.TextColumn(help=unit["name"])})',
    'st.html(unit["name"])',
]


NOT_CAUGHT_MEANS_SAFE = [
    'st.radio(t("k", lang), ids, format_func=lambda i: md(names[i]))',
    'st.caption(t("k", lang, month=d.strftime("%m/%Y")))',
    "st.markdown(t(f\"sector.{unit['sector']}\", lang))",
    "st.html(CSS)",
]


@pytest.mark.parametrize("snippet", NOT_CAUGHT_MEANS_SAFE)
def test_safe_forms_pass(snippet):
    assert unescaped(snippet) == []


def test_a_missing_catalog_key_comes_back_escaped():
    from tilannekuva.i18n import t

    assert t("sector.[x](https://attacker.example)", "fi").startswith("sector\\.\\[x\\]")


@pytest.mark.parametrize("snippet", MISSED)
def test_the_inert_check_catches(snippet):
    assert unescaped(snippet), f"not caught: {snippet}"
