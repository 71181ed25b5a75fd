"""The page "Ilmoitukset" (pages/my_notifications.py): each role is offered only the kinds of change its own
pages show, the choices are stored (only the changed ones) and read back, the admin's default for a role
reaches a user without an own choice, e-mail goes to the user directory's address (or says why it cannot),
a Teams address is checked before it is stored and shown masked, and an admin viewing as the user can
save nothing."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from tests.helpers import open_as
from tilannekuva.i18n import t
from tilannekuva.inert import md
from tilannekuva.notifications import Channels, Notifications
from tilannekuva.settings import load_settings
from tilannekuva.whatsnew import FREQUENCIES, default_rules

ALL = ("signals", "absence", "followups", "metrics", "loads")
KINDS = {
    "johto": ("metrics", "loads"),  # no pupil rows: no signals, absences or marks
    "rehtori": ALL,
    "rehtori2": ALL,
    "opettaja": ("signals", "absence", "loads"),  # a teacher has no metrics kind
    "admin": ("loads",),  # the admin only loads
}
TEAMS_OK = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SeCrEtSiGnAtUrE"
)
TEAMS_REFUSED = [  # (address, the reason's catalog key)
    ("http://prod-12.westeurope.logic.azure.com/workflows/0123abcd/triggers/manual/paths/invoke?sig=x", "https"),
    ("https://hooks.attacker.example/workflows/0123abcd/triggers/manual/paths/invoke?sig=x", "host"),
    ("https://prod-12.westeurope.logic.azure.com.attacker.example/workflows/0123abcd?sig=x", "host"),  # look-alike
    ("https://prod-12.westeurope.logic.azure.com@attacker.example/workflows/0123abcd?sig=x", "userinfo"),
    ("https://logic.azure.com.attacker.example/x?sig=x", "host"),  # look-alike without a subdomain
    ("https://prod-12.westeurope.logic.azure.com:8443/workflows/0123abcd?sig=x", "port"),
]


@pytest.fixture
def home(demo_env):
    """The demo environment with an empty notification store (the demo's state directory is shared)."""
    path = demo_env / "state" / "notifications.sqlite"
    path.unlink(missing_ok=True)
    yield demo_env
    path.unlink(missing_ok=True)


def store(home) -> Notifications:
    return Notifications(home / "state" / "notifications.sqlite")


def shown_kinds(at) -> tuple[str, ...]:
    return tuple(s.key.removeprefix("tk_notify_") for s in at.selectbox if s.key.startswith("tk_notify_"))


def texts(at) -> list[str]:
    """Every text the page shows (Markdown, captions, notices, field values)."""
    found = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)]
    return found + [str(x.value) for x in at.text_input] + [x.label for x in at.text_input]


@pytest.mark.parametrize("user, kinds", KINDS.items())
def test_each_role_is_offered_only_its_own_kinds(home, user, kinds):
    at = open_as(user, "my_notifications")
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.my_notifications")
    assert shown_kinds(at) == kinds
    assert [s.label for s in at.selectbox] == [t(f"notify.kind.{k}") for k in kinds]
    assert [s.value for s in at.selectbox] == [default_rules().defaults[k] for k in kinds]
    assert [c for c in texts(at) if c.startswith(t(f"notify.about.{kinds[0]}"))]


def test_the_choices_are_stored_and_read_back_only_the_changed_ones(home):
    at = open_as("opettaja", "my_notifications")
    at.selectbox(key="tk_notify_signals").set_value("weekly")
    at.selectbox(key="tk_notify_loads").set_value("never")
    at.button(key="tk_notify_save_kinds").click().run()
    assert not at.exception, at.exception
    assert store(home).own_choices("opettaja") == {"signals": "weekly", "loads": "never"}  # absence left as it was
    assert t("notify.saved_kinds", count="2") in [s.value for s in at.success]
    again = open_as("opettaja", "my_notifications")
    assert {s.key: s.value for s in again.selectbox} == {
        "tk_notify_signals": "weekly",
        "tk_notify_absence": default_rules().defaults["absence"],
        "tk_notify_loads": "never",
    }
    origins = [c.value for c in again.caption if c.value.startswith(t("notify.about.signals"))]
    assert origins == [t("notify.about.signals") + " " + t("notify.origin.own")]


