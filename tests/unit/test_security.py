"""The sign-in store: sessions kept by the hash of a random secret (absolute and idle expiry,
revocation), throttling that an attacker cannot turn against a user, the client address that a
header cannot choose, and password checks of equal cost."""

import hashlib
import sqlite3
import statistics
import time

import pytest

from tilannekuva.security import (
    HASH_ROUNDS,
    SecurityStore,
    client_address,
    hash_password,
    session_id,
    untrusted_forwarded_for,
    verify_password,
)

T0 = 1_800_000_000.0
WINDOW = 600


def store(tmp_path, **kw):
    return SecurityStore(
        tmp_path / "s.sqlite",
        **{
            "limit_pair": 3,
            "limit_client": 8,
            "limit_account": 10,
            "window_seconds": WINDOW,
            "idle_seconds": 300,
            **kw,
        },
    )


# --- sessions --------------------------------------------------------------------------------


def test_only_the_hash_of_a_256_bit_secret_is_stored(tmp_path):
    s = store(tmp_path)
    secret = s.open_session("opettaja", expires_at=T0 + 3600, now=T0)
    assert len(secret) >= 43  # token_urlsafe(32): 256 bits
    dump = "\n".join(sqlite3.connect(tmp_path / "s.sqlite").iterdump())
    assert secret not in dump
    assert hashlib.sha256(secret.encode()).hexdigest() == session_id(secret) and session_id(secret) in dump
    assert s.session_of(secret, now=T0 + 1) == ("opettaja", True)
    assert s.session_of(session_id(secret), now=T0 + 1) is None  # the stored value is no cookie
    assert s.open_session("opettaja", expires_at=T0 + 3600, now=T0) != secret


# (event before the check, seconds after opening when checked, active?)
SESSION_CASES = [
    ("none", 1, True),
    ("none", 299, True),  # within the idle timeout (300 s)
    ("none", 301, False),  # idle
    ("touch at 250", 500, True),  # use keeps it alive …
    ("touch at 250", 551, False),  # … for the idle timeout after the last use
    ("touch every 200", 3599, True),  # in use all along: the absolute lifetime (3600 s) …
    ("touch every 200", 3601, False),  # … still ends it
    ("revoke this", 2, False),
    ("revoke user", 2, False),  # role change, password reset, removal
    ("revoke other", 2, True),
]


@pytest.mark.parametrize("event, at, active", SESSION_CASES)
def test_session_lifetime_idle_timeout_and_revocation(tmp_path, event, at, active):
    s = store(tmp_path)
    secret = s.open_session("opettaja", expires_at=T0 + 3600, now=T0)
    sid = session_id(secret)
    other = s.open_session("opettaja", expires_at=T0 + 3600, now=T0)
    if event == "touch at 250":
        s.touch(sid, now=T0 + 250)
    elif event == "touch every 200":
        for t in range(200, at, 200):
            s.touch(sid, now=T0 + t)
    elif event == "revoke this":
        assert s.revoke("opettaja", sid, now=T0 + 1) == 1
    elif event == "revoke user":
        assert s.revoke("opettaja", now=T0 + 1) == 2
    elif event == "revoke other":
        s.revoke("opettaja", session_id(other), now=T0 + 1)
    assert s.is_active("opettaja", sid, now=T0 + at) is active
    assert s.session_of(secret, now=T0 + at) == ("opettaja", active)
    assert not s.is_active("rehtori", sid, now=T0 + 1)  # another user's name never matches


def test_a_revoked_session_is_not_revived_by_use(tmp_path):
    s = store(tmp_path)
    sid = session_id(s.open_session("opettaja", expires_at=T0 + 3600, now=T0))
    s.revoke("opettaja", sid, now=T0 + 1)
    s.touch(sid, now=T0 + 2)
    assert not s.is_active("opettaja", sid, now=T0 + 3)


