"""Delivering a digest: e-mail over SMTP (the city's relay) and Microsoft Teams (an incoming webhook or a
Workflows address, as an Adaptive Card).

A `Message` is what one recipient gets through one channel: the changes as counts and aggregate figures
(tilannekuva.whatsnew.without_pupils: never a pupil's name or id), in the recipient's language, each
with a deep link into the app. Everything rendered is escaped: a unit's name comes from a source system
and is hostile data.

- `render_email(message, to, settings)`: a multipart/alternative e-mail (plain text and HTML, UTF-8). Every
  data-derived string is escaped for HTML (`html.escape`) and has its web addresses broken with an
  invisible word joiner (mail clients link a bare `https://…` or `www.…` in text, in both parts); the only
  links are the app's own (`app_url` + a Change's path, checked to be a plain relative path); no images, no
  scripts, no styles from outside. Message-ID is the Message's own, the same on every retry, so a relay or a
  client can drop a duplicate.
- `render_card(message, settings)`: the JSON an incoming webhook or a Workflows address takes (an Adaptive
  Card 1.4). A TextBlock renders a Markdown subset (bold, italic, lists, links) and Teams' clients treat
  backslash escapes differently (microsoft/AdaptiveCards#5590, #5758), so `card_text` does not rely on
  them alone: it escapes the subset's characters *and* breaks the syntax with an invisible word joiner
  where a link, autolink, list or `{{DATE(…)}}` would form, so a unit's name stays text in every client.
  A Teams message is at most 28 KB: a card lists CARD_CHANGES_MAX changes and counts the rest.
- `check_teams_url(url, settings)`: a Teams address must be https to a host of settings.teams_hosts
  ("*.logic.azure.com" = any subdomain); a loopback http address only when that loopback host is listed
  (the tests' local receiver). Checked when saved and again at every send.
- `send(channel, message, address, settings)`: delivers, raising `DeliveryError(transient=…)`: a relay that
  is down, a timeout, SMTP 4xx and HTTP 429/5xx may pass when tried again; a refused address (SMTP 5xx),
  HTTP 4xx, a redirect or a refused configuration will not (an Office 365 connector may answer 200 with
  'Microsoft Teams endpoint returned HTTP error 429' in its body: read as that code). One log line per send (user, channel, result),
  never the body or the address.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import http.client
import json
import logging
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import urlsplit

from tilannekuva.i18n import fmt_date, t
from tilannekuva.settings import Settings
from tilannekuva.whatsnew import KINDS, Change

log = logging.getLogger(__name__)

CHANNELS = ("email", "teams")
SMTP_TIMEOUT = 30.0  # seconds; a relay that does not answer is a transient failure
TEAMS_TIMEOUT = 15.0
SENT = ("immediate", "daily", "weekly")  # the frequencies a digest is sent at (whatsnew.FREQUENCIES less 'never')
SETTINGS_PAGE = "my_notifications"  # the page where a user changes their notifications (url_path)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
TEAMS_URL_MAX = 2000
ERROR_TEXT_MAX = 200  # an exception text carries at most this much of a server's answer
CARD_CHANGES_MAX = 20  # a Teams message is at most 28 KB: more changes than this are counted, not listed
_WEBHOOK_FAILED = re.compile(r"(?i)webhook message delivery failed|returned http error")
_WEBHOOK_CODE = re.compile(r"(?i)http error (\d{3})")

WORD_JOINER = "\u2060"  # invisible and not a space: breaks a syntax without changing what is read
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides
_URL_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.-]*:)(//)")
_WWW = re.compile(r"(?i)(www)(\.)")
_MAILTO = re.compile(r"(?i)(mailto)(:)")
_LINK = re.compile(r"^[A-Za-z0-9_/-]*(\?[A-Za-z0-9_.~%=&+-]*)?$")  # a page's path and its query, nothing else
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_MAILBOX = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9.-]+$")
_HOST = re.compile(r"^[a-z0-9.-]+$")


class DeliveryError(RuntimeError):
    """A delivery failed; `transient` says whether trying again later may help (a relay that is down, a
    timeout, HTTP 429/5xx) or not (an address refused, HTTP 4xx); `maybe_delivered`: the message had been
    handed over when the answer failed (a relay or Teams that took it and answered too late, a connection
    cut after the request) — it may well have arrived, so it is not sent again (at most once)."""

    def __init__(self, message: str, transient: bool = True, maybe_delivered: bool = False):
        super().__init__(message)
        self.transient = transient
        self.maybe_delivered = maybe_delivered


class TeamsAddressError(ValueError):
    """A Teams address that may not be used; `key` is the catalog key of the reason (safe to show: the
    address itself is never echoed)."""

    def __init__(self, key: str):
        super().__init__(t(key, "en"))
        self.key = key


@dataclass(frozen=True)
class Message:
    username: str
    display_name: str
    lang: str  # fi | sv | en: the recipient's own language
    frequency: str  # immediate | daily | weekly
    period: str  # 'load:<warehouse file>' | 'day:2026-11-24' | 'week:2026-W48'
    changes: tuple[Change, ...]  # without pupils
    app_url: str  # Settings.app_url: the links are app_url + '/' + Change.link
    message_id: str  # '<…@tilannekuva>': the same for every attempt of one delivery
    data_as_of: str | None = None  # ISO date the data end on (the newest source's): said in the message


# --------------------------------------------------------------------------------------------- text


def plain(value: object) -> str:
    """Data-derived text for a message: one line, no control or bidi characters, and no web or e-mail address
    a mail or chat client would link (`https://`, `www.`, `mailto:` and `@` get an invisible word joiner)."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", "" if value is None else str(value)))
    text = _URL_SCHEME.sub("\\1" + WORD_JOINER + "\\2", text)
    text = _MAILTO.sub("\\1" + WORD_JOINER + "\\2", text).replace("@", "@" + WORD_JOINER)
    return _WWW.sub("\\1" + WORD_JOINER + "\\2", text)


