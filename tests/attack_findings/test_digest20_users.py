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


def test_the_digest_after_a_load_says_how_recent_the_data_is(demo_home, tmp_path):
    """The 'immediate' digest after a load tells '2 new pupils on the signal list' / 'absences crossed the
    concern threshold this term' dated with *today* (delivery.when: the period 'load:…' in words is
    date.today()), never the data's as-of date nor that the term is still running: 'loads' (the only kind
    carrying the data-as-of) defaults to daily, so the message a principal acts on does not say the absence
    data run to 1.11. (scale-1 demo, received: 'Tilannekuva: mitä uutta uusissa tiedoissa – 24.11.2026')."""
    import dataclasses
    import shutil

    from tilannekuva import delivery
    from tilannekuva.i18n import fmt_date
    from tilannekuva.notifications import Notifications

    shutil.copytree(demo_home / "demo", tmp_path / "demo")
    (tmp_path / "warehouse").symlink_to(demo_home / "warehouse")
    conf = load_settings(
        {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path), "TILANNEKUVA_SMTP_HOST": "relay"}
    )
    got = []
    runner = Runner(conf, now=dt.datetime(2026, 11, 24, 9), send=lambda ch, m, a, s: got.append(m))
    now = runner.snapshot(runner.principal("rehtori"))
    fewer = dataclasses.replace(now, signals={p: dict(list(v.items())[2:]) for p, v in now.signals.items()})
    Notifications(tmp_path / "state" / "notifications.sqlite").set_baseline("rehtori", "immediate", "email", fewer)
    runner.run("load", only_user="rehtori")
    (message,) = got
    text = delivery.render_email(message, "rehtori@demo.invalid", conf).get_body(("plain",)).get_content()
    dates = {fmt_date(dt.date.fromisoformat(a), "fi") for a, _ in now.loads.values() if a}
    import re

    assert any(re.search(r"(?<![0-9.])" + re.escape(d), text) for d in dates), (
        f"no data-as-of date ({sorted(dates)}) in:\n{text}"
    )


def test_a_refused_teams_address_does_not_silently_drop_the_email_switch(home, monkeypatch):
    """Ilmoitukset, one form for both channels: switch e-mail off and paste a Teams address that is refused
    (e.g. the connector's http:// form). The page says the Teams address was refused — and returns before
    storing anything, so the e-mail switch is dropped too, while the form still shows it OFF. The user leaves
    believing e-mail is off; the next digest is e-mailed."""
    from tests.helpers import open_as
    from tilannekuva.notifications import Notifications

    monkeypatch.setenv("TILANNEKUVA_SMTP_HOST", "127.0.0.1")
    at = open_as("rehtori", "my_notifications", lang="sv")
    at.toggle(key="tk_notify_email").set_value(False)
    at.text_input(key="tk_notify_teams").input("http://prod-12.westeurope.logic.azure.com/workflows/x?sig=x")
    at.button(key="tk_notify_save_channels").click().run()
    assert not at.exception, at.exception
    assert at.error, "the refusal is told"
    stored = Notifications(home / "state" / "notifications.sqlite").channels("rehtori").email
    shown = at.toggle(key="tk_notify_email").value
    assert shown == stored, (
        f"the page shows e-mail {'on' if shown else 'off'}, the digest will use {'on' if stored else 'off'}"
    )
