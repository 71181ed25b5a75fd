"""Attack on issue 22 (accessibility of the new real tables): every long table gets an order chooser labelled
'Taulukon järjestys' and nothing else, and the real tables themselves have no accessible name (no <caption>,
aria-label or aria-labelledby: seen in Chromium on /sector_support). A page with several long tables therefore
has several comboboxes of the same name — demo --scale 0.2: sector_support 4, principal_support 3, sector_overview,
principal_staff, principal_eservices, teacher_groups and admin_status 2 each; sector_units has two 'Avaa
yksikkö' choosers — and a screen reader's list of form controls reads 'Taulukon järjestys, yhdistelmäruutu'
four times with nothing saying which table each orders (WCAG 2.4.6 Headings and Labels, 1.3.1). The issue asks
for every control to have a name "in the user's language"; a name that cannot tell the controls apart is the
same problem the empty label was."""

from __future__ import annotations

import pytest

from tests.helpers import open_as
from tilannekuva.i18n import t

PAGES = [
    ("johto", "sector_support"),
    ("johto", "sector_units"),
    ("rehtori", "principal_support"),
    ("opettaja", "teacher_groups"),
]


@pytest.mark.parametrize("user, page_id", PAGES, ids=[p for _, p in PAGES])
def test_the_choosers_of_a_page_have_names_that_tell_them_apart(demo_env, user, page_id):
    at = open_as(user, page_id)
    assert not at.exception, at.exception
    new = (t("table.sort"), t("table.part"), t("units.open_unit"), t("units.open_district"))
    labels = [s.label for s in at.selectbox if s.label.startswith(new)]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert not repeated, f"{page_id}: {len(labels)} new choosers, names repeated: {repeated}"