def card_text(value: object) -> str:
    """Data-derived text for an Adaptive Card TextBlock (its Markdown subset: **bold**, _italic_, lists,
    [links](…)): the subset's characters backslash-escaped, and — for clients that show a backslash
    instead of reading it — the syntax broken by a word joiner: between `]` and `(` (no link), after `<`
    and in `://`, `www.` and `@` (no autolink), between `{{` (no DATE/TIME function) and before a list or
    heading marker at the start."""
    text = plain(value)
    text = re.sub(r"([\\*_\[\]`~<>])", r"\\\1", text)
    text = text.replace("](", "]" + WORD_JOINER + "(").replace("<", "<" + WORD_JOINER)
    text = text.replace("{{", "{" + WORD_JOINER + "{")
    if re.match(r"^\s*([-+*#>=|]|\\[*>]|\d+[.)])", text):
        text = WORD_JOINER + text
    return text


def deep_link(app_url: str, link: str) -> str:
    """The app's address of a Change's view: `{app_url}/{link}` ('' or '?…' is the landing page). A link
    that is not a plain relative path with a query (a scheme, `//`, spaces, quotes …) is refused."""
    if not _LINK.match(link or "") or (link or "").startswith("/"):
        raise ValueError("a change's link must be a page's path and query inside the app")
    return f"{app_url.rstrip('/')}/{link}"


def settings_link(app_url: str) -> str:
    return f"{app_url.rstrip('/')}/{SETTINGS_PAGE}"


