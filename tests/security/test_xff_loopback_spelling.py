"""Attack (issue 15): a loopback client still chooses its own throttling address.

uvicorn (0.54, FORWARDED_ALLOW_IPS default "127.0.0.1,::1") compares X-Forwarded-For hops as parsed
IP addresses; `tilannekuva.security.client_address` compares them as strings. A hop that spells
loopback differently ("0:0:0:0:0:0:0:1", "0::1", "::0001") is skipped by uvicorn as trusted, so
uvicorn reports the attacker's chosen entry left of it; the app does not recognise the spelling as
trusted, concludes uvicorn did not rewrite anything, and believes the attacker's address. Rotating
that entry gives every guess a fresh bucket — the bypass issue 15 item 3 closed, reopened.
"""

from __future__ import annotations

import asyncio

import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tilannekuva.security import LOOPBACK, client_address


def _uvicorn_client(xff: str) -> str:
    """The client address uvicorn hands the app for a request from 127.0.0.1 with this header."""
    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0]

    mw = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1,::1")  # uvicorn's default
    scope = {
        "type": "websocket",
        "client": ("127.0.0.1", 50000),
        "scheme": "ws",
        "headers": [(b"x-forwarded-for", xff.encode())],
    }
    asyncio.run(mw(scope, None, None))
    return seen["client"]


def _app_client(xff: str, trusted_proxies: tuple[str, ...] = ()) -> str:
    reported = _uvicorn_client(xff)
    reported = None if reported in LOOPBACK else reported  # st.context.ip_address: None for loopback
    return client_address(reported, [xff], trusted_proxies, ("127.0.0.1", "::1"))


@pytest.mark.parametrize("loopback", ["0:0:0:0:0:0:0:1", "0::1", "::0001", "0000::1"])
def test_a_loopback_client_cannot_pick_its_address_by_spelling_loopback_differently(loopback):
    chosen = [_app_client(f"203.0.113.{i}, {loopback}") for i in range(1, 4)]
    # Default configuration (no trusted proxies): every one of these requests came from 127.0.0.1.
    assert chosen == ["127.0.0.1"] * 3, f"attacker-chosen throttling addresses: {chosen}"


def test_the_plain_spelling_holds():
    assert _app_client("203.0.113.1, ::1") == "127.0.0.1"
    assert _app_client("203.0.113.1") == "127.0.0.1"
