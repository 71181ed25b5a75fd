"""Attack on issue 22 (real tables, "numbers in the reader's locale"): the admin's source-contract table
(Tietojen lataukset, views.load_review.contracts) shows each column's allowed minimum and maximum as
`str(value)` (tilannekuva.ingest.contracts.describe): the training contract's hours read '0.5' (inert:
'0\\.5') in Finnish and Swedish, and a date bound reads as ISO '2000-01-01', not '1.1.2000'."""

from __future__ import annotations

import re

import pytest

from tests.helpers import open_as, table_text
from tilannekuva.i18n import t
from tilannekuva.ingest.contracts import CONTRACTS


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_contract_bounds_are_in_the_readers_number_and_date_format(demo_env, lang):
    at = open_as("admin", "admin_loads", lang=lang)
    assert not at.exception, at.exception
    (pick,) = [s for s in at.selectbox if s.key == "contract_pick"]
    found = {}
    for source in CONTRACTS:
        pick.set_value(source).run()
        (pick,) = [s for s in at.selectbox if s.key == "contract_pick"]
        text = table_text(at.table[-1])
        for header in (t("col.min", lang), t("col.max", lang)):
            for cell in text[header]:
                plain = str(cell).replace("\\", "")
                if re.fullmatch(r"\d+\.\d+", plain) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", plain):
                    found.setdefault(source, []).append(plain)
    assert not found, f"{lang}: bounds not in the reader's format: {found}"
