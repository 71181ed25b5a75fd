"""A metric card's explanation in Chromium: the principal clicks the button beside M3 on the unit page,
reads the definition and the sources' dates in the popover, and Escape closes it.
Screenshot tests/browser/artifacts/explain-m3.png."""

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tests.helpers import truth
from tilannekuva.catalogue import catalogue
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import fmt_date, t
from tilannekuva.inert import WORD_JOINER


def test_a_metric_card_opens_its_explanation(server, context):
    page = context.new_page()
    sign_in(page, server["base"], "rehtori", DEMO_PASSWORDS["rehtori"])
    settle(page)
    button = page.get_by_role("button", name=t("explain.button", metric="M3"), exact=True)  # the icon is not read
    expect(button).to_be_visible(timeout=20_000)
    button.click()
    popover = page.get_by_role("dialog", name=t("explain.button", metric="M3"))
    expect(popover).to_be_visible(timeout=10_000)
    said = popover.inner_text().replace(WORD_JOINER, "")  # md() puts an invisible word joiner after each ':'
    assert catalogue()["M3"].texts("fi").definition in said
    (as_of,) = truth(server["home"], "select data_as_of from meta_source where source = 'kirjautumiset'")[0]
    assert fmt_date(as_of, "fi") in said
    shot(page, "explain-m3")
    page.keyboard.press("Escape")
    expect(popover).to_have_count(0, timeout=10_000)