def _checked(message: Message, settings: Settings) -> None:
    """Refuse a message that must not leave the app: a change that still names pupils, an unknown kind,
    language or frequency, a malformed Message-ID, links to another address than settings.app_url."""
    if message.app_url.rstrip("/") != settings.app_url.rstrip("/"):
        raise ValueError("the message's app_url is not the app's address (settings.app_url)")
    if message.frequency not in SENT:
        raise ValueError(f"frequency must be one of {', '.join(SENT)}")
    if message.lang not in ("fi", "sv", "en"):
        raise ValueError(f"unknown language {message.lang!r}")
    if not _MESSAGE_ID.match(message.message_id or ""):
        raise ValueError("Message-ID must be '<local@domain>'")
    for change in message.changes:
        if change.pupils:
            raise ValueError("a change with pupils cannot leave the app (whatsnew.without_pupils)")
        if change.kind not in KINDS:
            raise ValueError(f"unknown kind of change {change.kind!r}")
        deep_link(message.app_url, change.link)


def when(message: Message, today: dt.date | None = None) -> str:
    """The period in words: a day's date, 'viikko 48/2026', or the day of the load."""
    kind, _, value = message.period.partition(":")
    lang = message.lang
    try:
        if kind == "day":
            return fmt_date(dt.date.fromisoformat(value), lang)
        if kind == "week":
            year, week = value.split("-W")
            return t("delivery.week", lang, week=int(week), year=int(year))
    except ValueError:
        pass
    return fmt_date(today or dt.date.today(), lang)


def intro(message: Message) -> str:
    """'tässä on, mikä on muuttunut näkymissäsi (24.11.2026). Tiedot ajalta 20.11.2026 asti.'"""
    text = t("delivery.intro", message.lang, when=when(message))
    if message.data_as_of:
        text += " " + t(
            "app.data_as_of", message.lang, date=fmt_date(dt.date.fromisoformat(message.data_as_of), message.lang)
        )
    return text


def subject(message: Message) -> str:
    return t(
        f"delivery.subject.{message.frequency}", message.lang, app=t("app.title", message.lang), when=when(message)
    )


def grouped(message: Message) -> list[tuple[str, list[Change]]]:
    """The changes by kind, in the catalogue's order of kinds; each kind once."""
    return [
        (k, [c for c in message.changes if c.kind == k]) for k in KINDS if any(c.kind == k for c in message.changes)
    ]


def _footer(message: Message) -> str:
    return t(f"delivery.why.{message.frequency}", message.lang)


def greeting(message: Message) -> str:
    """'Hei Rauha Rehtori,' (the name as data: escape it where it goes); 'Hei,' without a name."""
    name = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", message.display_name or "")).strip()
    return t("delivery.greeting", message.lang, name=name) if name else t("delivery.greeting_plain", message.lang)


# --------------------------------------------------------------------------------------------- e-mail


def render_email(message: Message, to: str, settings: Settings) -> EmailMessage:
    """The digest as an e-mail to `to`: a plain-text and an HTML part; raises ValueError for a message that
    must not leave the app (a change with pupils) or an address that is not one mailbox."""
    _checked(message, settings)
    if not _MAILBOX.match(to or "") or len(to) > 254:
        raise ValueError("the recipient is not one e-mail address")
    lang, app = message.lang, message.app_url.rstrip("/")
    mail = EmailMessage()
    mail["Subject"] = subject(message)
    mail["From"] = settings.mail_from
    mail["To"] = Address(display_name=_CONTROLS.sub("", _LINE_BREAKS.sub(" ", message.display_name)), addr_spec=to)
    mail["Date"] = email.utils.format_datetime(dt.datetime.now().astimezone())
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["List-Unsubscribe"] = f"<{settings_link(app)}>"
    mail["Content-Language"] = lang

    lines = [plain(greeting(message)), "", intro(message), ""]
    parts = [
        f"<p>{html.escape(plain(greeting(message)))}</p>",
        f"<p>{html.escape(intro(message))}</p>",
    ]
    groups = grouped(message)
    if not groups:
        lines += [t("delivery.nothing", lang), ""]
        parts.append(f"<p>{html.escape(t('delivery.nothing', lang))}</p>")
    for kind, found in groups:
        heading = t(f"delivery.kind.{kind}", lang)
        lines += [heading, "=" * len(heading)]
        parts.append(f'<h2 style="font-size:1.1em;margin:1.2em 0 0.4em">{html.escape(heading)}</h2>\n<ul>')
        for change in found:
            text, href = plain(change.text(lang)), deep_link(app, change.link)
            lines += [f"- {text}", f"  {href}"]
            parts.append(
                f'<li>{html.escape(text)} – <a href="{html.escape(href)}">{html.escape(t("delivery.open", lang))}</a></li>'
            )
        lines.append("")
        parts.append("</ul>")
    note, why, change_here = t("delivery.no_names", lang), _footer(message), t("delivery.change_here", lang)
    lines += [
        note,
        "",
        t("delivery.open_app", lang) + f": {app}/",
        "",
        "-- ",
        why,
        f"{change_here}: {settings_link(app)}",
    ]
    parts += [
        f"<p>{html.escape(note)}</p>",
        f'<p><a href="{html.escape(app)}/">{html.escape(t("delivery.open_app", lang))}</a></p>',
        f'<hr><p style="font-size:0.9em;color:#555">{html.escape(why)} '
        f'<a href="{html.escape(settings_link(app))}">{html.escape(change_here)}</a></p>',
    ]
    mail.set_content("\n".join(lines) + "\n", charset="utf-8")
    body = "\n".join(parts)
    mail.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject(message))}'
        f"</title></head>\n<body>\n{body}\n</body></html>\n",
        subtype="html",
        charset="utf-8",
    )
    return mail


