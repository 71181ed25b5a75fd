"""Review of issue 17, hostile data (brief: a name from the source systems is untrusted and must stay inert).

sections.unit_metrics_table names two columns after data — the unit's name and its sector's
(tables.Text) — beside catalog headers. A unit named like one of those headers ('Koko kaupunki',
'Tavoite', 'Nimi', or its own sector) makes polars raise DuplicateError: principal_unit and the sector
lead's drill-down in sector_units crash for that unit instead of showing it."""

import polars as pl

from tilannekuva.i18n import t
from views import tables


def test_a_unit_named_like_a_header_still_renders():
    cards = pl.DataFrame({"metric": ["M1"], "name": ["x"], "value": [0.5], "sector": [0.4], "city": [0.45]})
    unit_name = t("level.city", "fi")  # a unit called "Koko kaupunki" in the source system
    columns = {
        "metric": "col.metric",
        "name": "col.name",
        "value": (tables.Text(unit_name), "metric:metric"),
        "sector": (tables.Text("Perusopetus"), "metric:metric"),
        "city": ("level.city", "metric:metric"),
    }
    table = tables.table(cards, columns, "fi")  # same columns as sections.unit_metrics_table
    assert table.height == 1
