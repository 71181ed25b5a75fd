"""A real Streamlit server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, chromium, serve, settle  # noqa: F401
from tests.helpers import browser_sign_in as sign_in  # noqa: F401 - the browser tests import it from here
from tests.helpers import free_port as _free_port  # noqa: F401
from tilannekuva.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "tests" / "browser" / "artifacts"


@pytest.fixture(scope="module")
def server(demo_home, tmp_path_factory, request):
    """A freshly started server per test module (so 'before any session ran app.py' is real); a module
    may set SERVER_ENV (extra environment, e.g. TILANNEKUVA_* settings) for it."""
    yield from start_server(demo_home, tmp_path_factory, getattr(request.module, "SERVER_ENV", {}))


def start_server(demo_home, tmp_path_factory, extra_env: dict):
    """Start a demo server on its own copy of the demo data; yields {"base", "home", "log"}, stops it after."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    home = tmp_path_factory.mktemp("browser-home")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    yield from serve(home, extra_env)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    yield ctx
    ctx.close()


def shot(page, name: str, full_page: bool = False) -> None:
    """A screenshot kept as a test artefact (tests/browser/artifacts/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


AXE_RULES = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


def accessibility_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core (WCAG 2.1 A/AA and best practice) on the page as it is now: the violations of the
    given impact, one line each with the first offending elements."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=AXE_RULES).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]
