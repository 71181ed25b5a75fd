"""The admin's access-log page and the events behind it: sign-ins (success, failure, throttled),
pupil-list views with scope and row counts, and the log's own integrity."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import login, open_as, tables_of, truth
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT


def test_sign_ins_and_pupil_views_are_logged_with_their_fields(demo_env, principals):
    log = AccessLog(state_db(demo_env, "access_log"))
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
    assert len(view.subjects) == view.rows  # which pupils, for "who looked at this pupil"
    someone = view.subjects[0]
    assert view.entry_id in {e.entry_id for e in log.entries(pupil_id=someone)}
    assert log.verify() == (True, None)


def test_admin_searches_the_log_and_sees_the_chain_is_intact(demo_env):
    login("opettaja", "väärin")
    at = login("admin")
    at.switch_page("pages/admin_access_log.py").run()
    assert not at.exception
    assert t("accesslog.intact") in [s.value for s in at.success]
    at.text_input(key="al_user").input("opettaja").run()
    table = tables_of(at)[0].value
    assert len(table) >= 1 and set(table[t("col.user")]) == {"opettaja"}
    assert t("action.sign_in_failed") in set(table[t("col.action")])  # codes read as words
    at.text_input(key="al_user").input("").run()
    at.text_input(key="al_pupil").input("kissa").run()
    assert t("accesslog.pupil_bad") in [w.value for w in at.warning]
    # reading the log is itself logged
    log = AccessLog(state_db(demo_env, "access_log"))
    assert any(e.username == "admin" and e.target == "access_log" for e in log.entries(limit=50))


def test_no_application_code_can_change_the_log():
    """No application file updates or deletes log rows, except audit.py's retention (prune), which the
    triggers confine to entries behind an anchor (tests/unit/test_audit.py)."""
    audit_text = Path(PROJECT_ROOT, "tilannekuva", "audit.py").read_text(encoding="utf-8").lower()
    before_prune, _, rest = audit_text.partition("def prune(")
    prune_body, _, after_prune = rest.partition("\n    def ")
    assert "delete from" not in before_prune + after_prune and "update access_log" not in audit_text
    offenders = []
    for path in [
        *(p for p in Path(PROJECT_ROOT, "tilannekuva").rglob("*.py") if p.name != "audit.py"),
        *Path(PROJECT_ROOT, "views").rglob("*.py"),
        *Path(PROJECT_ROOT, "pages").rglob("*.py"),
        Path(PROJECT_ROOT, "app.py"),
    ]:
        text = path.read_text(encoding="utf-8").lower()
        if "access_log" in text and any(
            k in text for k in ("update access_log", "delete from access_log", "drop table access_log", "drop trigger")
        ):
            offenders.append(path.name)
    assert offenders == []


def test_see_what_this_user_sees_shows_exactly_that_users_scope(demo_env, principals, monkeypatch):
    from tests.conftest import OfferedDownloads, xlsx_parts

    downloads = OfferedDownloads(monkeypatch)
    at = open_as("admin")
    at.switch_page("pages/admin_users.py").run()
    assert not at.exception
    users = tables_of(at)[0].value
    assert {"johto", "rehtori", "opettaja"} <= set(users[t("col.user")])
    at.selectbox(key="tk_view_as_pick").set_value("rehtori").run()
    next(b for b in at.button if b.label == t("users.view_as_start")).click().run()
    # The app is now rehtori's: their pages, their unit, their scope (the banner and the stop button
    # live in app.py's sidebar, which AppTest does not keep across a page switch: see the browser test).
    at.switch_page("pages/admin_access_log.py").run()  # not one of rehtori's pages: refused
    assert [e.value for e in at.error] == [t("guard.forbidden")] and not tables_of(at)
    at.switch_page("pages/principal_unit.py").run()
    unit = principals["rehtori"].unit_ids[0]
    ((name,),) = truth(demo_env, "select name from dim_unit where unit_id = $u", u=unit)
    assert not at.exception and at.title[0].value == name
    downloads.clear()
    at.switch_page("pages/principal_support.py").run()
    assert not at.exception and at.title[0].value == name
    # The named support-signal list is shown but not offered for download (read-only view) …
    offered = [name for name, _ in downloads.offered]
    assert not [f for f in offered if f.startswith("tukisignaalit-")], offered
    assert t("viewas.no_downloads") in [c.value for c in at.caption]
    # … while the aggregates still are. An Excel file made while viewing as rehtori says who really
    # downloaded it: the admin.
    meta, _ = xlsx_parts(next(data for fname, data in downloads.produced() if fname.endswith(".xlsx")))
    made = [line for line in meta if line.startswith(t("export.made", user="", date="").split("{")[0][:8])]
    admin_name = at.session_state["tk_principal"].display_name
    assert made and admin_name in made[0] and "rehtori" not in made[0].lower(), meta
    log = AccessLog(state_db(demo_env, "access_log"))
    started = next(e for e in log.entries(limit=100) if e.action == "view_as")
    assert started.username == "admin" and started.target == "rehtori" and started.filters["units"] == [unit]
    signals = next(e for e in log.entries(limit=100) if e.target == "support_signals")
    assert signals.filters["units"] == [unit]  # logged with the scope actually used,
    assert signals.username == "admin" and signals.filters["viewed_as"] == "rehtori"  # as the admin who looked


def test_admin_sees_the_threshold_and_how_many_cells_were_hidden(demo_env):
    lead = open_as("johto")
    lead.switch_page("pages/sector_overview.py").run()
    lead.query_params["kieli"] = "sv"
    lead.query_params["sektori"] = "lukio"
    lead.run()
    at = login("admin")
    assert not at.exception
    assert any("**5**" in m.value for m in at.markdown)
    stats = next(df.value for df in tables_of(at) if t("col.hidden_cells") in df.value.columns)
    row = stats[stats[t("col.figure")] == t("query.pupils_by_year_and_area")]  # in words (issue 18 item 16)
    assert row[t("col.pages")].iloc[0] == t("page.sector_overview")
    assert len(row) == 1 and row[t("col.loads")].iloc[0] >= 1


def test_admin_confirms_a_pending_single_sign_on_link_and_it_is_logged(demo_env):
    from tilannekuva.identities import Identity, IdentityLinks

    links = IdentityLinks(state_db(demo_env, "identities"))
    identity = Identity("entra:tenant-1:oid-opettaja", "opettaja@kaupunki.example", "Olli ![x](http://a.example/x.png)")
    links.request(identity, "opettaja")
    try:
        at = login("admin")
        at.switch_page("pages/admin_users.py").run()
        assert not at.exception
        pending = tables_of(at)[-1].value
        assert identity.display_name in pending.to_string()  # shown as a table cell: plain text
        at.button(key="tk_sso_confirm").click().run()
        assert links.username_for(identity.key) == "opettaja" and links.pending() == []
        assert any("opettaja" in s.value for s in at.success)
        entry = AccessLog(state_db(demo_env, "access_log")).entries(username="admin")[0]
        assert (entry.action, entry.target, entry.filters["identity"]) == (
            "link_identity",
            "user:opettaja",
            identity.key,
        )
    finally:
        links.unlink("opettaja")
