"""Every page of every demo role, in Finnish, Swedish and English, in a real browser.

For each (role, language): sign in with the browser's locale set to the language, open each of the
role's pages and the accessibility statement from the menu, and check the page's own content in that language,
the document's `lang` and title, that no catalog key leaks untranslated, that nothing failed, and
three accessibility engines: axe-core's WCAG 2.1 A/AA + best-practice check (zero serious or critical
violations), HTML_CodeSniffer's WCAG2AA errors and IBM Equal Access's WCAG 2.1 violations (zero of both;
no engine finds everything, test_a11y_engines shows which finds what); keep a
screenshot (tests/browser/artifacts/walk-<lang>-<user>-<page>.png). Then try the other
roles' pages by URL: none of them opens. No request may leave the server (no fonts, icons or
telemetry from elsewhere) (all of them in Finnish; each other role's landing page in
Swedish and English, to keep the suite a few minutes long).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    accessibility_violations,
    codesniffer_errors,
    equal_access_errors,
    settle,
    shot,
    sign_in,
)
from tilannekuva.access import load_policy
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import LANGUAGES, catalog, t
from tilannekuva.settings import PROJECT_ROOT

POLICY = load_policy(PROJECT_ROOT / "roles.yaml")
USERS = {"johto": "sector_lead", "rehtori": "principal", "opettaja": "teacher", "admin": "admin"}
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
STATEMENT = "saavutettavuus"
# A heading each page must show, as a catalog key (the text before any {placeholder} is matched):
# most pages are titled with their own name; a principal's pages with the unit's name, then this.
MARKERS = {
    "sector_overview": "page.sector_overview",
    "sector_scorecard": "page.sector_scorecard",
    "sector_metric": "metric.M1.name",
    "sector_support": "page.sector_support",
    "sector_units": "page.sector_units",
    "principal_unit": "page.principal_unit",
    "principal_staff": "staff.training_header",
    "principal_support": "psupport.signals_header",
    "principal_eservices": "page.principal_eservices",
    "teacher_groups": "page.teacher_groups",
    "teacher_watch": "page.teacher_watch",
    "teacher_me": "page.teacher_me",
    "admin_status": "page.admin_status",
    "admin_loads": "page.admin_loads",
    "admin_access_log": "page.admin_access_log",
    "admin_users": "page.admin_users",
    "metric_catalogue": "page.metric_catalogue",
    "my_notifications": "page.my_notifications",
    STATEMENT: "page.accessibility",
}
KEYS = {k for lang in LANGUAGES for k in catalog(lang)}
SIDEBAR_BUTTON = 'button[aria-controls="stSidebar"]'


def engine_errors(page) -> list[str]:
    """What the three engines find on the page as it is now (axe: serious or critical), and Streamlit's sidebar
    button if it is not named in the page's language. That button (shown while the pointer is over the
    sidebar) was named "Collapse sidebar" in every language and its only text was its icon's ligature
    "keyboard_double_arrow_left": IBM's label_name_visible on every page (24 in Finnish) until views/chrome.py
    named it and moved the ligature to CSS."""
    found = [
        *(f"axe {line}" for line in accessibility_violations(page)),
        *(f"HTML_CodeSniffer {line}" for line in codesniffer_errors(page)),
        *(f"IBM {line}" for line in equal_access_errors(page)),
    ]
    lang = page.evaluate("document.documentElement.lang")
    expected = {t("chrome.sidebar_collapse", lang), t("chrome.sidebar_expand", lang)}
    for name in page.locator(SIDEBAR_BUTTON).evaluate_all("buttons => buttons.map(b => b.getAttribute('aria-label'))"):
        if name not in expected:
            found.append(f"sidebar button named {name!r}, not in {lang}")
    return found


def marker(page_id: str, lang: str) -> str:
    return t(MARKERS[page_id], lang, **_blank_values(MARKERS[page_id])).split("{")[0].strip()


def _blank_values(key: str) -> dict:
    return {name: "" for name in re.findall(r"{(\w+)}", catalog("fi")[key])}


def headings(page) -> list[str]:
    return [h.strip() for h in page.locator('[data-testid="stMain"] :is(h1, h2, h3)').all_inner_texts()]


def leaked_keys(page) -> set[str]:
    """Catalog keys shown as text: what t() returns for a key no catalog has."""
    return set(re.split(r"[\s\"'(),:;]+", page.locator('[data-testid="stMain"]').inner_text())) & KEYS


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("user", list(USERS))
def test_every_page_of_the_role_in_the_language(server, browser, user, lang):
    base = server["base"]
    # Tall, so that the screenshot holds the whole page (Streamlit scrolls a div, not the document).
    context = browser.new_context(viewport={"width": 1366, "height": 2200}, locale=LOCALES[lang])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Pupils' data is on these pages: the browser must not fetch anything from outside the server.
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((base, "data:", "blob:", "about:")) else errors.append("outside request: " + r.url)
        ),
    )
    try:
        sign_in(page, base, user, DEMO_PASSWORDS[user], lang=lang)
        own = [*POLICY.roles[USERS[user]].pages, STATEMENT]
        for i, page_id in enumerate(own):
            if i:  # through the menu, as users move; deep links after a reload are test_roles' and test_fresh_server's
                title = t(f"page.{page_id}" if page_id != STATEMENT else "page.accessibility", lang)
                # The whole name: has_text alone matched "Mittarit" inside "Strategiamittarit".
                page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
            settle(page)
            assert page.get_by_text("Page not found").count() == 0, page_id
            expected = marker(page_id, lang)
            try:
                expect(
                    page.locator('[data-testid="stMain"] :is(h1, h2, h3)')
                    .filter(has_text=re.compile(re.escape(expected)))
                    .first
                ).to_be_visible(timeout=30_000)
            except AssertionError:
                shot(page, f"FAILED-walk-{lang}-{user}-{page_id}")
                raise AssertionError(
                    f"{page_id} ({lang}): no heading {expected!r}; headings {headings(page)}; "
                    f"server log: {server['log'].read_text()[-1500:]}"
                ) from None
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0, (page_id, lang)
            assert page.evaluate("document.documentElement.lang") == lang, page_id
            title = t(f"page.{page_id}" if page_id != STATEMENT else "page.accessibility", lang)
            assert page.title() == f"{title} – {t('app.title', lang)}", page_id
            assert not leaked_keys(page), (page_id, lang, leaked_keys(page))
            if lang != "fi" and marker(page_id, "fi") != expected:
                assert not [h for h in headings(page) if marker(page_id, "fi") in h], (page_id, lang)
            shot(page, f"walk-{lang}-{user}-{page_id}")
            assert engine_errors(page) == [], (page_id, lang)

        others = [
            p
            for role, spec in POLICY.roles.items()
            if role != USERS[user]
            for p in (spec.pages if lang == "fi" else spec.pages[:1])
            if p not in own  # the Mittarit page is every role's
        ]
        for page_id in others:
            page.goto(f"{base}/{page_id}")
            settle(page)
            assert not [h for h in headings(page) if marker(page_id, lang) in h], (user, page_id)
        assert errors == [], errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_out_pages_pass_the_check_and_the_statement_is_public(server, browser, lang):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=LOCALES[lang])
    page = context.new_page()
    page.goto(server["base"])
    settle(page)
    expect(page.get_by_label(t("login.username", lang), exact=True)).to_be_visible(timeout=20_000)
    assert page.evaluate("document.documentElement.lang") == lang
    assert engine_errors(page) == []
    shot(page, f"walk-{lang}-login")
    page.get_by_role("link", name=t("page.accessibility", lang)).click()
    settle(page)
    expect(page.get_by_role("heading", name=t("page.accessibility", lang), exact=True)).to_be_visible()
    assert engine_errors(page) == []
    shot(page, f"walk-{lang}-statement-signed-out")
    context.close()


def test_the_accessibility_check_fails_on_a_broken_page(server, context):
    """The check is real: faint text and an image without a text alternative, added to a page
    that passes, are reported as serious/critical violations."""
    page = context.new_page()
    page.goto(f"{server['base']}/{STATEMENT}")
    settle(page)
    assert accessibility_violations(page) == []
    page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const p = document.createElement('p'); p.textContent = 'Haalea teksti'; p.style.color = '#c8c8c8';
        const img = document.createElement('img'); img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
        img.width = 20; img.height = 20;
        main.prepend(p, img);
    }""")
    found = " ".join(accessibility_violations(page))
    assert "color-contrast" in found and "image-alt" in found
