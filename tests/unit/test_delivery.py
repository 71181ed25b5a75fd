"""Delivery of the digests (issue 20) against real local servers: an SMTP server (aiosmtpd) and an HTTP
receiver standing in for a Teams address (tests.helpers.smtp_server, http_receiver). What the server
received is parsed back with the `email` package; failures come from the servers themselves (a closed
port, a 550/451 answer, no STARTTLS, HTTP 400/429/500, a redirect, a slow answer)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import json
import logging
import re
import ssl
from pathlib import Path

import pytest

from tests.helpers import free_port, http_receiver, self_signed, smtp_server
from tilannekuva import delivery
from tilannekuva.delivery import (
    DeliveryError,
    Message,
    TeamsAddressError,
    check_teams_url,
    render_card,
    render_email,
    send,
)
from tilannekuva.i18n import t
from tilannekuva.settings import Settings
from tilannekuva.whatsnew import Change

APP = "https://tilannekuva.kaupunki.example"
CHANGES = (
    Change("signals", "new", "unit:12", "Koulu A", 3, link="principal_support?yksikko=12&lukuvuosi=2026"),
    Change("absence", "serious", "unit:12", "Koulu A", 2, link="principal_absence?yksikko=12&lukuvuosi=2026"),
    Change(
        "metrics", "status", "city", "", subject="M3", before="green", after="red", link="?mittari=M3&lukuvuosi=2026"
    ),
    Change("loads", "loaded", subject="poissaolot", after="2026-11-23", link=""),
)


def settings(tmp: Path = Path("/nonexistent"), **values) -> Settings:
    base = dict(app_url=APP, smtp_host="127.0.0.1", smtp_security="none", mail_from="tilannekuva@kaupunki.example")
    return Settings("demo", tmp, tmp, tmp, tmp, **(base | values))


def message(lang="fi", frequency="daily", period="day:2026-11-24", changes=CHANGES, **values) -> Message:
    return Message(
        username="rehtori",
        display_name="Rauha Rehtori",
        lang=lang,
        frequency=frequency,
        period=period,
        changes=tuple(changes),
        app_url=APP,
        message_id="<digest-1-rehtori@tilannekuva>",
        **values,
    )


def received_mail(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def parts(mail) -> tuple[str, str]:
    assert mail.get_content_type() == "multipart/alternative"
    plain, html_part = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain.get_content_charset() == html_part.get_content_charset() == "utf-8"
    return plain.get_content(), html_part.get_content()


# --------------------------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    ("lang", "frequency", "period", "subject"),
    [
        ("fi", "daily", "day:2026-11-24", "Tilannekuva: päivän uutiset – 24.11.2026"),
        ("sv", "weekly", "week:2026-W48", "Lägesbild: veckans nyheter – vecka 48/2026"),
        ("en", "daily", "day:2026-11-24", "Tilannekuva: what's new today – 24 Nov 2026"),
    ],
)
def test_an_email_arrives_with_both_parts_in_the_recipients_language(lang, frequency, period, subject):
    with smtp_server() as (host, port, received):
        send("email", message(lang, frequency, period), "rauha@kaupunki.example", settings(smtp_port=port))
    assert len(received) == 1 and received[0]["rcpt_tos"] == ["rauha@kaupunki.example"]
    assert received[0]["mail_from"] == "tilannekuva@kaupunki.example"
    mail = received_mail(received[0]["data"])
    assert mail["Subject"] == subject
    assert mail["Message-ID"] == "<digest-1-rehtori@tilannekuva>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] == f"<{APP}/my_notifications>"
    assert mail["From"] == "tilannekuva@kaupunki.example"
    assert mail["To"].addresses[0].addr_spec == "rauha@kaupunki.example"
    assert mail["Date"].datetime is not None
    plain, html_part = parts(mail)
    for body, escape in ((plain, str), (html_part, html.escape)):
        assert escape(t("delivery.greeting", lang, name="Rauha Rehtori")) in body
        assert escape(t("delivery.no_names", lang)) in body
        assert escape(t(f"delivery.why.{frequency}", lang)) in body
        for kind in ("signals", "absence", "metrics", "loads"):
            assert escape(t(f"delivery.kind.{kind}", lang)) in body
        assert escape(t("delivery.kind.followups", lang)) not in body  # no change of that kind: no heading
        for change in CHANGES:
            assert escape(change.text(lang)) in body
    for change in CHANGES:
        assert f"{APP}/{change.link}" in plain
        assert f'href="{APP}/{change.link}"'.replace("&", "&amp;") in html_part
    # headings in the catalogue's order of kinds, each once
    headings = [t(f"delivery.kind.{k}", lang) for k in ("signals", "absence", "metrics", "loads")]
    positions = [html_part.index(f">{html.escape(h)}</h2>") for h in headings]
    assert positions == sorted(positions)
    # every link goes to the app, in both parts
    assert all(u.startswith(APP + "/") for u in re.findall(r"https?://\S+", plain))
    assert all(u.startswith(APP + "/") for u in re.findall(r'href="([^"]*)"', html_part))
    assert "<img" not in html_part and "<script" not in html_part and "src=" not in html_part


def test_a_retry_carries_the_same_message_id():
    with smtp_server() as (host, port, received):
        for _ in range(2):
            send("email", message(), "rauha@kaupunki.example", settings(smtp_port=port))
    ids = [received_mail(r["data"])["Message-ID"] for r in received]
    assert ids == ["<digest-1-rehtori@tilannekuva>"] * 2


@pytest.mark.parametrize(
    ("name", "expected"), [("Rauha Rehtori", "Hei Rauha Rehtori,"), ("", "Hei,"), ("  \n", "Hei,")]
)
def test_the_greeting_names_the_recipient_when_there_is_a_name(name, expected):
    msg = dataclasses.replace(message(), display_name=name)
    plain, html_part = parts(render_email(msg, "rauha@kaupunki.example", settings()))
    card = render_card(msg, settings())["attachments"][0]["content"]
    assert plain.startswith(expected + "\n") and f"<p>{expected}</p>" in html_part
    assert card["body"][1]["text"] == expected


def test_nothing_new_says_so():
    with smtp_server() as (host, port, received):
        send("email", message(changes=()), "rauha@kaupunki.example", settings(smtp_port=port))
    plain, html_part = parts(received_mail(received[0]["data"]))
    assert t("delivery.nothing", "fi") in plain and t("delivery.nothing", "fi") in html_part


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (dict(changes=(dataclasses.replace(CHANGES[0], pupils=(101, 102, 103)),)), "pupils"),
        (dict(changes=(dataclasses.replace(CHANGES[0], link="https://evil.example/x"),)), "link"),
        (dict(changes=(dataclasses.replace(CHANGES[0], link="//evil.example/x"),)), "link"),
        (dict(changes=(dataclasses.replace(CHANGES[0], link='x?a="><script>'),)), "link"),
        (dict(message_id="<a@b>\r\nBcc: all@kaupunki.example"), "Message-ID"),
        (dict(app_url="https://evil.example"), "app_url"),
        (dict(changes=(Change("metrics", "moved", "city", subject="M99", before="1", after="2"),)), "M99"),
        (dict(frequency="never"), "frequency"),
    ],
)
def test_a_message_that_must_not_leave_the_app_is_refused_before_anything_is_sent(broken, reason):
    values = {"changes": broken.get("changes", CHANGES)}
    msg = dataclasses.replace(message(**values), **{k: v for k, v in broken.items() if k != "changes"})
    with smtp_server() as (host, port, received), http_receiver() as (base, requests):
        for channel, address, config in (
            ("email", "rauha@kaupunki.example", settings(smtp_port=port)),
            ("teams", f"{base}/workflow", settings(teams_hosts=("127.0.0.1",))),
        ):
            with pytest.raises(DeliveryError) as failed:
                send(channel, msg, address, config)
            assert failed.value.transient is False and reason in str(failed.value)
    assert received == [] and requests == []


@pytest.mark.parametrize(
    "address", ["rauha@kaupunki.example\r\nBcc: x@evil.example", "a@b@c", "", "Rauha <r@x.example>"]
)
def test_an_address_that_is_not_one_mailbox_is_refused(address):
    with smtp_server() as (host, port, received):
        with pytest.raises(DeliveryError) as failed:
            send("email", message(), address, settings(smtp_port=port))
    assert failed.value.transient is False and received == []


@pytest.mark.parametrize(
    ("server", "config", "transient", "says"),
    [
        ("down", {}, True, "could not be reached"),
        ({"rcpt": "550 5.1.1 No such user"}, {}, False, "550"),
        ({"rcpt": "451 4.3.0 Try again later"}, {}, True, "451"),
        ({}, {"smtp_security": "starttls"}, False, "STARTTLS"),
        ({}, {"smtp_host": "relay.kaupunki.example", "smtp_security": "none"}, False, "only to a relay on this host"),
        ({}, {"smtp_host": ""}, False, "no mail relay"),
        ({}, {"smtp_username": "tilannekuva"}, False, "password file"),
        ({"users": {"tilannekuva": "oikea"}}, {"smtp_username": "tilannekuva", "password": "vaara"}, False, "535"),
        ({"users": {"tilannekuva": "oikea"}}, {"smtp_username": "tilannekuva", "password": "väärä"}, False, "ASCII"),
    ],
)
def test_smtp_failures_are_transient_or_not(tmp_path, server, config, transient, says):
    config = dict(config)
    if "password" in config:
        (tmp_path / "smtp.pw").write_text(config.pop("password") + "\n", encoding="utf-8")
        config["smtp_password_file"] = tmp_path / "smtp.pw"
    if server == "down":
        port = free_port()  # nothing listens there
        with pytest.raises(DeliveryError) as failed:
            send("email", message(), "rauha@kaupunki.example", settings(smtp_port=port, **config))
        received = []
    else:
        with smtp_server(**server) as (host, port, received):
            with pytest.raises(DeliveryError) as failed:
                send("email", message(), "rauha@kaupunki.example", settings(smtp_port=port, **config))
    assert failed.value.transient is transient
    assert says in str(failed.value)
    assert received == []


def test_starttls_and_login_when_the_relay_offers_them(tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    monkeypatch.setattr(delivery, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    (tmp_path / "smtp.pw").write_text("salainen\n", encoding="utf-8")
    config = settings(smtp_security="starttls", smtp_username="tilannekuva", smtp_password_file=tmp_path / "smtp.pw")
    with smtp_server(tls=(cert, key), users={"tilannekuva": "salainen"}) as (host, port, received):
        send("email", message(), "rauha@kaupunki.example", dataclasses.replace(config, smtp_port=port))
    assert len(received) == 1 and received[0]["login"] == "tilannekuva"


@pytest.mark.parametrize(("trusted", "delivered"), [(True, True), (False, False)])
def test_smtp_over_tls_from_the_first_byte(tmp_path, monkeypatch, trusted, delivered):
    cert, key = self_signed(tmp_path)
    if trusted:
        monkeypatch.setattr(delivery, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    with smtp_server(tls=(cert, key), implicit_tls=True) as (host, port, received):
        config = settings(smtp_port=port, smtp_security="ssl")
        if delivered:
            send("email", message(), "rauha@kaupunki.example", config)
        else:
            with pytest.raises(DeliveryError) as failed:
                send("email", message(), "rauha@kaupunki.example", config)
            assert failed.value.transient is False and "certificate" in str(failed.value)
    assert len(received) == int(delivered)


def test_starttls_to_a_relay_with_an_untrusted_certificate_fails(tmp_path):
    cert, key = self_signed(tmp_path)  # the system does not trust it
    with smtp_server(tls=(cert, key)) as (host, port, received):
        with pytest.raises(DeliveryError) as failed:
            send("email", message(), "rauha@kaupunki.example", settings(smtp_port=port, smtp_security="starttls"))
    assert failed.value.transient is False and "certificate" in str(failed.value) and received == []


def test_each_send_is_logged_without_the_body_or_the_address(caplog):
    caplog.set_level(logging.INFO, logger="tilannekuva.delivery")
    with smtp_server() as (host, port, received):
        send("email", message(), "rauha@kaupunki.example", settings(smtp_port=port))
        with pytest.raises(DeliveryError):
            send("email", message(), "rauha@kaupunki.example", settings(smtp_port=free_port()))
    lines = [r.getMessage() for r in caplog.records if r.name == "tilannekuva.delivery"]
    assert lines[0] == "digest delivery user=rehtori channel=email result=sent"
    assert lines[1].startswith("digest delivery user=rehtori channel=email result=transient: ")
    assert not any("Koulu A" in line or "rauha@" in line for line in lines)


# --------------------------------------------------------------------------------------------- Teams


@pytest.mark.parametrize(
    ("responses", "delay", "transient"),
    [
        ((200,), 0.0, None),
        ((202,), 0.0, None),
        (((400, {}, b"Bad payload " + b"x" * 5000),), 0.0, False),
        ((404,), 0.0, False),
        ((429,), 0.0, True),
        ((500,), 0.0, True),
        ((503,), 0.0, True),
        (((302, {"Location": "{base}/elsewhere"}, b""),), 0.0, False),
        ((202,), 1.5, True),  # slower than the (shortened) timeout
        # an Office 365 connector answers 200 with the failure in its body
        (
            (
                (
                    200,
                    {},
                    b"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0",
                ),
            ),
            0.0,
            True,
        ),
        (
            (
                (
                    200,
                    {},
                    b"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=0",
                ),
            ),
            0.0,
            False,
        ),
    ],
)
def test_teams_answers_are_delivered_or_transient_or_not(monkeypatch, responses, delay, transient):
    monkeypatch.setattr(delivery, "TEAMS_TIMEOUT", 0.5)
    with http_receiver(responses, delay=delay) as (base, requests):
        config = settings(teams_hosts=("127.0.0.1",))
        if transient is None:
            send("teams", message(), f"{base}/workflows/abc?sig=1", config)
        else:
            with pytest.raises(DeliveryError) as failed:
                send("teams", message(), f"{base}/workflows/abc?sig=1", config)
            assert failed.value.transient is transient
            assert len(str(failed.value)) < 300  # a long answer is cut short
    assert len(requests) == 1  # one POST; a redirect is not followed
    request = requests[0]
    assert request["method"] == "POST" and request["path"] == "/workflows/abc?sig=1"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == render_card(message(), config)


def test_teams_to_a_closed_port_is_transient():
    with pytest.raises(DeliveryError) as failed:
        send("teams", message(), f"http://127.0.0.1:{free_port()}/x", settings(teams_hosts=("127.0.0.1",)))
    assert failed.value.transient is True


def test_the_teams_address_is_checked_again_when_sending():
    """An address saved while loopback was allowed is refused once the settings no longer list it."""
    with http_receiver() as (base, requests):
        with pytest.raises(DeliveryError) as failed:
            send("teams", message(), f"{base}/workflow", settings())
    assert failed.value.transient is False and requests == []
    assert base not in str(failed.value)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_card_is_an_adaptive_card_with_links_only_into_the_app(lang):
    body = render_card(message(lang), settings())
    assert body["type"] == "message" and len(body["attachments"]) == 1
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    texts += [i["text"] for b in card["body"] if b["type"] == "Container" for i in b["items"]]
    for kind in ("signals", "absence", "metrics", "loads"):
        assert t(f"delivery.kind.{kind}", lang) in texts
    urls = [a["url"] for a in card["actions"]] + [b["selectAction"]["url"] for b in card["body"] if "selectAction" in b]
    assert [b["selectAction"]["url"] for b in card["body"] if "selectAction" in b] == [
        f"{APP}/{c.link}" for c in CHANGES
    ]
    assert all(u.startswith(APP + "/") for u in urls)
    assert f"{APP}/my_notifications" in urls


@pytest.mark.parametrize(("count", "listed"), [(3, 3), (20, 20), (21, 20), (150, 20)])
def test_a_long_digest_lists_the_first_changes_on_the_card_and_counts_the_rest(count, listed):
    many = [
        dataclasses.replace(CHANGES[0], place_name=f"Koulu {i:03d}", link=f"principal_support?yksikko={i}")
        for i in range(count)
    ]
    msg = message("fi", changes=many)
    body = render_card(msg, settings())
    card = body["attachments"][0]["content"]
    containers = [b for b in card["body"] if b["type"] == "Container"]
    assert [c["items"][0]["text"] for c in containers] == [c.text("fi") for c in many[:listed]]
    more = [b["text"] for b in card["body"] if b["type"] == "TextBlock" and "muita muutoksia" in b["text"]]
    assert more == ([t("delivery.more", "fi", count=count - listed)] if count > listed else [])
    assert len(json.dumps(body, ensure_ascii=False).encode()) < 28_000  # Teams' limit for a message
    plain, _ = parts(render_email(msg, "rauha@kaupunki.example", settings()))
    assert all(c.text("fi") in plain for c in many)  # the e-mail lists them all


@pytest.mark.parametrize(
    ("url", "hosts", "error"),
    [
        (
            "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x",
            None,
            None,
        ),
        ("https://prod-1.westeurope.logic.azure.com:443/workflows/abc", None, None),
        ("https://kaupunki.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456", None, None),
        ("https://default123.45.environment.api.powerplatform.com/powerautomate/automations/direct/x", None, None),
        ("https://PROD-1.WestEurope.Logic.Azure.com/workflows/abc", None, None),
        ("http://prod-1.westeurope.logic.azure.com/workflows/abc", None, "https"),
        ("ftp://prod-1.westeurope.logic.azure.com/workflows/abc", None, "https"),
        ("https://logic.azure.com/workflows/abc", None, "host"),
        ("https://logic.azure.com.evil.example/workflows/abc", None, "host"),
        ("https://evil.example/logic.azure.com", None, "host"),
        ("https://evil-logic.azure.com/x", None, "host"),
        ("https://user@prod-1.westeurope.logic.azure.com/x", None, "userinfo"),
        ("https://prod-1.westeurope.logic.azure.com@evil.example/x", None, "userinfo"),
        ("https://evil.example\\@prod-1.westeurope.logic.azure.com/x", None, "characters"),
        ("https://prod-1.westeurope.logic.azure.com:8443/x", None, "port"),
        ("https://prod-1.westeurope.logic.azure.com/x y", None, "characters"),
        ("https://prod-1.westeurope.logic.azure.com/x\nHost: evil", None, "characters"),
        ("https://prod-1.westeurope.logic.azure.com/" + "a" * 2000, None, "long"),
        ("https://prod-1.westeurope.logic.azure.com.\u0435vil.example/x", None, "characters"),
        ("", None, "empty"),
        ("javascript:alert(1)", None, "malformed"),
        ("http://127.0.0.1:8765/workflow", None, "host"),
        ("http://127.0.0.1:8765/workflow", ("127.0.0.1",), None),
        ("http://localhost:8765/workflow", ("127.0.0.1",), "host"),
        ("http://localhost:8765/workflow", ("localhost",), None),
        ("http://[::1]:8765/workflow", ("::1",), None),
        ("http://[::1]:8765/workflow", ("127.0.0.1",), "host"),
        ("https://hooks.kaupunki.example/teams", ("hooks.kaupunki.example",), None),
        ("https://x.hooks.kaupunki.example/teams", ("hooks.kaupunki.example",), "host"),
    ],
)
def test_check_teams_url(url, hosts, error):
    config = settings() if hosts is None else settings(teams_hosts=hosts)
    if error is None:
        assert check_teams_url(url, config) == url
    else:
        with pytest.raises(TeamsAddressError) as failed:
            check_teams_url(url, config)
        assert failed.value.key == f"delivery.teams_error.{error}"
        assert url[8:] not in str(failed.value) or not url[8:]  # the address is not echoed