@pytest.mark.parametrize(
    "user, own, shown, origin",
    [
        ("rehtori", None, "daily", "role"),  # no own choice: the admin's default for principals
        ("rehtori2", "never", "never", "own"),  # an own choice stays
    ],
)
def test_the_admins_default_reaches_only_a_user_without_an_own_choice(home, principals, user, own, shown, origin):
    notes = store(home)
    notes.set_role_default("principal", "metrics", "daily", by=principals["admin"])
    if own:
        notes.set_frequency(principals[user], "metrics", own)
    at = open_as(user, "my_notifications")
    assert at.selectbox(key="tk_notify_metrics").value == shown
    assert t("notify.about.metrics") + " " + t(f"notify.origin.{origin}") in [c.value for c in at.caption]
    assert at.selectbox(key="tk_notify_loads").value == default_rules().defaults["loads"]  # other kinds: the rules


def test_viewed_as_by_the_admin_everything_is_disabled_and_nothing_saved(home):
    at = open_as("admin", "admin_users")
    at.selectbox(key="tk_view_as_pick").set_value("rehtori").run()
    next(b for b in at.button if b.label == t("users.view_as_start")).click().run()
    at.switch_page("pages/my_notifications.py").run()
    assert not at.exception, at.exception
    assert t("notify.read_only") in [i.value for i in at.info]
    assert shown_kinds(at) == KINDS["rehtori"]
    assert all(s.disabled for s in at.selectbox) and all(x.disabled for x in at.text_input)
    assert all(x.disabled for x in at.toggle)
    saves = [b for b in at.button if b.key and b.key.startswith("tk_notify_save")]
    assert len(saves) == 2 and all(b.disabled for b in saves)
    at.run()  # the store holds nothing of the viewing (the store's own refusal: the next test)
    assert store(home).own_choices("rehtori") == {} and store(home).channels("rehtori") == Channels()


@pytest.mark.parametrize("write", ["set_frequency", "set_channels", "clear_choices"])
def test_the_store_refuses_a_read_only_principal(home, principals, write):
    viewed = dataclasses.replace(principals["rehtori"], viewed_by="admin")
    notes = store(home)
    notes.set_frequency(principals["rehtori"], "loads", "weekly")  # the user's own, before the admin looks
    with pytest.raises(PermissionError):
        if write == "set_frequency":
            notes.set_frequency(viewed, "signals", "never")
        elif write == "set_channels":
            notes.set_channels(viewed, False, "")
        else:
            notes.clear_choices(viewed)
    assert notes.own_choices("rehtori") == {"loads": "weekly"} and notes.channels("rehtori") == Channels()


def test_back_to_the_defaults_forgets_the_own_choices(home, principals):
    notes = store(home)
    assert "tk_notify_reset" not in [b.key for b in open_as("opettaja", "my_notifications").button]  # nothing own
    notes.set_frequency(principals["opettaja"], "signals", "never")
    notes.set_frequency(principals["opettaja"], "loads", "weekly")
    notes.set_role_default("teacher", "signals", "daily", by=principals["admin"])
    at = open_as("opettaja", "my_notifications")
    assert at.selectbox(key="tk_notify_signals").value == "never"
    at.button(key="tk_notify_reset").click().run()
    assert not at.exception, at.exception
    assert notes.own_choices("opettaja") == {}
    assert t("notify.saved_reset", count="2") in [s.value for s in at.success]
    assert {s.key: s.value for s in at.selectbox} == {
        "tk_notify_signals": "daily",  # the admin's default for teachers
        "tk_notify_absence": default_rules().defaults["absence"],
        "tk_notify_loads": default_rules().defaults["loads"],
    }
    assert t("notify.about.signals") + " " + t("notify.origin.role") in [c.value for c in at.caption]
    assert "tk_notify_reset" not in [b.key for b in at.button]


