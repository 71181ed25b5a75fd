"""Issue 16, attacks 1 and 3 in a real browser, on a city whose names are hostile (tests/security/conftest.py
loads them through `tilannekuva ingest`).

1. Every page of every role: no request leaves the server, no link or image in the DOM (Plotly's SVG
   included) points outside, and the hostile names are on the page as the text they are.
3a. A personal-data table offers no browser-side "Download as CSV".
3b. A download exists only after a logged click (no /media URL reaches the browser before it), and its
    /media URL stops answering — without a cookie, and after logout — `download_seconds` later.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tests.helpers import chromium, truth
from tests.security.conftest import (
    DOWNLOAD_SECONDS,
    HOSTILE_DISTRICT,
    HOSTILE_GROUP,
    HOSTILE_HEADER,
    HOSTILE_UNIT,
    OUTSIDE,
)
from tilannekuva.access import load_policy
from tilannekuva.audit import AccessLog
from tilannekuva.catalogue import catalogue
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t
from tilannekuva.inert import WORD_JOINER
from tilannekuva.settings import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # with the other browser tests

POLICY = load_policy(PROJECT_ROOT / "roles.yaml")
USERS = {"johto": "sector_lead", "rehtori": "principal", "opettaja": "teacher", "admin": "admin"}

# Every link and image the page holds, in HTML and SVG (Plotly's tick labels and legends are SVG).
LINKS_JS = """() => {
  const found = [];
  const roots = [document];
  for (const frame of document.querySelectorAll('iframe')) {
    try { if (frame.contentDocument) roots.push(frame.contentDocument); } catch (e) {}
  }
  for (const root of roots) {
    for (const el of root.querySelectorAll('a, img, image, source, video, audio, iframe, use, link, script')) {
      for (const attr of ['href', 'src', 'xlink:href', 'srcset']) {
        const value = el.getAttribute(attr);
        if (value) found.push(el.tagName.toLowerCase() + ' ' + attr + '=' + value);
      }
    }
  }
  return found;
}"""

# What each role must see of the payloads, as text (proof that the names reached the page at all).
SEEN = {
    "johto": [HOSTILE_UNIT, HOSTILE_DISTRICT],
    "rehtori": [HOSTILE_UNIT, HOSTILE_GROUP],
    "opettaja": [HOSTILE_GROUP],  # pupils' names are in tables (plain text in a canvas)
    "admin": [HOSTILE_HEADER],
}


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


# The only addresses outside the app a page may link to: the city's guidance documents, from the metric
# catalogue (configuration, never source data: the Mittarit page and each metric's explanation link them).
GUIDANCE = frozenset(catalogue().guidance_urls.values())


def _outside(entry: str, base: str) -> bool:
    value = entry.split("=", 1)[1]
    if OUTSIDE in value:
        return True
    if entry.startswith("a href=") and value in GUIDANCE:
        return False
    return bool(re.match(r"^(https?:)?//", value)) and not value.startswith(base)


def _text(page) -> str:
    """The page's visible text (main area, sidebar, chart SVG), without the word joiners md() adds."""
    return page.evaluate(
        "() => document.body.innerText + ' ' + Array.from("
        "document.querySelectorAll('svg text')).map(e => e.textContent).join(' ')"
    ).replace(WORD_JOINER, "")


def _wait_for_charts(page) -> None:
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i in range(charts.count()):
        charts.nth(i).locator(".main-svg").first.wait_for(state="attached", timeout=30_000)


def _deep_links(home) -> dict[str, list[str]]:
    """Pages opened by URL as well: the sector lead's unit view (title, header, breadcrumb of a unit and
    its district) — the menu opens it without a unit."""
    ((unit_id, district_id),) = truth(
        home, "select unit_id, district_id from dim_unit where sector = 'perusopetus' order by unit_id limit 1"
    )
    return {"johto": [f"sector_units?yksikko={unit_id}&alue={district_id}", f"sector_overview?alue={district_id}"]}


