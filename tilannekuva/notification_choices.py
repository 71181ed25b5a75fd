"""The rules behind the page "Ilmoitukset" (pages/my_notifications.py) and the admin's notification
sections on the status page: what saving stores, what a stored Teams address shows, why e-mail cannot
be sent, when the digests go out, and how a delivery in the ledger reads in words.

The stores are tilannekuva.notifications (choices, channels, the delivery ledger) and the rules
tilannekuva.whatsnew (kinds, frequencies, schedule); this module only decides and words, so the pages
stay a description of the screen and every rule here has its table-driven test
(tests/unit/test_notification_choices.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from babel.dates import get_day_names

from tilannekuva.i18n import BABEL_LOCALES, fmt_date, t
from tilannekuva.notifications import Delivery, Notifications
from tilannekuva.whatsnew import FREQUENCIES

MASK = "…"
# how a failing delivery reads: will retry, run died (retries), given up, handed over but unanswered (not resent)
STATUSES = ("retry", "stalled", "gave_up", "unconfirmed")
_LOAD_STAMP = re.compile(r"-(\d{8}T\d{6})")


def changed(current: Mapping[str, str], chosen: Mapping[str, str]) -> dict[str, str]:
    """The kinds whose chosen frequency differs from what is in force now (what saving stores): a kind
    left as its role's default stays without an own choice, so a later change of the default reaches it."""
    unknown = {f for f in chosen.values() if f not in FREQUENCIES}
    if unknown:
        raise ValueError(f"unknown frequencies {sorted(unknown)}")
    return {kind: freq for kind, freq in chosen.items() if kind in current and current[kind] != freq}


def masked(url: str) -> str:
    """A stored Teams address as the page shows it: the scheme and host and '…' — the rest is the secret
    (anyone with the whole address can post to the user's chat). '' for no address."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/{MASK}"


def host_of(text: str) -> str:
    """The host of a typed address, for a log line ('?' when it cannot even be split): never the whole
    address, which is a secret."""
    try:
        return urlsplit(text).hostname or "?"
    except ValueError:
        return "?"


def email_blocker(address: str, smtp_host: str) -> str | None:
    """Why e-mail digests cannot reach the user: 'no_address' (the user directory has none for them),
    'no_relay' (no mail relay configured: settings.smtp_host), or None when they can."""
    if not address.strip():
        return "no_address"
    if not smtp_host.strip():
        return "no_relay"
    return None


def weekday_name(weekday: int, lang: str) -> str:
    """The weekly digest's day (the rules' ISO weekday, 1 = Monday) as the sentence 'viikoittainen {weekday}
    klo 7 jälkeen' needs it: 'maanantaina', 'måndag', 'Monday'."""
    if not 1 <= weekday <= 7:
        raise ValueError(f"an ISO weekday is 1–7, not {weekday}")
    return get_day_names("wide", "format", BABEL_LOCALES[lang])[weekday - 1]


def period_text(period: str, lang: str) -> str:
    """A ledger period in words: 'load:<warehouse file>' → 'latauksen 24.11.2026 klo 10.15 jälkeen',
    'day:2026-11-24' → 'päivä 24.11.2026', 'week:2026-W48' → 'viikko 48/2026'. Unreadable: as it is."""
    kind, _, value = period.partition(":")
    try:
        if kind == "load":
            found = _LOAD_STAMP.search(value)
            if not found:
                return t("notify.period.load_unknown", lang)
            at = dt.datetime.strptime(found.group(1), "%Y%m%dT%H%M%S")
            return t("notify.period.load", lang, when=fmt_date(at, lang, with_time=True))
        if kind == "day":
            return t("notify.period.day", lang, day=fmt_date(dt.date.fromisoformat(value), lang))
        if kind == "week":
            year, _, week = value.partition("-W")
            return t("notify.period.week", lang, week=int(week), year=int(year))
    except ValueError:
        pass
    return period


def status_of(delivery: Delivery) -> str:
    """How a failing delivery reads: 'retry' (failed, tried again at next_try), 'stalled' (its run died
    half-way; the next run takes it over), 'gave_up' (refused, or tried max_attempts times) or 'unconfirmed'
    (handed over, no answer: it may have arrived, and is not sent again)."""
    return {"failed": "retry", "sending": "stalled", "gave_up": "gave_up", "unconfirmed": "unconfirmed"}[
        delivery.status
    ]


def next_try(delivery: Delivery) -> dt.datetime | None:
    """When a failed delivery is tried again (local time); None when it was given up, or when its run died
    (the next run of `tilannekuva digest` takes it over, whenever that is)."""
    return dt.datetime.fromtimestamp(delivery.next_try) if delivery.status == "failed" else None


def sent_since(store: Notifications, since: float) -> int:
    """How many deliveries went out since `since` (epoch seconds)."""
    sent = store.deliveries(statuses=("sent",), limit=1_000_000)
    return sum(1 for d in sent if d.sent_at is not None and d.sent_at >= since)