# --------------------------------------------------------------------------------------------- Teams


def render_card(message: Message, settings: Settings) -> dict:
    """The digest as the JSON body of a Teams incoming webhook / Workflows address: one Adaptive Card 1.4.
    Every text from data passes `card_text`; the only addresses are the app's own."""
    _checked(message, settings)
    lang, app = message.lang, message.app_url.rstrip("/")
    body: list[dict] = [
        {"type": "TextBlock", "text": card_text(subject(message)), "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": card_text(greeting(message)), "wrap": True},
        {"type": "TextBlock", "text": card_text(intro(message)), "wrap": True, "isSubtle": True},
    ]
    groups, listed = grouped(message), 0
    if not groups:
        body.append({"type": "TextBlock", "text": card_text(t("delivery.nothing", lang)), "wrap": True})
    for kind, found in groups:
        found = found[: max(CARD_CHANGES_MAX - listed, 0)]
        if not found:
            continue
        listed += len(found)
        body.append(
            {
                "type": "TextBlock",
                "text": card_text(t(f"delivery.kind.{kind}", lang)),
                "weight": "Bolder",
                "wrap": True,
                "spacing": "Medium",
            }
        )
        for change in found:
            body.append(
                {
                    "type": "Container",
                    "selectAction": {
                        "type": "Action.OpenUrl",
                        "url": deep_link(app, change.link),
                        "title": t("delivery.open", lang),
                    },
                    "items": [
                        {"type": "TextBlock", "text": card_text(change.text(lang)), "wrap": True, "color": "Accent"}
                    ],
                }
            )
    if listed < len(message.changes):
        more = t("delivery.more", lang, count=len(message.changes) - listed)
        body.append({"type": "TextBlock", "text": card_text(more), "wrap": True, "spacing": "Medium"})
    body += [
        {
            "type": "TextBlock",
            "text": card_text(t("delivery.no_names", lang)),
            "wrap": True,
            "isSubtle": True,
            "spacing": "Medium",
        },
        {"type": "TextBlock", "text": card_text(_footer(message)), "wrap": True, "isSubtle": True, "size": "Small"},
    ]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "lang": lang,
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": t("delivery.open_app", lang), "url": f"{app}/"},
            {"type": "Action.OpenUrl", "title": t("delivery.change_here", lang), "url": settings_link(app)},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _host_allowed(host: str, patterns) -> bool:
    for pattern in patterns:
        pattern = pattern.strip().lower().strip("[]")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def check_teams_url(url: str, settings: Settings) -> str:
    """`url` if Tilannekuva may post to it, else TeamsAddressError (a ValueError; its text is safe to show
    and `key` is its catalog key): https only, to a host of settings.teams_hosts ('*.x' = any subdomain of
    x, otherwise exactly that host), port 443 if any, no user or password, no spaces, line breaks or
    backslashes, at most 2000 characters. http to a loopback host (127.0.0.1, ::1, localhost) only when
    that host is itself listed in teams_hosts: the tests' local receiver."""
    url = url if isinstance(url, str) else ""
    if not url:
        raise TeamsAddressError("delivery.teams_error.empty")
    if len(url) > TEAMS_URL_MAX:
        raise TeamsAddressError("delivery.teams_error.long")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in '\\"<>^`{|}' for c in url) or not url.isascii():
        raise TeamsAddressError("delivery.teams_error.characters")
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise TeamsAddressError("delivery.teams_error.malformed") from None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise TeamsAddressError("delivery.teams_error.userinfo")
    if not host or not (_HOST.match(host) or host == "::1"):
        raise TeamsAddressError("delivery.teams_error.malformed")
    loopback = host in LOOPBACK
    if loopback:
        if not _host_allowed(host, settings.teams_hosts) or parts.scheme not in ("http", "https"):
            raise TeamsAddressError("delivery.teams_error.host")
        return url
    if parts.scheme != "https":
        raise TeamsAddressError("delivery.teams_error.https")
    if port not in (None, 443):
        raise TeamsAddressError("delivery.teams_error.port")
    if not _host_allowed(host, settings.teams_hosts):
        raise TeamsAddressError("delivery.teams_error.host")
    if parts.fragment:
        raise TeamsAddressError("delivery.teams_error.malformed")
    return url


