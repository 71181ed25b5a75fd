"""On a freshly started server, no page URL shows anything before login."""

import pytest

from tests.browser.conftest import settle, shot
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT

PAGES = sorted(p.stem for p in (PROJECT_ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page_id", PAGES)
def test_no_page_url_shows_anything_before_login(server, context, page_id):
    page = context.new_page()
    page.goto(f"{server['base']}/{page_id}?lukuvuosi=2026")
    settle(page)
    shot(page, f"fresh-{page_id}")
    main = page.locator('[data-testid="stMain"]').inner_text()
    # Streamlit may run the page by auto-discovery here: its own guard must then stop it.
    assert any(text in main for text in (t("login.title"), t("guard.sign_in"))) or "Page not found" in page.content()
    for forbidden in ("Koulutettujen osuus", "Ryhmiä", "Rivejä yhteensä", "Lukuvuosi", "Yksikkö"):
        assert forbidden not in main
    assert (
        page.locator(
            '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stMetric"]'
        ).count()
        == 0
    )