# --- throttling ------------------------------------------------------------------------------
# limits: 3 per (username, client), 8 per client, 10 per username from clients it never signed in from.
# Each case: the history as (username, client, succeeded, count), then (username, client) asking
# and the expected wait in seconds at T0 + 100 (failures are recorded 1 s apart from T0).
ATTACKER, VICTIM, OTHER = "203.0.113.66", "198.51.100.7", "192.0.2.1"
THROTTLE_CASES = [
    ("fresh", [], ("rehtori", ATTACKER), 0),
    ("two failures", [("rehtori", ATTACKER, False, 2)], ("rehtori", ATTACKER), 0),
    # the pair's delay starts at 30 s from its last failure and doubles with every further failure
    ("pair at limit", [("rehtori", ATTACKER, False, 3)], ("rehtori", ATTACKER), 0),
    ("pair at limit, soon", [("rehtori", ATTACKER, False, 3)], ("rehtori", ATTACKER, 10), 22),
    ("pair +3", [("rehtori", ATTACKER, False, 6)], ("rehtori", ATTACKER), 240 + 5 - 100),
    ("pair capped at window", [("rehtori", ATTACKER, False, 30)], ("rehtori", ATTACKER), WINDOW + 29 - 100),
    # the attacker's failures do not touch the user from elsewhere …
    ("victim elsewhere", [("rehtori", ATTACKER, False, 5)], ("rehtori", VICTIM), 0),
    # … even past the per-username cap, when the user signed in from there before
    (
        "account cap, known client",
        [("rehtori", VICTIM, True, 1), ("rehtori", ATTACKER, False, 12)],
        ("rehtori", VICTIM),
        0,
    ),
    (
        "account cap, new client",
        [("rehtori", VICTIM, True, 1), ("rehtori", ATTACKER, False, 12)],
        ("rehtori", OTHER),
        WINDOW + 3 - 100,
    ),
    # a sprayer is throttled at its address for every username, but not a user known there
    ("spray", [(f"user{i}", ATTACKER, False, 1) for i in range(8)], ("johto", ATTACKER), WINDOW + 0 - 100),
    (
        "spray, known user there",
        [("johto", ATTACKER, True, 1)] + [(f"user{i}", ATTACKER, False, 1) for i in range(8)],
        ("johto", ATTACKER),
        0,
    ),
    ("spray, other address", [(f"user{i}", ATTACKER, False, 1) for i in range(8)], ("johto", OTHER), 0),
    ("successes do not count", [("admin", ATTACKER, True, 10)], ("admin", ATTACKER), 0),
    ("old failures leave the window", [("rehtori", ATTACKER, False, 30)], ("rehtori", ATTACKER, WINDOW + 40), 0),
    ("username case and spaces", [("rehtori", ATTACKER, False, 6)], ("REHTORI ", ATTACKER), 145),
]


@pytest.mark.parametrize("history, ask, expected", [c[1:] for c in THROTTLE_CASES], ids=[c[0] for c in THROTTLE_CASES])
def test_throttle_scheme(tmp_path, history, ask, expected):
    s = store(tmp_path)
    at = T0
    for username, client, ok, count in history:
        for _ in range(count):
            s.record_attempt(username, client, ok, now=at)
            at += 1
    username, client, *when = ask
    assert s.throttle_wait(username, client, now=T0 + (when[0] if when else 100)) == expected


# --- client address ---------------------------------------------------------------------------
# (what Streamlit reports, X-Forwarded-For values, Tilannekuva's trusted proxies, expected)
ADDRESS_CASES = [
    ("direct remote", "192.0.2.5", [], (), "192.0.2.5"),
    ("loopback is an address, not 'unknown'", None, [], (), "127.0.0.1"),
    # uvicorn trusts loopback by default and already put the header's entry in place of the peer
    ("spoofed via loopback, no trusted proxy", "6.6.6.6", ["6.6.6.6"], (), "127.0.0.1"),
    ("rotating header via loopback", "6.6.6.7", ["1.1.1.1, 6.6.6.7"], (), "127.0.0.1"),
    ("trusted same-host proxy", "198.51.100.7", ["198.51.100.7"], ("127.0.0.1",), "198.51.100.7"),
    ("trusted chain", "10.0.0.2", ["198.51.100.7, 10.0.0.2"], ("127.0.0.1", "10.0.0.2"), "198.51.100.7"),
    ("client-chosen prefix ignored", "198.51.100.7", ["6.6.6.6, 198.51.100.7"], ("127.0.0.1",), "198.51.100.7"),
    ("remote peer with a header", "192.0.2.5", ["6.6.6.6"], (), "192.0.2.5"),
    ("remote peer naming itself first", "192.0.2.5", ["192.0.2.5, 6.6.6.6"], ("127.0.0.1",), "192.0.2.5"),
    ("trusted remote proxy", "10.0.0.9", ["198.51.100.7"], ("10.0.0.9",), "198.51.100.7"),
    ("header port stripped", "6.6.6.6", ["6.6.6.6:4444"], (), "127.0.0.1"),
]


@pytest.mark.parametrize(
    "reported, forwarded, trusted, expected", [c[1:] for c in ADDRESS_CASES], ids=[c[0] for c in ADDRESS_CASES]
)
def test_client_address_cannot_be_chosen_by_the_client(reported, forwarded, trusted, expected):
    assert client_address(reported, forwarded, trusted) == expected


