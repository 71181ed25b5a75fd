"""A real Streamlit server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import time
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


# Two more engines besides axe-core, injected into the page like axe (installed by `make test` from
# tests/a11y/package-lock.json with `npm ci`; nothing is downloaded while the tests run).
ENGINES = PROJECT_ROOT / "tests" / "a11y" / "node_modules"
HTMLCS_JS = ENGINES / "html_codesniffer" / "build" / "HTMLCS.js"
ACE_JS = ENGINES / "accessibility-checker-engine" / "ace.js"
# HTML_CodeSniffer's built-in standard (WCAG 2.1 A + AA success criteria) and IBM's WCAG 2.1 A/AA rule set.
HTMLCS_STANDARD = "WCAG2AA"
ACE_RULESET = "WCAG_2_1"


def _engine(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path} is missing: `make test` installs it (or: cd tests/a11y && npm ci)")
    return str(path)


def _timed(name: str, run):
    started = time.perf_counter()
    found = run()
    print(f"[a11y] {name}: {time.perf_counter() - started:.2f} s, {len(found)} errors")
    return found


def codesniffer_errors(page) -> list[str]:
    """HTML_CodeSniffer (WCAG2AA) on the page as it is now: its errors (type 1; warnings and notices are
    manual checks), one line each: the code (…Principle4.Guideline4_1.4_1_1.F77 = duplicate id), the
    message and the start of the element's HTML."""

    def run():
        if not page.evaluate("typeof window.HTMLCS !== 'undefined'"):
            page.add_script_tag(path=_engine(HTMLCS_JS))
        return page.evaluate(
            """(standard) => new Promise((resolve, reject) => {
                HTMLCS.process(standard, document, () => {
                    resolve(HTMLCS.getMessages().filter((m) => m.type === HTMLCS.ERROR).map((m) => {
                        const el = m.element;
                        const html = el && el.outerHTML ? el.outerHTML : (el && el.nodeName) || "";
                        return `${m.code}: ${m.msg} — ${html.slice(0, 160)}`;
                    }));
                }, () => reject(new Error("HTML_CodeSniffer could not load " + standard)), "en");
            })""",
            HTMLCS_STANDARD,
        )

    return _timed("HTML_CodeSniffer", run)


def equal_access_errors(page) -> list[str]:
    """IBM Equal Access (accessibility-checker-engine, rule set WCAG 2.1 A/AA) on the page as it is now: the
    results whose value is [VIOLATION, FAIL] (not the potential violations or recommendations that need a
    person), one line each: ruleId, message, the element's XPath and the start of its HTML."""

    def run():
        if not page.evaluate("typeof window.ace !== 'undefined'"):
            page.add_script_tag(path=_engine(ACE_JS))
        return page.evaluate(
            """async (ruleset) => {
                const report = await new ace.Checker().check(document, [ruleset]);
                if (!report.results) throw new Error("IBM Equal Access: no results for " + ruleset);
                return report.results
                    .filter((r) => r.value[0] === "VIOLATION" && r.value[1] === "FAIL")
                    .map((r) => `${r.ruleId}: ${r.message} — ${r.path.dom} ${(r.snippet || "").slice(0, 120)}`);
            }""",
            ACE_RULESET,
        )

    return _timed("IBM Equal Access", run)
