"""Regression (issue 16, attack finding 2; brief: "Logging out ends the session on every route (reload, another tab…)"):
a download button's producer (`widgets.downloads`, on_click="ignore") runs in Streamlit's worker
without a rerun, so no guard runs and nothing checks that the session is still signed in. A teacher
signs out in one tab (staff-room computer); another tab of the same browser still shows the watch
list; the next person clicks its "Download CSV" and gets the named pupil list — and the access log
records it as an export BY THE TEACHER, after the teacher signed out. Reproduced by hand on the demo
city: seurantalista-2026.csv with the pupils' names and reasons, entry 34 'opettaja export watch_list'."""

import sqlite3
import time

import pytest

from tests.browser.conftest import browser, server, settle, sign_in  # noqa: F401  (fixtures)
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_stale_tab_cannot_download_after_sign_out(server, browser):  # noqa: F811
    base = server["base"]
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI", accept_downloads=True)
    try:
        first = ctx.new_page()
        sign_in(first, base, "opettaja", DEMO_PASSWORDS["opettaja"])
        second = ctx.new_page()
        second.goto(base + "/teacher_watch")
        settle(second)
        button = second.get_by_role("button", name=t("table.download_csv", "fi")).first
        assert button.count() == 1
        first.get_by_role("button", name=t("login.logout", "fi")).click()
        settle(first)
        first.get_by_label(t("login.username", "fi"), exact=True).wait_for(timeout=20_000)
        time.sleep(1)
        got = None
        try:
            with second.expect_download(timeout=10_000) as download:
                button.click()
            got = open(download.value.path(), encoding="utf-8-sig").read()
        except Exception:  # no file: what must happen
            pass
        assert got is None, f"a signed-out user's pupil list was downloaded from a stale tab: {got[:120]!r}"
        time.sleep(1)
        (log_file,) = server["log"].parent.rglob("access_log.sqlite")
        with sqlite3.connect(log_file) as db:
            exports = db.execute(
                "select count(*) from access_log where username = 'opettaja' and action = 'export' "
                "and entry_id > (select max(entry_id) from access_log where action = 'sign_out')"
            ).fetchone()[0]
        assert exports == 0, "an export was logged for a user who had signed out"
    finally:
        ctx.close()
