"""The rules behind the page "Ilmoitukset" and the admin's notification sections
(tilannekuva.notification_choices), and the kinds each role may be told of (whatsnew.Rules.kinds_for_role)."""

from __future__ import annotations

import datetime as dt

import pytest

from tilannekuva import notification_choices as choices
from tilannekuva.access import load_policy
from tilannekuva.notifications import Delivery, Notifications
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.whatsnew import default_rules


@pytest.mark.parametrize(
    "current, chosen, stored",
    [
        ({"signals": "immediate", "loads": "daily"}, {"signals": "immediate", "loads": "daily"}, {}),
        ({"signals": "immediate", "loads": "daily"}, {"signals": "never", "loads": "daily"}, {"signals": "never"}),
        ({"signals": "immediate", "loads": "daily"}, {"signals": "weekly", "loads": "never"},
         {"signals": "weekly", "loads": "never"}),
        ({"loads": "daily"}, {"loads": "daily", "metrics": "weekly"}, {}),  # a kind the user cannot get: not stored
    ],
)  # fmt: skip
def test_saving_stores_only_the_changed_kinds(current, chosen, stored):
    assert choices.changed(current, chosen) == stored


def test_an_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="hourly"):
        choices.changed({"loads": "daily"}, {"loads": "hourly"})


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=SECRET",
         "https://prod-12.westeurope.logic.azure.com/…"),
        ("https://kaupunki.webhook.office.com/webhookb2/123@456/IncomingWebhook/789/SECRET",
         "https://kaupunki.webhook.office.com/…"),
        ("", ""),
    ],
)  # fmt: skip
def test_a_teams_address_is_shown_as_its_host_only(url, shown):
    assert choices.masked(url) == shown
    assert "SECRET" not in choices.masked(url)


@pytest.mark.parametrize(
    "address, relay, blocker",
    [
        ("rehtori@kaupunki.example", "smtp.kaupunki.example", None),
        ("", "smtp.kaupunki.example", "no_address"),
        ("  ", "smtp.kaupunki.example", "no_address"),
        ("rehtori@kaupunki.example", "", "no_relay"),
        ("", "", "no_address"),
    ],
)
def test_why_email_cannot_be_sent(address, relay, blocker):
    assert choices.email_blocker(address, relay) == blocker


@pytest.mark.parametrize(
    "weekday, lang, name",
    [(1, "fi", "maanantaina"), (1, "sv", "måndag"), (1, "en", "Monday"), (5, "fi", "perjantaina"), (7, "en", "Sunday")],
)
def test_the_weekly_digests_day_in_words(weekday, lang, name):
    assert choices.weekday_name(weekday, lang) == name


def test_a_weekday_outside_1_to_7_is_refused():
    with pytest.raises(ValueError):
        choices.weekday_name(0, "fi")


@pytest.mark.parametrize(
    "period, lang, words",
    [
        ("load:tilannekuva-20261124T101502123456-load7.duckdb", "fi", "latauksen 24.11.2026 klo 10.15 jälkeen"),
        ("load:tilannekuva-20261124T101502123456-load7.duckdb", "sv", "efter laddningen 24.11.2026 kl. 10:15"),
        ("load:tilannekuva-20261124T101502123456-load7.duckdb", "en", "after the load of 24 Nov 2026 10:15"),
        ("load:something-else.duckdb", "fi", "tietojen latauksen jälkeen"),
        ("day:2026-11-24", "fi", "päivä 24.11.2026"),
        ("day:2026-11-24", "en", "the day 24 Nov 2026"),
        ("week:2026-W48", "fi", "viikko 48/2026"),
        ("week:2026-W48", "sv", "vecka 48/2026"),
        ("week:2026-W05", "en", "week 5/2026"),
        ("day:not-a-date", "fi", "day:not-a-date"),
        ("other:x", "fi", "other:x"),
    ],
)
def test_a_period_in_words(period, lang, words):
    assert choices.period_text(period, lang) == words


def _delivery(status: str, next_try: float = 1_800_000_000.0) -> Delivery:
    return Delivery(1, "rehtori", "email", "day:2026-11-24", "daily", status, 2, next_try, "boom", 0.0, None, {})


@pytest.mark.parametrize(
    "status, reads, retried_at",
    [
        ("failed", "retry", dt.datetime.fromtimestamp(1_800_000_000.0)),
        ("sending", "stalled", None),  # its run died: the next run takes it over
        ("gave_up", "gave_up", None),
    ],
)
def test_a_failing_delivery_reads_as(status, reads, retried_at):
    assert choices.status_of(_delivery(status)) == reads
    assert choices.next_try(_delivery(status)) == retried_at


def test_sent_since_counts_only_sent_deliveries_since_then(tmp_path):
    clock = [1000.0]
    store = Notifications(tmp_path / "n.sqlite", clock=lambda: clock[0])
    for i, (at, ok) in enumerate([(1000.0, True), (5000.0, True), (6000.0, False), (7000.0, True)]):
        clock[0] = at
        claimed = store.claim(f"u{i}", "email", "day:2026-11-24", "daily", {}, "run", f"<{i}>", 60)
        if ok:
            store.sent(claimed, "run")
        else:
            store.failed(claimed, "run", "down", True, 5, 3)
    assert [choices.sent_since(store, since) for since in (0, 4000, 7000, 8000)] == [3, 2, 1, 0]


POLICY = load_policy(PROJECT_ROOT / "roles.yaml")


@pytest.mark.parametrize(
    "role, kinds",
    [
        ("sector_lead", ("metrics", "loads")),
        ("principal", ("signals", "absence", "followups", "metrics", "loads")),
        ("teacher", ("signals", "absence", "loads")),
        ("admin", ("loads",)),
        ("nobody", ()),
    ],
)
def test_the_kinds_each_role_can_be_told_of(role, kinds, principals):
    rules = default_rules()
    assert rules.kinds_for_role(role) == kinds
    for principal in principals.values():
        if principal.role == role:
            assert rules.kinds_for(principal) == kinds  # the same rule for a user of the role
