"""A principal of two units in Chromium at 1366×768: switch unit, the choice follows to the
support page, which for the daycare says what ECEC has not (no signals, grades or absence hours);
someone else's unit in the address is refused. Screenshots tests/browser/artifacts/principal-*.png."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS


def test_principal_switches_unit_and_sees_support_signals(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "rehtori2", DEMO_PASSWORDS["rehtori2"])
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("h1").first).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=20_000)
    first = main.locator("h1").first.inner_text()
    shot(page, "principal-unit")
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Yksikkö", exact=True)
    box.click()
    options = page.get_by_role("option")
    other = next(o for o in options.all_inner_texts() if o.strip() != first)
    page.get_by_role("option", name=other, exact=True).click()
    settle(page)
    expect(main.locator("h1").first).to_have_text(other, timeout=20_000)
    expect(page).to_have_url(re.compile(r"yksikko=\d+"))
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Oppimisen tuki").click()
    settle(page)
    expect(main.locator("h1").first).to_have_text(other, timeout=20_000)
    # The other unit is rehtori2's daycare: support by group and, in words, what ECEC has not (issue 18 item 13).
    expect(main.get_by_role("heading", name="Tuki ryhmittäin")).to_be_visible()
    expect(main.get_by_text(re.compile(r"^Päiväkoti on varhaiskasvatusta"))).to_be_visible()
    expect(main.get_by_role("heading", name=re.compile(r"^Arviointi"))).to_have_count(0)
    shot(page, "principal-support")


def test_someone_elses_unit_in_the_address_is_refused(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "rehtori", DEMO_PASSWORDS["rehtori"])
    page.goto(f"{server['base']}/principal_staff?yksikko=101")
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("Osoitteen yksikkö ei kuulu sinulle; näytetään oma yksikkösi.")).to_be_visible(
        timeout=20_000
    )
    expect(page).not_to_have_url(re.compile(r"yksikko=101\b"))
    shot(page, "principal-staff")
