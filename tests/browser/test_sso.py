"""Single sign-on end to end, offline: Streamlit's st.login against oidc-provider-mock on 127.0.0.1.

Identities are bound by tenant + object id (tid + oid), never by the e-mail claim. Each case below
presents claims registered at the provider (PUT /users/<sub>): a linked identity reaches its role's
pages, also after its e-mail changed; another identity carrying the same e-mail, or one from another
tenant, reaches nothing; a pre-registered e-mail only creates a request the admin confirms; a display
name with Markdown stays inert. Every outcome is in the access log."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import _free_port, settle, shot
from tests.helpers import serve
from tilannekuva.audit import AccessLog
from tilannekuva.identities import IdentityLinks

TENANT = "6f1c2b9e-0000-4000-8000-000000000001"  # the city's tenant (configured)
OTHER_TENANT = "6f1c2b9e-0000-4000-8000-0000000000ff"
RECTOR_OID = "0b7e-rehtori"
EMAIL = "rehtori@kaupunki.example"


def _wait(url: str, proc: subprocess.Popen, log) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail("a server exited: " + log.read_text()[-2000:])
            time.sleep(0.2)
    pytest.fail("a server did not start: " + log.read_text()[-2000:])


@pytest.fixture(scope="module")
def sso_server(demo_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("sso-home")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    shutil.copytree(demo_home / "demo", home / "demo")
    users_file = home / "demo" / "users.yaml"
    users_file.chmod(0o644)
    users = yaml.safe_load(users_file.read_text())
    users["users"]["rehtori"]["email"] = EMAIL  # pre-registered, and linked below
    users["users"]["opettaja"]["email"] = "opettaja@kaupunki.example"  # pre-registered, not linked
    users_file.write_text(yaml.safe_dump(users, allow_unicode=True))
    IdentityLinks(home / "state" / "identities.sqlite").link("rehtori", f"entra:{TENANT}:{RECTOR_OID}", "test")
    idp_port, app_port = _free_port(), _free_port()
    secrets = home / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "test-cookie-secret-that-is-long-enough-1234567890"
client_id = "tilannekuva"
client_secret = "tilannekuva-secret"
server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"
""")
    idp_log = home / "idp.log"
    idp = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)],
        stdout=open(idp_log, "w"),
        stderr=subprocess.STDOUT,
    )
    _wait(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, idp_log)
    try:
        for served in serve(
            home,
            {"TILANNEKUVA_SSO": "true", "TILANNEKUVA_SSO_TENANT_ID": TENANT},
            port=app_port,
            args=(f"--secrets.files={secrets}",),
        ):
            yield {**served, "idp": f"http://127.0.0.1:{idp_port}"}
    finally:
        idp.terminate()
        idp.wait(timeout=20)


def _register(idp: str, sub: str, claims: dict) -> None:
    """The claims the provider puts in the ID token of `sub` (oidc-provider-mock's PUT /users/<sub>)."""
    request = urllib.request.Request(
        f"{idp}/users/{sub}",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).read()


def _entries(server, **kwargs):
    return AccessLog(server["home"] / "state" / "access_log.sqlite").entries(**kwargs)


