"""Review of issue 17 (brief: "every view of personal data ... is written to an access log (who, ...)").

`views.access_log.log_view` logs a view once per Streamlit session, keyed on (target, page, filters,
rows) — not on who is acting. The key survives a sign-out (signin._sign_out_state does not clear
`tk_logged_views`), so on a shared staff-room computer the next principal who opens the same unit's
support-signal list (rehtori and rehtori2 both lead the demo unit) gets NO access-log entry: their
view of named pupils is never recorded. The same happens to an admin viewing as one user, then another."""

from tests.helpers import open_as, signed_in_state, tables_of
from tilannekuva.audit import AccessLog


def _entries(home, user):
    return [
        e
        for e in AccessLog(home / "state" / "access_log.sqlite").entries(limit=100_000)
        if e.username == user and e.target == "support_signals" and e.action == "view"
    ]


def test_second_principal_after_sign_out_gets_their_view_logged(demo_env, principals):
    unit = principals["rehtori"].unit_ids[0]
    assert unit in principals["rehtori2"].unit_ids
    at = open_as("rehtori", "principal_support", yksikko=str(unit))
    assert not at.exception, at.exception
    assert _entries(demo_env, "rehtori"), "precondition: the first principal's view is logged"
    before = len(_entries(demo_env, "rehtori2"))

    from views.signin import COOKIE_KEY, PRINCIPAL_KEY, SSO_SESSION_KEY, TOKEN_KEY, VIEW_AS_KEY

    for key in (PRINCIPAL_KEY, TOKEN_KEY, COOKIE_KEY, VIEW_AS_KEY, SSO_SESSION_KEY):  # what logout() clears
        if key in at.session_state:
            del at.session_state[key]
    signed_in_state(at, "rehtori2").run()  # the next person signs in at the same computer
    at.switch_page("pages/principal_support.py").run()
    at.query_params["yksikko"] = str(unit)
    at.run()
    assert not at.exception, at.exception
    assert any(df.value.shape[0] for df in tables_of(at)), "rehtori2 is shown the named pupil list"
    assert len(_entries(demo_env, "rehtori2")) > before, "rehtori2 saw named pupils; no access-log entry names them"


def test_admin_viewing_as_two_principals_logs_both(demo_env, principals):
    from views.signin import VIEW_AS_KEY

    unit = principals["rehtori"].unit_ids[0]
    at = open_as("admin")
    for user in ("rehtori", "rehtori2"):
        at.session_state[VIEW_AS_KEY] = user
        at.run()
        at.switch_page("pages/principal_support.py").run()
        at.query_params["yksikko"] = str(unit)
        at.run()
        assert not at.exception, at.exception
    seen_as = [e.filters.get("viewed_as") for e in _entries(demo_env, "admin")]
    assert "rehtori" in seen_as and "rehtori2" in seen_as, seen_as
