"""Attack on issue 20: what leaves the app in a digest, and what the access log keeps of it.

1. A hostile unit name (a source system's data) carrying an e-mail address — `yhteys: rehtori@attacker.example`
   or `mailto:…` — reaches the e-mail digest's plain-text and HTML parts as a bare address that every mail
   client turns into a link (Outlook, Gmail and Apple Mail link `name@host` and `mailto:` in both parts).
   delivery.plain breaks only `scheme://` and `www.`; the Adaptive Card (`card_text`: "`@` (no autolink)")
   and the app's own Markdown (inert.md: GFM links `name@host`) both break `@` with a word joiner, so the
   e-mail is the one place where the city's own message carries an attacker's contact link.
2. A Teams digest whose card reached the receiver but whose answer came too late (a slow Workflows
   endpoint: the POST body was delivered, the read timed out) is recorded as failed and given up at the
   last attempt — and never written to the access log, although the card did leave the app (the receiver
   holds it). The access log is the record of what left the app: an attempt whose body was sent must be
   in it, whatever the answer.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.helpers import http_receiver, smtp_server
from tilannekuva import delivery
from tilannekuva.access import build_principal, load_policy, load_users
from tilannekuva.audit import AccessLog
from tilannekuva.digest import Runner
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings
from tilannekuva.whatsnew import Change

APP = "https://tilannekuva.kaupunki.example"


def _env(monkeypatch, city: Path, port: int = 25, **more) -> None:
    for key, value in {
        "TILANNEKUVA_MODE": "demo",
        "TILANNEKUVA_DATA_DIR": str(city),
        "TILANNEKUVA_SMTP_HOST": "127.0.0.1",
        "TILANNEKUVA_SMTP_PORT": str(port),
        "TILANNEKUVA_SMTP_SECURITY": "none",
        "TILANNEKUVA_TEAMS_HOSTS": "127.0.0.1",
        "TILANNEKUVA_APP_URL": APP,
        **more,
    }.items():
        monkeypatch.setenv(key, value)


HOSTILE_UNITS = (
    "Koulu – yhteys: rehtori@attacker.example",
    "Koulu mailto:tunnukset@attacker.example",
)


@pytest.mark.parametrize("unit_name", HOSTILE_UNITS)
def test_an_email_address_in_a_unit_name_is_not_a_link_in_the_email_digest(city, monkeypatch, unit_name):
    _env(monkeypatch, city)
    settings = load_settings(for_app=False)
    change = Change("signals", "new", "unit:101", unit_name, 3, link="principal_support?yksikko=101&lukuvuosi=2026")
    message = delivery.Message(
        "rehtori", "Rauha Rehtori", "fi", "immediate", "load:x", (change,), APP, "<abc@tilannekuva>"
    )
    card = str(delivery.render_card(message, settings))
    assert "@attacker.example" not in card  # the card breaks it ('@' + word joiner) …
    mail = delivery.render_email(message, "rehtori@demo.invalid", settings)
    for part in ("plain", "html"):
        body = mail.get_body((part,)).get_content()
        assert "Koulu" in body
        assert "@attacker.example" not in body, f"the {part} part carries a linkable address from a unit's name"


def test_a_teams_card_that_left_the_app_is_in_the_access_log_even_when_the_answer_timed_out(city, monkeypatch):
    with smtp_server() as (_, port, _received), http_receiver(responses=(202,), delay=1.5) as (base, posted):
        _env(monkeypatch, city, port, TILANNEKUVA_DIGEST_MAX_ATTEMPTS="1")
        monkeypatch.setattr(delivery, "TEAMS_TIMEOUT", 0.5)
        settings = load_settings(for_app=False)
        store = Notifications(settings.state_dir / "notifications.sqlite")
        teacher = build_principal(
            "opettaja", "opettaja", load_users(settings.users_file), load_policy(settings.roles_file)
        )
        store.set_channels(teacher, False, f"{base}/workflows/opettaja")
        runner = Runner(settings, send=delivery.send)
        current = runner.snapshot(teacher)
        assert any(current.signals.values()), "the tiny city's teacher has pupils with support signals"
        # The last digest was sent before these pupils got their signals: they are news now.
        store.set_baseline(
            "opettaja", "immediate", "teams", dataclasses.replace(current, signals={p: {} for p in current.signals})
        )

        report = runner.run("load", only_user="opettaja")
        (outcome,) = [o for o in report.outcomes if o.channel == "teams"]
        assert len(posted) == 1, "the card reached the receiver (a Teams chat would show it)"
        assert outcome.status == "unconfirmed"  # handed over, no answer: not sent again (since the fix)
        entries = [e for e in AccessLog(settings.state_dir / "access_log.sqlite").entries() if e.action == "digest"]
        assert entries, (
            f"a digest card delivered to Teams ({len(posted[0]['body'])} bytes) is not in the access log "
            f"(outcome {outcome.status}: {outcome.error})"
        )


def test_a_long_unit_name_does_not_push_a_principals_card_over_the_teams_limit(city, monkeypatch):
    """delivery.py: 'A Teams message is at most 28 KB: a card lists CARD_CHANGES_MAX changes and counts the
    rest' — the count is capped, the length of each change is not. A unit name is source data of any length
    (ingest has no limit): one principal's ordinary digest — signals new and cleared, both absence
    thresholds, follow-ups and the six metrics, all of their one unit — with a 3 000-character unit name
    is a card over Teams' limit (refused, or dropped inside the Workflow after its 202), so a source
    system's name can silence every Teams digest of that unit's principal."""
    _env(monkeypatch, city)
    settings = load_settings(for_app=False)
    name = "Koulu " + "x" * 3000
    link = "principal_support?yksikko=101&lukuvuosi=2026"
    changes = [
        Change("signals", "new", "unit:101", name, 3, link=link),
        Change("signals", "cleared", "unit:101", name, 2, link=link),
        Change("absence", "concern", "unit:101", name, 4, link=link),
        Change("absence", "serious", "unit:101", name, 1, link=link),
        Change("followups", "marked", "unit:101", name, 2, link=link),
    ] + [
        Change(
            "metrics",
            "status",
            "unit:101",
            name,
            subject=m,
            before="green",
            after="red",
            link=f"principal_unit?yksikko=101&mittari={m}&lukuvuosi=2026",
        )
        for m in ("M1", "M2", "M3", "M4", "M5", "M6")
    ]
    message = delivery.Message(
        "rehtori", "Rauha Rehtori", "fi", "immediate", "load:x", tuple(changes), APP, "<abc@tilannekuva>"
    )
    size = len(json.dumps(delivery.render_card(message, settings), ensure_ascii=False).encode("utf-8"))
    assert size <= 28 * 1024, f"the card is {size} bytes (Teams takes at most 28 KB)"