@pytest.mark.parametrize("url, reason", TEAMS_REFUSED)
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_refused_teams_address_is_told_logged_and_not_stored(home, caplog, url, reason, lang):
    at = open_as("rehtori", "my_notifications", lang=lang)
    at.text_input(key="tk_notify_teams").input(url)
    with caplog.at_level(logging.WARNING, logger="tilannekuva.app"):
        at.button(key="tk_notify_save_channels").click().run()
    assert not at.exception, at.exception
    hosts = md(", ".join(load_settings().teams_hosts))
    said = t("notify.teams_refused", lang, reason=t(f"delivery.teams_error.{reason}", lang), hosts=hosts)
    assert [e.value for e in at.error] == [said]
    assert store(home).channels("rehtori") == Channels()
    assert [r for r in caplog.records if "Teams address" in r.getMessage() and "rehtori" in r.getMessage()]
    assert not [r for r in caplog.records if "sig=x" in r.getMessage()]  # the log names the host, not the secret


def test_an_accepted_teams_address_is_stored_and_shown_masked_then_removed(home):
    at = open_as("rehtori", "my_notifications")
    assert t("notify.teams_none") in [c.value for c in at.caption]
    at.text_input(key="tk_notify_teams").input(TEAMS_OK)
    at.button(key="tk_notify_save_channels").click().run()
    assert not at.exception, at.exception
    stored = store(home).channels("rehtori").teams_url
    assert stored.startswith("https://prod-12.westeurope.logic.azure.com") and "SeCrEtSiGnAtUrE" in stored
    masked = md("https://prod-12.westeurope.logic.azure.com/…")
    assert t("notify.teams_saved", address=masked) in [m.value for m in at.markdown]
    assert not [x for x in texts(at) if "SeCrEt" in x or "workflows" in x]  # nothing past the host, field emptied
    again = open_as("rehtori", "my_notifications")  # a new visit shows it masked too, and keeps it on a save
    assert t("notify.teams_saved", address=masked) in [m.value for m in again.markdown]
    again.button(key="tk_notify_save_channels").click().run()
    assert store(home).channels("rehtori").teams_url == stored
    again.checkbox(key="tk_notify_teams_remove").check()
    again.button(key="tk_notify_save_channels").click().run()
    assert store(home).channels("rehtori").teams_url == ""
    assert t("notify.teams_none") in [c.value for c in again.caption]


@pytest.mark.parametrize(
    "relay, warning, address_shown",
    [
        ("", "notify.email_no_relay", False),  # no relay configured: e-mail cannot go, and the page says why
        ("127.0.0.1", None, True),
    ],
)
def test_email_goes_to_the_directorys_address_or_says_why_not(home, monkeypatch, relay, warning, address_shown):
    monkeypatch.setenv("TILANNEKUVA_SMTP_HOST", relay)
    at = open_as("opettaja", "my_notifications")
    said = t("notify.email_to", address=md("opettaja@demo.invalid"))
    assert (said in [m.value for m in at.markdown]) is address_shown
    assert [w.value for w in at.warning if w.value == t(warning)] if warning else not at.warning
    toggle = at.toggle(key="tk_notify_email")
    assert toggle.value is True and toggle.disabled is (not address_shown)
    if address_shown:
        toggle.set_value(False)
        at.button(key="tk_notify_save_channels").click().run()
        assert store(home).channels("opettaja") == Channels(email=False, teams_url="")
        assert open_as("opettaja", "my_notifications").toggle(key="tk_notify_email").value is False


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_speaks_the_users_language(home, lang):
    at = open_as("rehtori", "my_notifications", lang=lang)
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.my_notifications", lang) != t("page.my_notifications", "fi")
    assert [s.label for s in at.selectbox] == [t(f"notify.kind.{k}", lang) for k in ALL]
    assert at.selectbox[0].options == [t(f"notify.freq.{f}", lang) for f in FREQUENCIES]
    assert [h.value for h in at.header] == [
        t(k, lang) for k in ("notify.kinds_header", "notify.channels_header", "notify.when_header")
    ]
    weekday = {"sv": "måndag", "en": "Monday"}[lang]
    assert [m for m in texts(at) if md(weekday) in m and t("notify.freq.weekly", lang).lower()[:4] in m.lower()]
    assert t("notify.no_names", lang) in [m.value for m in at.markdown]
    assert t("notify.email_no_relay", lang) in [w.value for w in at.warning]