def _sso_login(page, base: str, identity: str) -> None:
    page.goto(base)
    settle(page)
    for attempt in range(3):  # a click that lands in a rerun (the cookie component mounting) is lost
        page.get_by_role("button", name="Kirjaudu kaupungin tunnuksella (Microsoft)").click()
        try:
            page.wait_for_selector('input[name="sub"]', timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            if attempt == 2:
                raise
            settle(page)
    page.fill('input[name="sub"]', identity)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**", timeout=30_000)
    settle(page)


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    return context, context.new_page()


NAV = '[data-testid="stSidebarNav"]'
MAIN = '[data-testid="stMain"]'

# (case, sub at the provider, claims, expected: the page it reaches or the message it gets)
CASES = [
    (
        "linked identity",
        "rehtori-sub",
        {"email": EMAIL, "tid": TENANT, "oid": RECTOR_OID, "name": "Riitta Rehtori"},
        "Yksikköni",
    ),
    (
        "linked identity, e-mail changed",
        "rehtori-sub-2",
        {"email": "riitta.rehtori@uusi.example", "tid": TENANT, "oid": RECTOR_OID, "name": "Riitta Rehtori"},
        "Yksikköni",
    ),
    (
        "another identity with the rector's e-mail",
        "impostor",
        {"email": EMAIL, "tid": TENANT, "oid": "0b7e-impostor", "name": "Riitta Rehtori"},
        "Kaupungin tunnuksellesi ei ole määritetty roolia",
    ),
    (
        "the rector's ids from another tenant",
        "foreign",
        {"email": EMAIL, "tid": OTHER_TENANT, "oid": RECTOR_OID, "name": "Riitta Rehtori"},
        "tunnus ei ole kaupungin organisaatiosta",
    ),
    ("no tenant at all", "no-tenant", {"email": EMAIL, "oid": RECTOR_OID}, "tunnus ei ole kaupungin organisaatiosta"),
]


@pytest.mark.parametrize(("case", "sub", "claims", "expected"), CASES, ids=[c[0] for c in CASES])
def test_identities_are_bound_by_tenant_and_object_id(sso_server, browser, case, sub, claims, expected):
    _register(sso_server["idp"], sub, claims)
    context, page = _new_page(browser)
    _sso_login(page, sso_server["base"], sub)
    if expected == "Yksikköni":
        expect(page.locator(NAV).get_by_text("Yksikköni")).to_be_visible(timeout=30_000)
        expect(page.locator(NAV).get_by_text("Käyttöloki")).to_have_count(0)
        entry = _entries(sso_server, username="rehtori")[0]
        assert (entry.action, entry.filters["identity"]) == ("sign_in", f"entra:{TENANT}:{RECTOR_OID}")
        assert entry.filters["email"] == claims["email"]
    else:
        expect(page.locator(MAIN).get_by_text(expected)).to_be_visible(timeout=30_000)
        expect(page.locator(NAV)).to_have_count(0)
        assert _entries(sso_server)[0].action in ("sign_in_unmapped", "sign_in_foreign")
        assert not any(
            e.action == "sign_in" and e.filters.get("identity", "").endswith(sub)
            for e in _entries(sso_server, username="rehtori")
        )
    shot(page, "sso-" + sub)
    context.close()


def test_a_display_name_with_markdown_stays_inert(sso_server, browser):
    name = (
        "Riitta ![logo](http://attacker.example/track.png) [Kirjaudu uudelleen](http://attacker.example/login) "
        "<img src=http://attacker.example/x.png> **lihava**"
    )
    _register(sso_server["idp"], "rehtori-markdown", {"email": EMAIL, "tid": TENANT, "oid": RECTOR_OID, "name": name})
    context, page = _new_page(browser)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if "attacker.example" in r.url else None)
    _sso_login(page, sso_server["base"], "rehtori-markdown")
    expect(page.locator(NAV).get_by_text("Yksikköni")).to_be_visible(timeout=30_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("[Kirjaudu uudelleen]", exact=False)).to_be_visible()  # shown as text
    found = page.locator('a[href*="attacker.example"], img[src*="attacker.example"]')
    assert found.count() == 0, [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]
    assert "**lihava**" in sidebar.inner_text()  # no emphasis either
    assert outside == []
    context.close()


def test_a_pre_registered_email_only_asks_the_admin(sso_server, browser):
    sub = "opettaja-sub"
    key = f"entra:{TENANT}:0b7e-opettaja"
    _register(
        sso_server["idp"],
        sub,
        {"email": "Opettaja@Kaupunki.example", "tid": TENANT, "oid": "0b7e-opettaja", "name": "Olli Opettaja"},
    )
    context, page = _new_page(browser)
    _sso_login(page, sso_server["base"], sub)
    expect(page.locator(MAIN).get_by_text("Pääkäyttäjä on saanut liittämispyynnön")).to_be_visible(timeout=30_000)
    expect(page.locator(NAV)).to_have_count(0)
    links = IdentityLinks(sso_server["home"] / "state" / "identities.sqlite")
    assert [(p.identity, p.username) for p in links.pending()] == [(key, "opettaja")]
    assert links.username_for(key) is None
    context.close()
    links.confirm(key, linked_by="admin")  # the admin's act (the users page: tests/pages)
    context, page = _new_page(browser)
    _sso_login(page, sso_server["base"], sub)
    expect(page.locator(NAV).get_by_text("Ryhmäni", exact=True)).to_be_visible(timeout=30_000)
    context.close()


