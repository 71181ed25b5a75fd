"""Attack (issue 21, item 4): the state database goes away while a page runs — the named staff list is shown,
its view is not logged.

app.py's `_state_down` promises "never a page without its access log", and for the pupil lists
(views.sections.pupil_list) the view is logged *before* the table. views.sections.staff_list does it the other
way round: `tables.show(table)` first, `log_view(...)` after. With the state in PostgreSQL (issue 21) the
database can fail between the two (stopped, restarted, failed over, a pool timeout under load): the write
raises StateUnavailable, app.py shows "Tilannekuvan tietokantaan ei saada yhteyttä" *under* the table, and
the principal has seen every teacher's training status and hours by name with no access-log entry.

Observed: 32 named staff rows on the screen, no entry. Simulated: AccessLog.record raises StateUnavailable (what tilannekuva.statedb raises when PostgreSQL fails)
while rehtori opens principal_staff with the toggle set to show everyone. Expected: no staff rows on the
screen when the view could not be logged (log first, as pupil_list does).
"""

from __future__ import annotations

import pytest

from tests.helpers import access_log_down, open_as, tables_of

BACKENDS = pytest.mark.parametrize("demo_env", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
def test_the_staff_list_is_not_shown_when_its_view_cannot_be_logged(demo_env, monkeypatch):
    at = open_as("rehtori", "principal_staff")
    assert not at.exception, at.exception
    access_log_down(monkeypatch, "view", "principal_staff")
    at.toggle[0].set_value(False).run()  # everyone, by name (a new view: it must be logged)
    shown = [len(df.value) for df in tables_of(at)]
    said = [e.value for e in at.error] + [e.message[:40] for e in at.exception]
    assert not any(shown), f"{shown} named staff rows on the screen, no access-log entry written; then: {said}"
