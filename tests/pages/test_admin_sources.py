"""Issue 19: the admin's status page names each source's rhythm, threshold, status on the settings' day and
the metrics reading it; a stale source is named in a warning at the top (a warehouse whose meta_source has
an old data-as-of date), and a fresh warehouse has no warning."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import app_env, open_as, tables_of, warehouse_with_as_of
from tilannekuva.freshness import thresholds
from tilannekuva.i18n import t

D = dt.date


def _sources_table(at):
    (table,) = [d.value for d in tables_of(at) if t("col.rhythm") in d.value.columns]
    return {row[t("col.source")]: row for row in table.to_dict("records")}


@pytest.mark.parametrize(
    ("as_of", "warning", "status"),
    [
        ({}, None, {}),
        (
            {"poissaolot": D(2026, 9, 30)},
            "1 lähde on vanhentunut: Poissaolot",
            {"poissaolot": "Vanhentunut 11.10.2026 alkaen"},
        ),
        (
            {"poissaolot": D(2026, 9, 30), "kirjautumiset": D(2026, 11, 1)},
            "2 lähdettä on vanhentunut: Sähköisten palvelujen kirjautumiset, Poissaolot",
            {"poissaolot": "Vanhentunut 11.10.2026 alkaen", "kirjautumiset": "Vanhentunut 9.11.2026 alkaen"},
        ),
        ({"palvelumuotoilu": None}, None, {"palvelumuotoilu": "Ei ladattu"}),  # not loaded: not stale
    ],
)
def test_sources_show_rhythm_threshold_status_and_metrics(demo_home, tmp_path, monkeypatch, as_of, warning, status):
    home = warehouse_with_as_of(demo_home, tmp_path, **as_of)
    with app_env(home, monkeypatch):
        at = open_as("admin", "admin_status")
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    if warning is None:
        assert warnings == []
    else:
        (shown,) = warnings
        assert shown.splitlines()[0] == warning
        assert sum(line.startswith("- Vanhentunut ") for line in shown.splitlines()) == len(as_of)
    rows = _sources_table(at)
    absences, logins = rows[t("source.poissaolot")], rows[t("source.kirjautumiset")]
    assert (absences[t("col.rhythm")], absences[t("col.stale_after")], absences[t("col.metrics")]) == (
        "viikoittain",
        10,
        "S1, S4",
    )
    assert (logins[t("col.rhythm")], logins[t("col.stale_after")], logins[t("col.metrics")]) == ("päivittäin", 7, "M3")
    codes = {t(f"source.{c}"): c for c in thresholds()["source"]}
    assert set(rows) == set(codes)  # every source with a threshold, loaded or not
    for source, row in rows.items():
        assert row[t("col.status")] == status.get(codes[source], t("freshness.fresh")), source
