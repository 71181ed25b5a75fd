"""Attack on issue 22 (real tables): "an order chooser … by value: dates as dates". The admin's export register
(views.access_review.exports) shows `table.filter(…)` of the access-log Table — and polars' filter returns a
plain DataFrame, not a `tables.Table`: its typed twin is lost, so `tables.show` orders the register by the
shown *text* of its time column. Sorted ascending by time, '24.11.2026 klo 9.05' comes before
'3.11.2026 klo 9.05' (and in English '24 Nov 2026' before '3 Dec 2026'): the register's oldest export is
not first. (Before: a grid sorted the same text too; the new chooser promises dates as dates.)"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tilannekuva.i18n import t


def _register(lang: str) -> AppTest:
    def script(lang: str) -> None:
        import datetime as dt
        import types

        import polars as pl
        import streamlit as st

        from tilannekuva.i18n import t
        from views import access_review, tables
        from views.language import LANG_KEY

        st.session_state[LANG_KEY] = lang
        start = dt.datetime(2026, 11, 1, 9, 5)
        days = [start + dt.timedelta(days=d) for d in (0, 2, 9, 23, 29, 31, 33, 40, 45, 52)]  # Nov 1 … Dec 22
        entries = pl.DataFrame(
            {
                "entry_id": list(range(1, 11)),
                "logged_at": days,
                "username": ["admin"] * 10,
                "role": ["admin"] * 10,
                "action": ["export"] * 10,
                "target": ["watch_list"] * 10,
                "page": ["x"] * 10,
                "filters_text": [""] * 10,
                "rows": [3] * 10,
                "flags": [""] * 10,
            }
        )
        table = tables.table(entries, access_review.LOG_COLUMNS, lang)
        page = types.SimpleNamespace(t=lambda key, **kw: t(key, lang, **kw), lang=lang)
        access_review.exports(page, table)

    return AppTest.from_function(script, kwargs={"lang": lang}, default_timeout=30).run()


def test_the_export_register_orders_by_time_as_dates_not_as_text():
    for lang in ("fi", "en"):
        at = _register(lang)
        assert not at.exception, at.exception
        (order,) = [s for s in at.selectbox if s.label.startswith(t("table.sort", lang))]
        order.select_index(order.options.index(t("table.sort_asc", lang, column=t("col.time", lang)))).run()
        numbers = at.table[0].value[t("col.number", lang)].tolist()
        assert numbers == sorted(numbers), f"{lang}: oldest first by time, got entries in order {numbers}"
