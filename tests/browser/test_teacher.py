"""A teacher in Chromium on a tablet-sized screen (1024×768): my groups, the watch list and a
follow-up mark saved through the form. Screenshots tests/browser/artifacts/teacher-*.png."""

import re
import sqlite3

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS


def test_teacher_groups_watch_list_and_follow_up(server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fi-FI")
    page = context.new_page()
    sign_in(page, server["base"], "opettaja", DEMO_PASSWORDS["opettaja"])
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Ryhmäni")).to_be_visible(timeout=20_000)
    expect(main.get_by_role("heading", name=re.compile(r"^Ryhmän .* oppilaat$"))).to_be_visible()
    shot(page, "teacher-groups")
    page.goto(f"{server['base']}/teacher_watch")
    settle(page)
    expect(main.get_by_role("heading", name="Seurantalista")).to_be_visible(timeout=20_000)
    main.get_by_label("Merkintä (valinnainen)").fill("Otettu puheeksi")
    main.get_by_role("button", name="Tallenna").click()
    settle(page)
    expect(main.get_by_text("Merkintä tallennettu; rehtori näkee sen tukisivullaan.")).to_be_visible(timeout=20_000)
    marks = (
        sqlite3.connect(server["log"].parent / "state" / "followups.sqlite")
        .execute("select username, note from followup")
        .fetchall()
    )
    assert ("opettaja", "Otettu puheeksi") in marks
    shot(page, "teacher-watch")
    page.goto(f"{server['base']}/teacher_me")
    settle(page)
    expect(main.get_by_role("heading", name="Koulutukseni")).to_be_visible(timeout=20_000)
    shot(page, "teacher-me")
    context.close()