def _sign_in_linked(server, browser, sub: str):
    _register(server["idp"], sub, {"email": EMAIL, "tid": TENANT, "oid": RECTOR_OID, "name": "Riitta Rehtori"})
    context, page = _new_page(browser)
    _sso_login(page, server["base"], sub)
    expect(page.locator(NAV).get_by_text("Yksikköni")).to_be_visible(timeout=30_000)
    return context, page


def _age_sessions(server, seconds: float) -> None:
    """Make every open session look unused for `seconds` (as if the user had walked away)."""
    import sqlite3

    db = sqlite3.connect(server["home"] / "state" / "security.sqlite")
    db.execute("update login_session set last_seen_at = last_seen_at - ?", (seconds,))
    db.commit()
    db.close()


@pytest.mark.parametrize("how", ["revoked", "idle", "logged out in another tab"])
def test_an_ended_sso_session_does_not_come_back_from_the_providers_cookie(sso_server, browser, how):
    """The provider's cookie (Streamlit's, HttpOnly) outlives our session: a reload, a new tab or the
    other tab must not turn it into a new session once the sign-in ended — as with password sessions."""
    from tilannekuva.security import SecurityStore

    context, page = _sign_in_linked(sso_server, browser, f"rehtori-ended-{how.split()[0]}")
    other = context.new_page()
    other.goto(sso_server["base"])
    settle(other)
    expect(other.locator(NAV).get_by_text("Yksikköni")).to_be_visible(timeout=30_000)  # a tab of the same sign-in
    if how == "revoked":
        SecurityStore(sso_server["home"] / "state" / "security.sqlite").revoke("rehtori")  # e.g. users set-role
    elif how == "idle":
        _age_sessions(sso_server, 31 * 60)
    else:
        for _ in range(3):  # our session ends, then the provider's (a click lost in a rerun: again)
            button = other.get_by_role("button", name="Kirjaudu ulos")
            if "end_session" in other.url or button.count() == 0:
                break  # signed out already (a slow hand-over to the provider is not a lost click)
            button.click()
            try:
                other.wait_for_url("**/end_session**", timeout=30_000)
                break
            except Exception:  # noqa: BLE001 - playwright's TimeoutError
                settle(other)
        # The first tab is the same sign-in: its next click finds the session ended (no reload).
        # The URL changes in the browser at once; the rerun that checks the session may start after a
        # first look at the page under load (CI: seen signed in at 2 s), so wait for its answer.
        page.locator(NAV).get_by_text("Henkilöstö").click()
        settle(page)
        expect(page.locator(NAV)).to_have_count(0, timeout=30_000)  # "the first tab stayed signed in"
    for attempt in ("reload", "new tab"):
        target = page if attempt == "reload" else context.new_page()
        if attempt == "reload":
            page.reload()
        else:
            target.goto(sso_server["base"])
        # Refused: Streamlit's /auth/logout clears its cookie and hands over to the provider's end-session
        # page (or, with nothing left to end, the login page). Either way no page of ours is signed in.
        target.wait_for_timeout(2000)
        if "end_session" not in target.url:
            settle(target)
            assert target.locator(NAV).count() == 0, f"{how}: the {attempt} signed in again\n" + server_tail(sso_server)
        target.goto(sso_server["base"])
        settle(target)
        target.wait_for_timeout(1000)
        settle(target)
        assert target.locator(NAV).count() == 0, f"{how}: after the {attempt} the app signed in again"
        expect(target.get_by_role("button", name="Kirjaudu kaupungin tunnuksella (Microsoft)")).to_be_visible()
    assert any(e.action == "sign_in_refused" for e in _entries(sso_server, username="rehtori")) or how.startswith(
        "logged"
    )
    context.close()


def server_tail(server) -> str:
    return server["log"].read_text()[-3000:]
