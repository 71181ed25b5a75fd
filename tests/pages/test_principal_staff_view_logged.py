"""Regression (issue 16, attack finding 5 / brief: "every view of personal data ... is written to an access log"): the
principal's staff page lists staff BY NAME with their training status, trainings and hours
(personal data about employees) — opening it writes no access-log entry; only a click on its
download does. The pupil lists (principal_support, teacher_groups, teacher_watch) log their view."""

from tests.helpers import tables_of
from tests.pages.test_principal_pages import open_page
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog


def test_opening_the_named_staff_list_is_logged(demo_env):
    log = AccessLog(state_db(demo_env, "access_log"))
    before = {e.entry_id for e in log.entries(limit=100_000)}
    at = open_page("rehtori", "principal_staff")
    # the page shows a staff list by name (the toggle shows everyone, not only the untrained)
    at.toggle[0].set_value(False).run()
    shown = tables_of(at)[0].value
    assert len(shown) > 0 and shown.shape[1] >= 4
    new = [e for e in log.entries(limit=100_000) if e.entry_id not in before and e.username == "rehtori"]
    assert any(e.page == "principal_staff" for e in new), (
        f"{len(shown)} named staff rows shown on principal_staff; access-log entries: {[(e.action, e.target) for e in new]}"
    )
    entry = next(e for e in new if e.page == "principal_staff")
    assert entry.action == "view" and entry.rows == len(shown) and len(entry.filters["staff_ids"]) == len(shown)