# --------------------------------------------------------------------------------------------- sending


def _short(text: object) -> str:
    """Text of a server's answer for an exception or the log: one line, at most ERROR_TEXT_MAX characters."""
    value = _CONTROLS.sub(
        "", _LINE_BREAKS.sub(" ", str(text.decode("utf-8", "replace") if isinstance(text, bytes) else text))
    )
    return value[:ERROR_TEXT_MAX] + ("…" if len(value) > ERROR_TEXT_MAX else "")


def send(channel: str, message: Message, address: str, settings: Settings) -> None:
    """Deliver `message` through `channel` to `address` (an e-mail address, or a Teams address);
    raises DeliveryError."""
    result = "sent"
    try:
        if channel == "email":
            _send_email(message, address, settings)
        elif channel == "teams":
            _send_teams(message, address, settings)
        else:
            raise DeliveryError(f"unknown channel {_short(channel)!r}", transient=False)
    except DeliveryError as error:
        result = ("transient: " if error.transient else "failed: ") + _short(error)
        raise
    finally:
        log.info("digest delivery user=%s channel=%s result=%s", message.username, channel, result)


def _send_email(message: Message, address: str, settings: Settings) -> None:
    try:
        mail = render_email(message, address, settings)
    except (ValueError, KeyError, TypeError) as error:  # a message that cannot be rendered is not sent
        raise DeliveryError(f"refused before sending: {_short(error)}", transient=False) from None
    host, port, security = settings.smtp_host, settings.smtp_port, settings.smtp_security
    if not host:
        raise DeliveryError("no mail relay configured (smtp_host)", transient=False)
    if security == "none" and host.lower().strip("[]") not in LOOPBACK:
        raise DeliveryError("smtp_security 'none' is allowed only to a relay on this host", transient=False)
    password = None
    if settings.smtp_username:
        try:
            password = (
                settings.smtp_password_file.read_text(encoding="utf-8").strip() if settings.smtp_password_file else None
            )
        except OSError:
            password = None
        if not password:
            raise DeliveryError("the SMTP password file is missing, unreadable or empty", transient=False)
    context = tls_context()
    handed_over = False
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with smtp:
            smtp.ehlo()
            if security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        "the mail relay does not offer STARTTLS (smtp_security = starttls)", transient=False
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, password)
            handed_over = True  # from here a cut connection or a late answer may follow an accepted message
            smtp.send_message(mail, from_addr=settings.mail_from, to_addrs=[address])
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()), (550, b""))
        raise DeliveryError(
            f"the relay refused the recipient: {code} {_short(text)}", transient=400 <= code < 500
        ) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(
            f"the relay answered {error.smtp_code} {_short(error.smtp_error)}", transient=400 <= error.smtp_code < 500
        ) from None
    except UnicodeEncodeError:  # smtplib signs in with ASCII only
        raise DeliveryError("the SMTP user name and password must be ASCII", transient=False) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(f"the relay does not support {_short(error)}", transient=False) from None
    except ssl.SSLCertVerificationError as error:
        raise DeliveryError(
            f"the relay's certificate was not accepted: {_short(error.verify_message)}", transient=False
        ) from None
    except (smtplib.SMTPException, OSError) as error:  # refused, timeout, disconnected, TLS broken off
        if handed_over:
            raise DeliveryError(
                f"the mail relay did not answer after taking the message: {type(error).__name__} {_short(error)}",
                transient=True,
                maybe_delivered=True,
            ) from None
        raise DeliveryError(
            f"the mail relay could not be reached: {type(error).__name__} {_short(error)}", transient=True
        ) from None


