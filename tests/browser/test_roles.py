"""Each demo account signs in in a real browser, lands on its own page, and cannot open the others'.
Logout revokes the session server-side: a copied cookie no longer signs anyone in."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t


def metric_labels(page) -> list[str]:
    return [x.strip() for x in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()]


LANDING = {
    "johto": ("sector_overview", "Kaupungin tilannekuva", "Yhteensä 2026–2027"),
    "rehtori": ("principal_unit", "Yksikköni", "Yksikkö 2026–2027 (kesken)"),  # data end 20.11.2026
    "opettaja": ("teacher_groups", "Ryhmäni", "Ryhmiä"),
    "admin": ("admin_status", "Tietovaraston tila", "Rivejä yhteensä"),
}


@pytest.mark.parametrize("user", sorted(LANDING))
def test_each_account_sees_its_own_landing_page_only(server, context, user):
    page_id, heading, metric = LANDING[user]
    page = context.new_page()
    sign_in(page, server["base"], user, DEMO_PASSWORDS[user])
    main = page.locator('[data-testid="stMain"]')
    # Auto-waiting checks: the cookie component may still rerun the page once after sign-in.
    expect(main.locator("h1, h2").filter(has_text=re.compile(f"^{re.escape(heading)}$")).first).to_be_visible(
        timeout=20_000
    )
    expect(
        page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(f"^{re.escape(metric)}$")).first
    ).to_be_visible(timeout=20_000)
    settle(page)
    shot(page, f"landing-{user}")
    nav = (
        page.locator('[data-testid="stSidebarNav"]').inner_text()
        if page.locator('[data-testid="stSidebarNav"]').count()
        else ""
    )
    for other, (other_id, other_heading, other_metric) in LANDING.items():
        if other == user:
            continue
        assert other_heading not in nav
        page.goto(f"{server['base']}/{other_id}")
        settle(page)
        # Our own answer in the user's language, not Streamlit's English "Page not found" modal (issue 18.12).
        expect(page.locator('[data-testid="stMain"]').get_by_text(t("guard.forbidden"))).to_be_visible(timeout=20_000)
        assert page.get_by_text("Page not found").count() == 0
        assert other_metric not in metric_labels(page)
        headings = [
            h.strip() for h in page.locator('[data-testid="stMain"] h1, [data-testid="stMain"] h2').all_inner_texts()
        ]
        assert other_heading not in headings


def _session_entries(server) -> list[str]:
    from tilannekuva.audit import AccessLog

    log = AccessLog(server["home"] / "state" / "access_log.sqlite")
    return [e.action for e in log.entries("rehtori") if e.target == "session"]


def test_session_survives_a_reload_but_not_logout_and_a_copied_cookie_dies(server, browser, context):
    before = len(_session_entries(server))  # the module's server is shared: other tests sign rehtori in too
    page = context.new_page()
    sign_in(page, server["base"], "rehtori", DEMO_PASSWORDS["rehtori"])
    cookies = [c for c in context.cookies() if c["name"] == "tilannekuva_session"]
    assert cookies, "the session cookie was set"
    page.reload()
    settle(page)
    assert page.locator('[data-testid="stMetric"]').count() >= 1  # signed in again from the cookie
    # One sign-in, one entry: the reload is the same sign-in (issue 18 item 16: each reload added a 'sign_in')
    sessions = _session_entries(server)
    assert sessions[: len(sessions) - before] == ["sign_in"], sessions  # newest first: this test's entries
    page.get_by_role("button", name="Kirjaudu ulos").click()
    settle(page)
    # Auto-waiting: the previous run's form may still be on screen for a moment during a rerun.
    expect(page.get_by_label("Käyttäjätunnus", exact=True)).to_have_count(1, timeout=20_000)
    thief = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    try:
        thief.add_cookies(cookies)
        stolen = thief.new_page()
        stolen.goto(server["base"] + "/principal_unit")
        settle(stolen)
        shot(stolen, "copied-cookie-after-logout")
        expect(stolen.get_by_label("Käyttäjätunnus", exact=True)).to_have_count(1, timeout=20_000)
        assert stolen.locator('[data-testid="stMetric"]').count() == 0
    finally:
        thief.close()
    assert "refused a revoked session cookie of rehtori" in server["log"].read_text()


def test_a_tampered_cookie_is_refused_with_a_message(server, browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    try:
        forged = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VybmFtZSI6ImFkbWluIiwiZXhwX2RhdGUiOjQxMDI0NDQ4MDB9.bad"
        host = server["base"].split("//")[1].split(":")[0]
        ctx.add_cookies([{"name": "tilannekuva_session", "value": forged, "domain": host, "path": "/"}])
        page = ctx.new_page()
        page.goto(server["base"])
        settle(page)
        # auto-waiting: the cookie component reruns the page once after it mounts
        expect(page.get_by_label("Käyttäjätunnus")).to_have_count(1, timeout=20_000)
        expect(
            page.locator('[data-testid="stMain"]').get_by_text(re.compile("Istuntotietoa ei voitu vahvistaa"))
        ).to_be_visible(timeout=20_000)
    finally:
        ctx.close()


def test_a_deep_link_asks_to_sign_in_then_opens_that_page(server, context):
    """A link to a page (e-mailed by a colleague) before signing in: the sign-in form, not "Page not found";
    after signing in, the same address opens that page with its filters."""
    page = context.new_page()
    page.goto(f"{server['base']}/principal_support?lukuvuosi=2026")
    settle(page)
    assert page.get_by_text("Page not found").count() == 0
    page.get_by_label(t("login.username"), exact=True).fill("rehtori")
    page.get_by_label(t("login.password"), exact=True).fill(DEMO_PASSWORDS["rehtori"])
    page.get_by_role("button", name=t("login.submit")).click()
    settle(page)
    expect(page.locator('[data-testid="stMain"] h2').filter(has_text=t("psupport.support_header")).first).to_be_visible(
        timeout=30_000
    )
    assert "/principal_support" in page.url
