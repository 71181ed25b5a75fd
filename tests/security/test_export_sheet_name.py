"""Regression (issue 16, attack finding 9, exports): the Excel sheet is named after the chart's title, which carries the
school-year label from the source system (lukuvuodet.label). `_sheet_name` replaces []:*?/\\ and cuts
at 31 characters, but a name that starts or ends with an apostrophe is also invalid: xlsxwriter raises
InvalidWorksheetName. With a label of apostrophes every Excel export of a chart titled with the
year fails (sector overview / metric / support pages in Finnish, the principal's support page in
Swedish and English) — AFTER the producer has written its `export` access-log entry, so the log
records exports that never happened, and users get no Excel file."""

import html

import polars as pl
import pytest

from tilannekuva.export import to_xlsx
from tilannekuva.i18n import t
from tilannekuva.inert import plotly_text

LABEL = "'" * 31  # any label whose 31st character of the title is an apostrophe


@pytest.mark.parametrize(
    "key, lang",
    [
        ("overview.by_district_title", "fi"),
        ("metric.by_district_title", "fi"),
        ("support.district_title", "fi"),
        ("psupport.support_title", "sv"),
        ("psupport.assessment_title", "en"),
    ],
)
def test_a_year_label_cannot_break_the_excel_export(key, lang):
    # as widgets.chart_block builds it: the figure's (escaped) title, unescaped for the sheet
    title = html.unescape(plotly_text(t(key, lang, year=LABEL)))
    frame = pl.DataFrame({"Alue": ["Eteläinen"], "Oppilaita": [120]})
    assert to_xlsx(frame, sheet=title, meta=[title]).startswith(b"PK")


@pytest.mark.parametrize("title", ["'Lukuvuosi'", "x" * 30 + "'", "History", "a[b]:c*?/\\d\x01", "'''", ""])
def test_any_title_gives_a_valid_sheet(title):
    frame = pl.DataFrame({"a": [1]})
    assert to_xlsx(frame, sheet=title).startswith(b"PK")