def tls_context() -> ssl.SSLContext:
    """The TLS context for the relay: the system's trusted certificates, the host name checked."""
    return ssl.create_default_context()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913 (urllib's signature)
        return None  # urllib then raises HTTPError with the 3xx code


def _send_teams(message: Message, address: str, settings: Settings) -> None:
    try:
        url = check_teams_url(address, settings)
        payload = json.dumps(render_card(message, settings), ensure_ascii=False).encode("utf-8")
    except (ValueError, KeyError, TypeError) as error:  # a message that cannot be rendered is not sent
        raise DeliveryError(f"refused before sending: {_short(error)}", transient=False) from None
    handlers: list = [_NoRedirect()]
    if (urlsplit(url).hostname or "") in LOOPBACK:
        handlers.append(urllib.request.ProxyHandler({}))  # a local receiver is never behind the proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url, data=payload, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with opener.open(request, timeout=TEAMS_TIMEOUT) as response:
            answer = _short(response.read(ERROR_TEXT_MAX * 2))
            status = response.status
    except urllib.error.HTTPError as error:
        status, text = error.code, _short(error.read(ERROR_TEXT_MAX * 2) if error.fp else b"")
        error.close()
        if 300 <= status < 400:
            raise DeliveryError(
                f"Teams answered with a redirect ({status}); redirects are not followed", transient=False
            ) from None
        raise DeliveryError(f"Teams answered {status}: {text}", transient=status == 429 or status >= 500) from None
    except (OSError, http.client.HTTPException) as error:  # URLError, refused, timeout, a broken answer
        reason = getattr(error, "reason", error)
        if not isinstance(error, urllib.error.URLError):  # urllib wraps what fails while sending the request:
            raise DeliveryError(  # anything else failed while waiting for the answer to a request sent whole
                f"Teams did not answer after taking the card: {type(error).__name__} {_short(error)}",
                transient=True,
                maybe_delivered=True,
            ) from None
        raise DeliveryError(
            f"Teams could not be reached: {type(reason).__name__} {_short(reason)}", transient=True
        ) from None
    if not 200 <= status < 300:
        raise DeliveryError(f"Teams answered {status}", transient=status == 429 or status >= 500)
    failed = _WEBHOOK_FAILED.search(answer)
    if failed:  # an Office 365 connector can answer 200 with the failure in its body
        code = int(found.group(1)) if (found := _WEBHOOK_CODE.search(answer)) else 400
        raise DeliveryError(f"Teams answered {status}: {answer}", transient=code == 429 or code >= 500)
