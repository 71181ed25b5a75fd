"""Attack on issue 20 (as users): a Swedish-speaking user whose browser is Swedish sees every page in Swedish,
sets up Aviseringar — and gets the digests in Finnish."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import app, login
from tilannekuva.digest import Runner
from tilannekuva.i18n import t
from tilannekuva.settings import load_settings


@pytest.fixture
def home(demo_env):
    path = demo_env / "state" / "notifications.sqlite"
    path.unlink(missing_ok=True)
    yield demo_env
    path.unlink(missing_ok=True)


def test_a_user_whose_pages_are_swedish_gets_the_digest_in_swedish(home):
    """views.language: the session renders in the browser's language (sv-FI here) but only a language picked
    in the sidebar is stored (Preferences); the digest reads the stored one, `or DEFAULT_LANGUAGE` = fi. So a
    new Swedish-speaking principal signs in, sees "Aviseringar" and every page in Swedish, chooses their
    digests there — and the digests arrive in Finnish. The issue: the digest uses 'the same scope,
    suppression and language as that user's own pages'."""
    at = app("sv")  # what the browser's locale (sv-FI) gives a new session
    login("rehtori", at=at)
    assert not at.exception, at.exception
    at.switch_page("pages/my_notifications.py").run()
    assert at.title[0].value == t("page.my_notifications", "sv")
    at.selectbox(key="tk_notify_metrics").set_value("daily")
    at.button(key="tk_notify_save_kinds").click().run()
    assert not at.exception, at.exception
    runner = Runner(load_settings(), now=dt.datetime(2026, 11, 24, 9))
    assert runner.store.own_choices("rehtori") == {"metrics": "daily"}  # the choice reached the digest
    lang = runner.preview("rehtori")["lang"]
    assert lang == "sv", f"every page was in Swedish; the digest would be in {lang!r}"
