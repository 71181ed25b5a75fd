"""Attack on issue 22: the order chooser sorts text "without regard to case" by lower-casing and comparing code
points (views.tables._sorted). Finnish and Swedish order Å Ä Ö at the end of the alphabet *in that order*
(… Z, Å, Ä, Ö) and accented letters with their base letter (É with E); code points put Ä (U+E4) before Å
(U+E5) and É after Ö. A pupil list of a Swedish-speaking school sorted by surname: Åberg after Ärling,
Éclair after Öhman — the list a teacher reads as alphabetical is not."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tilannekuva.i18n import t

NAMES = ["Öhman", "Zetterberg", "Ärling", "Åberg", "Éclair", "Ekholm", "Aalto", "Borg", "Dahl"]
EXPECTED = ["Aalto", "Borg", "Dahl", "Éclair", "Ekholm", "Zetterberg", "Åberg", "Ärling", "Öhman"]


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_text_is_ordered_as_the_readers_alphabet(lang):
    def script(names: list[str], lang: str) -> None:
        import polars as pl
        import streamlit as st

        from views import tables
        from views.language import LANG_KEY

        st.session_state[LANG_KEY] = lang
        tables.show(tables.table(pl.DataFrame({"name": names}), {"name": "col.pupil"}, lang))

    at = AppTest.from_function(script, kwargs={"names": NAMES, "lang": lang}, default_timeout=30).run()
    (order,) = [s for s in at.selectbox if s.label.startswith(t("table.sort", lang))]
    order.select_index(order.options.index(t("table.sort_asc", lang, column=t("col.pupil", lang)))).run()
    assert at.table[0].value[t("col.pupil", lang)].tolist() == EXPECTED
