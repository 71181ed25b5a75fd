"""The admin's access-log page and the events behind it: sign-ins (success, failure, throttled),
pupil-list views with scope and row counts, and the log's own integrity."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tilannekuva.audit import AccessLog
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT


def login(user: str, password: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input[0].input(user)
    at.text_input[1].input(password if password is not None else DEMO_PASSWORDS[user])
    at.button[0].click().run()
    return at


def test_sign_ins_and_pupil_views_are_logged_with_their_fields(demo_env, principals):
    log = AccessLog(demo_env / "state" / "access_log.sqlite")
    start = max((e.entry_id for e in log.entries(limit=1)), default=0)
    login("rehtori", "väärin")
    at = login("rehtori")
    at.switch_page("pages/principal_support.py").run()
    new = [e for e in log.entries() if e.entry_id > start][::-1]
    kinds = [(e.username, e.action, e.target) for e in new]
    assert ("rehtori", "sign_in_failed", "session") in kinds
    assert ("rehtori", "sign_in", "session") in kinds
    assert ("rehtori", "view", "support_signals") in kinds
    signed_in = next(e for e in new if e.action == "sign_in")
    assert signed_in.role == "principal" and signed_in.filters["method"] == "password"
    assert signed_in.filters["scope"] == "units" and signed_in.filters["units"] == list(principals["rehtori"].unit_ids)
    failed = next(e for e in new if e.action == "sign_in_failed")
    assert failed.role == "" and "client" in failed.filters
    view = next(e for e in new if e.target == "support_signals")
    assert view.page == "principal_support" and view.rows > 0 and view.filters["lukuvuosi"] == 2026
    assert log.verify() == (True, None)


def test_admin_searches_the_log_and_sees_the_chain_is_intact(demo_env):
    login("opettaja", "väärin")
    at = login("admin")
    at.switch_page("pages/admin_access_log.py").run()
    assert not at.exception
    assert t("accesslog.intact") in [s.value for s in at.success]
    at.text_input(key="al_user").input("opettaja").run()
    table = at.dataframe[0].value
    assert len(table) >= 1 and set(table[t("col.user")]) == {"opettaja"}
    assert "sign_in_failed" in set(table[t("col.action")])
    # reading the log is itself logged
    log = AccessLog(demo_env / "state" / "access_log.sqlite")
    assert any(e.username == "admin" and e.target == "access_log" for e in log.entries(limit=50))


def test_no_application_code_can_change_the_log():
    """Only tilannekuva/audit.py touches the access_log table, and it only inserts."""
    offenders = []
    for path in [*Path(PROJECT_ROOT, "tilannekuva").rglob("*.py"), *Path(PROJECT_ROOT, "views").rglob("*.py"),
                 *Path(PROJECT_ROOT, "pages").rglob("*.py"), Path(PROJECT_ROOT, "app.py")]:
        text = path.read_text(encoding="utf-8").lower()
        if "access_log" in text and any(k in text for k in ("update access_log", "delete from access_log",
                                                            "drop table access_log", "drop trigger")):
            offenders.append(path.name)
    assert offenders == []