@pytest.mark.parametrize(
    "reported, forwarded, trusted, expected",
    [
        ("192.0.2.5", ["192.0.2.5"], (), "192.0.2.5"),  # the header names the peer itself
        ("127.0.0.1", ["6.6.6.6"], (), "127.0.0.1"),
        ("127.0.0.1", ["198.51.100.7"], ("127.0.0.1",), "198.51.100.7"),
    ],
)
def test_client_address_when_uvicorn_trusts_no_proxy(reported, forwarded, trusted, expected):
    """FORWARDED_ALLOW_IPS="": uvicorn leaves the peer alone, Tilannekuva alone decides on the header."""
    assert client_address(reported, forwarded, trusted, server_trusted=()) == expected


# The address used only to tell the users of one login session apart (never to throttle): behind a proxy that
# is not trusted, the right-most forwarded address (what that proxy saw); None when the client address is
# already the real one (no header, or a trusted proxy resolved it).
# (what Streamlit reports, X-Forwarded-For values, trusted proxies, uvicorn's trusted hosts, expected)
FORWARDED_CASES = [
    ("direct remote, no header", "192.0.2.5", [], (), ("127.0.0.1",), None),
    ("untrusted same-host proxy: what it saw", "10.0.0.5", ["10.0.0.5"], (), ("127.0.0.1",), "10.0.0.5"),
    ("untrusted proxy, client-chosen prefix", "6.6.6.7", ["1.1.1.1, 6.6.6.7"], (), ("127.0.0.1",), "6.6.6.7"),
    ("untrusted proxy, port stripped", "6.6.6.6", ["6.6.6.6:4444"], (), ("127.0.0.1",), "6.6.6.6"),
    ("trusted same-host proxy resolves it", "198.51.100.7", ["198.51.100.7"], ("127.0.0.1",), ("127.0.0.1",), None),
    ("trusted remote proxy resolves it", "10.0.0.9", ["198.51.100.7"], ("10.0.0.9",), ("127.0.0.1",), None),
    ("remote peer with a header, uvicorn trusts none", "10.0.0.9", ["198.51.100.7, 10.1.1.1"], (), (), "10.1.1.1"),
]


@pytest.mark.parametrize(
    "reported, forwarded, trusted, server, expected",
    [c[1:] for c in FORWARDED_CASES],
    ids=[c[0] for c in FORWARDED_CASES],
)
def test_the_forwarded_address_behind_an_untrusted_proxy(reported, forwarded, trusted, server, expected):
    assert untrusted_forwarded_for(reported, forwarded, trusted, server) == expected


# The addresses a login session has been used from live in the store: (opened from, uses as (address,
# restart before it?), expected first-use answers). A restart is a new store on the same file.
SEEN_CASES = [
    ("reload from the opening address", "10.0.0.5", [("10.0.0.5", False)], [False]),
    ("reload after a restart", "10.0.0.5", [("10.0.0.5", True)], [False]),
    ("another address once, then known", "10.0.0.5", [("203.0.113.7", False), ("203.0.113.7", True)], [True, False]),
    ("back at the opening address", "10.0.0.5", [("203.0.113.7", False), ("10.0.0.5", False)], [True, False]),
    ("a session opened before addresses were kept", None, [("10.0.0.5", False), ("203.0.113.7", False)], [False, True]),
]


@pytest.mark.parametrize("opened_from, uses, expected", [c[1:] for c in SEEN_CASES], ids=[c[0] for c in SEEN_CASES])
def test_a_session_remembers_the_addresses_it_was_used_from(tmp_path, opened_from, uses, expected):
    s = store(tmp_path)
    secret = s.open_session("rehtori", T0 + 3600, now=T0, client=opened_from)
    answers = []
    for client, restart in uses:
        if restart:
            s = store(tmp_path)
        answers.append(s.first_use_from(session_id(secret), client, now=T0 + 1))
    assert answers == expected
    assert s.clients_of(session_id(secret))[0] == (opened_from or uses[0][0])


# --- passwords ---------------------------------------------------------------------------------


def test_every_hash_has_one_cost_and_unknown_usernames_cost_the_same():
    stored = hash_password("oikea-salasana-123")
    assert stored.startswith(f"$2b${HASH_ROUNDS:02d}$") and HASH_ROUNDS >= 12
    assert verify_password(stored, "oikea-salasana-123")
    timings = {"known": [], "unknown": [], "malformed": []}
    for _ in range(5):  # CPU time of this thread (bcrypt runs in it): other processes' load does not count
        for kind, value in (("known", stored), ("unknown", None), ("malformed", "!invalid")):
            started = time.thread_time()
            assert not verify_password(value, "väärä-salasana")
            timings[kind].append(time.thread_time() - started)
    known = statistics.median(timings["known"])
    for kind in ("unknown", "malformed"):
        assert abs(statistics.median(timings[kind]) - known) / known < 0.2, timings
