"""Delivering a digest: e-mail over SMTP (the city's relay) and Microsoft Teams (an incoming webhook or a
Workflows address, as an Adaptive Card).

A `Message` is what one recipient gets through one channel: the changes as counts and aggregate figures
(tilannekuva.whatsnew.without_pupils: never a pupil's name or id), in the recipient's language, each
with a deep link into the app. Everything rendered is escaped: a unit's name comes from a source system
and is hostile data.
"""

from __future__ import annotations

from dataclasses import dataclass

from tilannekuva.settings import Settings
from tilannekuva.whatsnew import Change

CHANNELS = ("email", "teams")


class DeliveryError(RuntimeError):
    """A delivery failed; `transient` says whether trying again later may help (a relay that is down, a
    timeout, HTTP 429/5xx) or not (an address refused, HTTP 4xx)."""

    def __init__(self, message: str, transient: bool = True):
        super().__init__(message)
        self.transient = transient


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


def send(channel: str, message: Message, address: str, settings: Settings) -> None:
    """Deliver `message` through `channel` to `address` (an e-mail address, or a Teams address);
    raises DeliveryError."""
    raise NotImplementedError("issue 20: delivery")
