"""Issue 22: tables a screen reader can walk. On every page of every demo role, tables are real tables
(st.table: `<table>`, `<th scope="col">`), and a canvas grid (st.dataframe) only where the table needs one —
the access log's up to 20 000 entries, a row to click to open a unit — and never two on a page: every grid
numbers its cells `glide-cell-<col>-<row>`, so two repeat the same ids (HTML_CodeSniffer counted 204 such
errors on four pages). A real table's text is in the reader's language: no 'None', 'nan', 'True'."""

from __future__ import annotations

import pytest

from tests.helpers import open_as, table_text, tables_of
from tests.pages.test_role_pages import SHOWN

CASES = [(user, page) for user, pages in SHOWN.items() for page in sorted(pages)]
RAW = {"None", "nan", "NaN", "True", "False", "null", "<NA>"}


@pytest.mark.parametrize("user, page_id", CASES, ids=[f"{u}-{p}" for u, p in CASES])
def test_tables_are_real_and_at_most_one_grid_per_page(demo_env, user, page_id):
    at = open_as(user, page_id)
    assert not at.exception, at.exception
    grids = at.dataframe
    print(f"{user} {page_id}: {len(at.table)} real tables, {len(grids)} grids")
    assert len(grids) <= 1, f"{page_id}: {len(grids)} grids repeat each other's cell ids"
    for element in tables_of(at):
        if element.type == "table":
            cells = {str(v) for column in table_text(element).itertuples(index=False) for v in column}
            assert not cells & RAW, (page_id, cells & RAW)


def _shown(rows: int = 12, lang: str = "fi", twice: bool = False):
    """A real table of `rows` rows (a Table with a date column and a share), rendered alone by AppTest."""
    from streamlit.testing.v1 import AppTest

    def script(rows: int, lang: str, twice: bool) -> None:
        import datetime as dt

        import polars as pl
        import streamlit as st

        from views import tables
        from views.language import LANG_KEY

        st.session_state[LANG_KEY] = lang
        frame = pl.DataFrame(
            {
                "name": [f"Koulu {i}" if i % 3 else f"koulu {i}" for i in range(rows)],
                "day": [dt.date(2025 + i % 2, 1 + i % 12, 1 + i % 28) for i in range(rows)],
                "share": [None if i == 0 else i / rows for i in range(rows)],
                "open": [i % 2 == 0 for i in range(rows)],
            }
        )
        columns = {"name": "col.unit", "day": ("col.date", "date"), "share": ("col.share", "pct1"), "open": "col.open"}
        tables.show(tables.table(frame, columns, lang))
        if twice:  # the same headers again on the same page: its own chooser
            tables.show(tables.table(frame, columns, lang))

    at = AppTest.from_function(script, kwargs={"rows": rows, "lang": lang, "twice": twice}, default_timeout=30)
    return at.run()


def test_a_long_real_table_is_ordered_by_any_column_by_value_and_paged_in_that_order():
    from tilannekuva.i18n import t

    at = _shown(rows=250)
    assert not at.exception, at.exception
    (order,) = [s for s in at.selectbox if s.label.startswith(t("table.sort"))]
    assert order.options[0] == t("table.sort_own")
    # Dates by date, not by their text ('10.1.2025' before '2.1.2026' as text too, but '1.12.2025' after).
    order.select_index(order.options.index(t("table.sort_asc", column=t("col.date")))).run()
    (element,) = at.table
    days = element.value[t("col.date")].tolist()
    assert len(days) == 100  # the first part: 100 of 250 rows
    parse = [tuple(int(p) for p in reversed(d.split("."))) for d in days]
    assert parse == sorted(parse) and parse[0] == (2025, 1, 1)
    (part,) = [s for s in at.selectbox if s.label.startswith(t("table.part"))]
    part.select_index(2).run()  # rows 201-250, still in date order, the latest last
    last = [tuple(int(p) for p in reversed(d.split("."))) for d in at.table[0].value[t("col.date")].tolist()]
    assert len(last) == 50 and last == sorted(last) and last[0] >= parse[-1]
    # Shares descending: the empty share last, whatever the order.
    order = [s for s in at.selectbox if s.label.startswith(t("table.sort"))][0]
    order.select_index(order.options.index(t("table.sort_desc", column=t("col.share") + " (%)"))).run()
    [s for s in at.selectbox if s.label.startswith(t("table.part"))][0].select_index(0).run()
    shares = at.table[0].value[t("col.share") + " (%)"].tolist()
    assert shares[0] == max(s for s in shares if s == s)


def test_text_is_ordered_without_regard_to_case():
    from tilannekuva.i18n import t

    at = _shown(rows=12)
    order = [s for s in at.selectbox if s.label.startswith(t("table.sort"))][0]
    order.select_index(order.options.index(t("table.sort_asc", column=t("col.unit")))).run()
    names = at.table[0].value[t("col.unit")].tolist()
    assert names == sorted(names, key=str.lower) and names != sorted(names)


def test_a_short_table_has_no_chooser_and_two_alike_tables_each_their_own():
    from tilannekuva.i18n import t

    assert not [s for s in _shown(rows=8).selectbox if s.label.startswith(t("table.sort"))]
    at = _shown(rows=12, twice=True)
    assert not at.exception, at.exception
    keys = [s.key for s in at.selectbox if s.label.startswith(t("table.sort"))]
    assert len(keys) == 2 and len(set(keys)) == 2


@pytest.mark.parametrize(
    "lang, share, yes, no", [("fi", "8\\,3", "kyllä", "ei"), ("sv", "8\\,3", "ja", "nej"), ("en", "8\\.3", "yes", "no")]
)
def test_a_real_table_is_written_in_the_readers_language(lang, share, yes, no):
    at = _shown(rows=12, lang=lang)
    text = table_text(at.table[0])
    assert text.iloc[1, 2] == share  # 1/12 as a percentage, one decimal, the reader's decimal sign
    assert text.iloc[0, 2] == "–" and {text.iloc[0, 3], text.iloc[1, 3]} == {yes, no}


HOSTILE = [
    "[Kirjaudu](http://attacker.example/login)",
    "![x](http://attacker.example/x.png)",
    "<img src=http://attacker.example/y.png>",
    "**lihava** :red[punainen] $x^2$ :material/home:",
    "www.attacker.example",
    '=HYPERLINK("http://attacker.example")',
]


def test_hostile_cells_and_headers_of_a_real_table_are_inert_text():
    """st.table renders every cell and header as Markdown (seen: a `[l](http://…)` cell became a link): a
    real table's text is the value made inert (tilannekuva.inert.md), headers (a unit's name) too."""
    from streamlit.testing.v1 import AppTest

    from tilannekuva.i18n import t
    from tilannekuva.inert import md

    def script(names: list[str]) -> None:
        import polars as pl

        from views import tables

        frame = pl.DataFrame({"name": names, "n": list(range(len(names)))})
        tables.show(tables.table(frame, {"name": "col.unit", "n": (tables.Text(names[0]), "int")}, "fi"))

    at = AppTest.from_function(script, kwargs={"names": HOSTILE}, default_timeout=30).run()
    assert not at.exception, at.exception
    text = table_text(at.table[0])
    assert text.iloc[:, 0].tolist() == [md(name) for name in HOSTILE]
    # Streamlit renders the headers from the column names, as Markdown: a data header is its inert text.
    assert text.columns.tolist() == [t("col.unit"), md(HOSTILE[0])]
