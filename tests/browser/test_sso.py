"""Single sign-on end to end, offline: Streamlit's st.login against oidc-provider-mock on 127.0.0.1.
An identity whose e-mail is mapped in the users file reaches its role's pages; an unmapped identity
reaches none and is told why. Both are in the access log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import _free_port, settle, shot
from tilannekuva.audit import AccessLog
from tilannekuva.settings import PROJECT_ROOT


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
    users["users"]["rehtori"]["email"] = "rehtori@kaupunki.example"          # the mapping under test
    users_file.write_text(yaml.safe_dump(users, allow_unicode=True))
    idp_port, app_port = _free_port(), _free_port()
    secrets = home / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "test-cookie-secret-that-is-long-enough-1234567890"
client_id = "tilannekuva"
client_secret = "tilannekuva-secret"
server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"
''')
    idp_log, app_log = home / "idp.log", home / "server.log"
    idp = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)],
                           stdout=open(idp_log, "w"), stderr=subprocess.STDOUT)
    _wait(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, idp_log)
    env = {**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home), "TILANNEKUVA_SSO": "true"}
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={app_port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
         f"--secrets.files={secrets}"], cwd=PROJECT_ROOT, env=env, stdout=open(app_log, "w"), stderr=subprocess.STDOUT)
    _wait(f"http://127.0.0.1:{app_port}/_stcore/health", app, app_log)
    yield {"base": f"http://127.0.0.1:{app_port}", "home": home, "log": app_log}
    for proc in (app, idp):
        proc.terminate()
        proc.wait(timeout=20)


def _sso_login(page, base: str, identity: str) -> None:
    page.goto(base)
    settle(page)
    page.get_by_role("button", name="Kirjaudu kaupungin tunnuksella (Microsoft)").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', identity)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**", timeout=30_000)
    settle(page)


def test_a_mapped_identity_reaches_its_roles_pages(sso_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    page = context.new_page()
    _sso_login(page, sso_server["base"], "rehtori@kaupunki.example")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Yksikköni")).to_be_visible(timeout=30_000)
    expect(nav.get_by_text("Käyttöloki")).to_have_count(0)
    shot(page, "sso-principal")
    entries = AccessLog(sso_server["home"] / "state" / "access_log.sqlite").entries(username="rehtori")
    assert any(e.action == "sign_in" and e.filters.get("method") == "sso" for e in entries)
    context.close()


def test_an_unmapped_identity_reaches_no_page(sso_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    page = context.new_page()
    _sso_login(page, sso_server["base"], "tuntematon@kaupunki.example")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("Kaupungin tunnuksellesi ei ole määritetty roolia")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    entries = AccessLog(sso_server["home"] / "state" / "access_log.sqlite").entries()
    assert any(e.action == "sign_in_unmapped" and e.username == "tuntematon@kaupunki.example" for e in entries)
    context.close()
