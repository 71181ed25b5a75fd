"""A real Streamlit server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tilannekuva.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("TILANNEKUVA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "tests" / "browser" / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_home, tmp_path_factory, request):
    """A freshly started server per test module (so 'before any session ran app.py' is real); a module
    may set SERVER_ENV (extra environment, e.g. TILANNEKUVA_* settings) for it."""
    yield from start_server(demo_home, tmp_path_factory, getattr(request.module, "SERVER_ENV", {}))


def start_server(demo_home, tmp_path_factory, extra_env: dict):
    """Start a demo server on its own copy of the demo data; yields {"base", "log"}, stops it after."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    home = tmp_path_factory.mktemp("browser-home")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    port = _free_port()
    env = {**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home), **extra_env}
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not start: " + (home / "server.log").read_text()[-2000:])
    yield {"base": base, "log": home / "server.log"}
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    yield ctx
    ctx.close()


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit is connected and no script is running (twice: reruns follow logins)."""
    for _ in range(2):
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
        page.wait_for_timeout(400)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def sign_in(page, base: str, username: str, password: str, lang: str = "fi") -> None:
    """Fill and submit the login form (labelled in `lang`, the language the browser's locale asks
    for). Nothing reruns the login page by itself (no cookie component), so one click must do: a
    form still there with no message after it fails the wait below."""
    from tilannekuva.i18n import t

    page.goto(base)
    settle(page)
    page.get_by_label(t("login.username", lang), exact=True).fill(username)
    page.get_by_label(t("login.password", lang), exact=True).fill(password)
    page.get_by_role("button", name=t("login.submit", lang)).click()
    settle(page)
    # Signed in (the form is gone) or a real answer (wrong password, throttled, no role) for the test.
    page.locator('[data-testid="stSidebar"] [data-testid="stButton"], [data-testid="stMain"] [data-testid="stAlert"]'
                 ).first.wait_for(timeout=30_000)
    settle(page)


def shot(page, name: str, full_page: bool = False) -> None:
    """A screenshot kept as a test artefact (tests/browser/artifacts/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


AXE_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
             "resultTypes": ["violations"]}


def accessibility_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core (WCAG 2.1 A/AA and best practice) on the page as it is now: the violations of the
    given impact, one line each with the first offending elements."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=AXE_RULES).response
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in impacts]
