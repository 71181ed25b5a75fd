"""Attack on issue 22: "empty cells last" in the order chooser holds for nulls only. A float NaN (0/0 in a
polars expression, a NaN from a source file) is shown as '–' like an empty cell (Styler na_rep), but polars
orders NaN above every number: sorted descending, the '–' rows come first, above the largest value."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.helpers import table_text
from tilannekuva.i18n import t


def test_an_empty_looking_nan_cell_is_ordered_last():
    def script() -> None:
        import polars as pl

        from views import tables

        frame = pl.DataFrame(
            {
                "name": [f"K{i}" for i in range(10)],
                "share": [float("nan"), 0.5, None, 0.9, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7],
            }
        )
        tables.show(tables.table(frame, {"name": "col.unit", "share": ("col.share", "pct1")}, "fi"))

    at = AppTest.from_function(script, default_timeout=30).run()
    (order,) = [s for s in at.selectbox if s.label.startswith(t("table.sort"))]
    order.select_index(order.options.index(t("table.sort_desc", column=t("col.share") + " (%)"))).run()
    shown = table_text(at.table[0])[t("col.share") + " (%)"].tolist()
    assert shown[0] == "90" and shown[-2:] == ["–", "–"], shown
