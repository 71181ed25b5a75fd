"""The sector lead's pages in Chromium at 1366×768: filters that live in the URL and follow the
user from page to page, the scorecard's links to the metric pages, the reform break, a shared
link to a drill-down, and a screenshot of every page (tests/browser/artifacts/sector-*.png)."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the sidebar select labelled `label`."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    for _ in range(3):  # a click that lands in a rerun's re-render does not open the list
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try the click again
            page.keyboard.press("Escape")
            settle(page)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def heading(page, text: str):
    return page.locator('[data-testid="stMain"] h1').filter(has_text=re.compile(f"^{re.escape(text)}$"))


def test_filters_follow_the_user_and_links_keep_them(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "johto", DEMO_PASSWORDS["johto"])
    expect(heading(page, "Kaupungin tilannekuva")).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=20_000)
    settle(page)
    shot(page, "sector-overview")
    choose(page, "Sektori", "Perusopetus")
    expect(page).to_have_url(re.compile(r"sektori=perusopetus"))
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Strategiamittarit").click()
    settle(page)
    expect(heading(page, "Strategiamittarit")).to_be_visible(timeout=20_000)
    expect(page).to_have_url(re.compile(r"sektori=perusopetus"))  # the filter came along
    expect(page.locator('[data-testid="stMain"]').get_by_text(re.compile(r"^Perusopetus · "))).to_be_visible()
    shot(page, "sector-scorecard")
    page.get_by_role("link", name="Tarkastele mittaria").nth(1).click()  # M2's card
    settle(page)
    expect(heading(page, "M2 Koulutusten palaute")).to_be_visible(timeout=20_000)
    expect(page).to_have_url(re.compile(r"mittari=M2.*sektori=perusopetus|sektori=perusopetus.*mittari=M2"))
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3, timeout=20_000)
    shot(page, "sector-metric-m2")


def test_support_page_marks_the_reform_and_a_shared_drill_down_link_opens(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "johto", DEMO_PASSWORDS["johto"])
    page.goto(f"{server['base']}/sector_support")
    settle(page)
    expect(heading(page, "Oppimisen tuki ja poissaolot")).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stPlotlyChart"] text').filter(has_text="Uudistus 1.8.2025").first).to_be_visible(
        timeout=20_000
    )
    shot(page, "sector-support")
    page.goto(f"{server['base']}/sector_units?mittari=M3&alue=2&lukuvuosi=2025")
    settle(page)
    expect(heading(page, "Yksiköiden vertailu")).to_be_visible(timeout=20_000)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(re.compile(r"^Koko kaupunki → Läntinen · "))).to_be_visible()
    expect(main.get_by_role("heading", name=re.compile(r"^Yksiköt: M3, 2025–2026"))).to_be_visible()
    shot(page, "sector-units-district")
    page.goto(f"{server['base']}/sector_units?alue=99")  # not a district of this city
    settle(page)
    expect(main.get_by_text("Osoitteen valinta ei ole sallittu; näytetään oletusvalinta.")).to_be_visible()
    assert "Traceback" not in server["log"].read_text()


def test_a_click_on_a_units_bar_opens_that_unit(server, context):
    """Issue 18 item 17: a bar of the unit comparison's 'highest 15' opens that unit (?yksikko= in the URL,
    its name as the heading), through the same URL filter as a typed address."""
    page = context.new_page()
    sign_in(page, server["base"], "johto", DEMO_PASSWORDS["johto"])
    page.goto(f"{server['base']}/sector_units?mittari=M1&lukuvuosi=2025")
    settle(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first  # the highest 15 (the open tab)
    expect(chart).to_be_visible(timeout=20_000)
    chart.scroll_into_view_if_needed()
    names = chart.locator("g.ytick text").all_text_contents()
    chart.locator("g.point path").first.click(force=True)  # plotly's drag layer takes the click
    settle(page)
    expect(page).to_have_url(re.compile(r"yksikko=\d+"), timeout=20_000)
    opened = page.locator('[data-testid="stMain"] h2').first
    expect(opened).to_be_visible(timeout=20_000)
    assert opened.text_content() in names  # one of the units on the chart, now on its own