@pytest.mark.parametrize("user", list(USERS))
def test_hostile_names_stay_text_on_every_page_of_every_role(hostile_server, browser, user):
    base = hostile_server["base"]
    context = browser.new_context(viewport={"width": 1366, "height": 2000}, locale="fi-FI")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((base, "data:", "blob:", "about:")) else outside.append(r.url)
    )
    seen = ""
    links: list[str] = []
    try:
        sign_in(page, base, user, DEMO_PASSWORDS[user])
        pages = POLICY.roles[USERS[user]].pages
        for i, page_id in enumerate(pages):
            if i:
                page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t(f"page.{page_id}")).first.click()
            settle(page)
            _wait_for_charts(page)
            assert page.locator('[data-testid="stException"]').count() == 0, page_id
            links += [f"{page_id}: {e}" for e in page.evaluate(LINKS_JS) if _outside(e, base)]
            seen += _text(page)
            shot(page, f"hostile-{user}-{page_id}")
        for path in _deep_links(hostile_server["home"]).get(user, []):
            page.goto(f"{base}/{path}")
            settle(page)
            _wait_for_charts(page)
            links += [f"{path}: {e}" for e in page.evaluate(LINKS_JS) if _outside(e, base)]
            seen += _text(page)
            shot(page, f"hostile-{user}-{path.split('?')[0]}-deep")
    finally:
        context.close()
    assert not links and not outside, (
        f"{len(links)} links/images pointing outside: {sorted(set(links))}; "
        f"{len(outside)} requests to outside: {sorted(set(outside))}"
    )
    for payload in SEEN[user]:
        assert " ".join(payload.split()) in " ".join(seen.split()), (user, payload)


def test_personal_data_tables_offer_no_browser_side_download(hostile_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 1200}, locale="fi-FI")
    page = context.new_page()
    try:
        sign_in(page, hostile_server["base"], "rehtori", DEMO_PASSWORDS["rehtori"])
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t("page.principal_support")).first.click()
        settle(page)
        # The support-signal pupil list is a real table (issue 22): no grid and its toolbar's own CSV download.
        table = page.locator('[data-testid="stMain"] [data-testid="stTable"]').first
        expect(table).to_be_visible(timeout=30_000)
        table.hover()
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        assert page.get_by_role("button", name="Download as CSV").count() == 0
    finally:
        context.close()


def _fetch(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status  # no cookie, no session
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_download_exists_only_after_a_logged_click_and_its_url_expires(hostile_server, browser, tmp_path):
    base = hostile_server["base"]
    log = AccessLog(hostile_server["home"] / "state" / "access_log.sqlite")
    context = browser.new_context(viewport={"width": 1366, "height": 1200}, locale="fi-FI", accept_downloads=True)
    page = context.new_page()
    media_before_click: list[str] = []
    clicked = False

    def frames(ws):
        ws.on(
            "framereceived",
            lambda payload: (
                None
                if clicked or not isinstance(payload, bytes)
                else media_before_click.extend(re.findall(rb"/media/[0-9a-f]+\.(?:csv|xlsx)", payload))
            ),
        )

    page.on("websocket", frames)
    try:
        sign_in(page, base, "rehtori", DEMO_PASSWORDS["rehtori"])
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t("page.principal_support")).first.click()
        settle(page)
        exports_before = [e for e in log.entries("rehtori") if e.action == "export"]
        # Rendered, not clicked: no file was made, so no URL to one reached the browser.
        assert media_before_click == [], media_before_click
        assert [e for e in log.entries("rehtori") if e.action == "export"] == exports_before
        clicked = True
        with page.expect_download() as download:
            page.get_by_role("button", name=t("table.download_csv")).first.click()
        url = download.value.url
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert "/media/" in url and path.read_bytes().decode("utf-8-sig").count("'=HYPERLINK(") > 0
        exports = [e for e in log.entries("rehtori") if e.action == "export"]
        assert len(exports) == len(exports_before) + 1
        entry = exports[0]
        assert entry.target == "support_signals" and entry.filters["format"] == "csv" and entry.rows > 0
        assert entry.subjects  # the pupils in the file, by id
        # The principal's Excel export of the same list: the surname is a string, never a formula.
        with page.expect_download() as download:
            page.get_by_role("button", name=t("table.download_xlsx")).first.click()
        xlsx_url = download.value.url
        xlsx = tmp_path / download.value.suggested_filename
        download.value.save_as(xlsx)
        with zipfile.ZipFile(xlsx) as z:
            sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/"))
        assert "<f>" not in sheets and "<hyperlink" not in sheets and "HYPERLINK(" in sheets
        assert [e.filters["format"] for e in log.entries("rehtori") if e.action == "export"][0] == "xlsx"
        page.get_by_role("button", name=t("login.logout")).click()
        settle(page)
        time.sleep(DOWNLOAD_SECONDS + 2)
        assert (_fetch(url), _fetch(xlsx_url)) == (404, 404)  # after logout, without a cookie
    finally:
        context.close()
