"""Exports, print and the remembered language, as a user meets them in Chromium.

* An Excel download of a chart's table starts with the chart's title, the filters, the data-as-of
  date and the suppression rule, and the download is written to the access log.
* The print button opens the print dialog on a page laid out for paper (no sidebar, no buttons),
  and the print is logged; Chromium's own PDF of that layout has the page in it.
* A language chosen in the sidebar is the user's language at the next sign-in, in a fresh browser.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tests.conftest import xlsx_parts
from tilannekuva.audit import AccessLog
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t


def access_log(server) -> AccessLog:
    return AccessLog(server["log"].parent / "state" / "access_log.sqlite")


def test_excel_download_has_title_filters_as_of_and_suppression_and_is_logged(server, context, tmp_path):
    page = context.new_page()
    sign_in(page, server["base"], "johto", DEMO_PASSWORDS["johto"])
    page.goto(f"{server['base']}/?sektori=perusopetus")
    settle(page)
    page.get_by_text(t("table.show")).first.click()
    with page.expect_download() as download:
        page.get_by_role("button", name=t("table.download_xlsx")).first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    settle(page)
    meta, table = xlsx_parts(path.read_bytes())
    assert meta[0] == t("overview.by_sector_title")
    assert t("filter.sector") + ": " + t("sector.perusopetus") in meta[1]
    assert meta[2].startswith(t("app.data_as_of", date="").split("{")[0][:10])
    assert meta[3].startswith(t("export.suppressed", threshold=5, hidden=0)[:20])
    assert table.columns[:3] == [t("col.school_year"), t("col.sector"), t("col.pupils")]
    exports = [e for e in access_log(server).entries("johto") if e.action == "export"]
    assert exports and exports[0].target == "lapset-ja-oppilaat-sektoreittain"
    assert exports[0].filters["format"] == "xlsx" and exports[0].filters["sektori"] == "perusopetus"
    assert exports[0].rows == table.height


def test_print_view_hides_the_menus_and_is_logged(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "rehtori", DEMO_PASSWORDS["rehtori"])
    # The dialog itself is the browser's; count the calls instead (Playwright calls a function it is given).
    page.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
    page.get_by_role("button", name=t("print.button")).click()
    settle(page)
    page.wait_for_function("window.__printed === 1", timeout=10_000)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__printed") == 1  # once per click, though Streamlit may run a script twice
    printed = [e for e in access_log(server).entries("rehtori") if e.action == "print"]
    # The landing page (Streamlit's url_path "") is named by its id, with the filters in its address
    # (attack on issue 17: it was logged as page "" and target "", so nobody could tell what was printed).
    assert printed and printed[0].page == printed[0].target == "principal_unit"
    assert printed[0].filters.get("yksikko") and printed[0].filters.get("lukuvuosi")
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.get_by_role("button", name=t("table.download_csv")).first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"]').first.is_visible()
    shot(page, "print-view-rehtori", full_page=True)
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_chosen_language_is_the_users_language_at_the_next_sign_in(server, browser):
    first = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fi-FI")
    page = first.new_page()
    sign_in(page, server["base"], "opettaja", DEMO_PASSWORDS["opettaja"])
    page.get_by_label(t("app.language")).click()
    page.get_by_role("option", name="Svenska").click()
    settle(page)
    expect(page.get_by_role("heading", name=t("page.teacher_groups", "sv"))).to_be_visible()
    first.close()
    second = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fi-FI")
    page = second.new_page()
    sign_in(page, server["base"], "opettaja", DEMO_PASSWORDS["opettaja"])  # the form is in Finnish
    expect(page.get_by_role("heading", name=t("page.teacher_groups", "sv"))).to_be_visible(timeout=20_000)
    assert page.evaluate("document.documentElement.lang") == "sv"
    second.close()
