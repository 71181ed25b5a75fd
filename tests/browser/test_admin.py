"""The admin in Chromium: "see what this user sees" switches the whole app to the user's pages with a
banner, and stopping returns to the admin's own pages. Screenshot admin-view-as.png."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS


def test_admin_views_the_app_as_a_teacher_and_back(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "admin", DEMO_PASSWORDS["admin"])
    page.goto(f"{server['base']}/admin_users")
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Käyttäjät")).to_be_visible(timeout=20_000)
    main.get_by_role("combobox", name="Käyttäjä").click()
    page.get_by_role("option", name="opettaja", exact=True).click()
    settle(page)
    main.get_by_role("button", name="Näytä käyttäjän näkymä").click()
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text(re.compile(r"Katselet käyttäjänä opettaja"))).to_be_visible(timeout=20_000)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Ryhmäni")).to_be_visible()
    expect(nav.get_by_text("Käyttöloki")).to_have_count(0)
    expect(main.get_by_role("heading", name="Ryhmäni")).to_be_visible(timeout=20_000)
    shot(page, "admin-view-as")
    sidebar.get_by_role("button", name="Lopeta katselu").click()
    settle(page)
    expect(nav.get_by_text("Käyttöloki")).to_be_visible(timeout=20_000)
    expect(sidebar.get_by_text(re.compile(r"Katselet käyttäjänä"))).to_have_count(0)
