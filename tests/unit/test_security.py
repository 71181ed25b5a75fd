"""The sign-in store: sessions kept by the hash of a random secret (absolute and idle expiry,
revocation), throttling that an attacker cannot turn against a user, the client address that a
header cannot choose, and password checks of equal cost. The store's tests run on both state backends
(SQLite and PostgreSQL: the `state` fixture); a second store on the same state is a second app process."""

import hashlib
import statistics
import threading
import time

import pytest

from tests.rawstate import Raw
from tilannekuva.security import (
    HASH_ROUNDS,
    SecurityStore,
    client_address,
    hash_password,
    session_id,
    typed_username,
    untrusted_forwarded_for,
    verify_password,
)

T0 = 1_800_000_000.0
WINDOW = 600


def store(state, **kw):
    return SecurityStore(
        state.db("security"),
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


def test_only_the_hash_of_a_256_bit_secret_is_stored(state):
    s = store(state)
    secret = s.open_session("opettaja", expires_at=T0 + 3600, now=T0)
    assert len(secret) >= 43  # token_urlsafe(32): 256 bits
    with Raw(state.db("security")) as db:
        dump = db.dump()
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
def test_session_lifetime_idle_timeout_and_revocation(state, event, at, active):
    s = store(state)
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


def test_a_revoked_session_is_not_revived_by_use(state):
    s = store(state)
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
def test_throttle_scheme(state, history, ask, expected):
    s = store(state)
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
def test_a_session_remembers_the_addresses_it_was_used_from(state, opened_from, uses, expected):
    s = store(state)
    secret = s.open_session("rehtori", T0 + 3600, now=T0, client=opened_from)
    answers = []
    for client, restart in uses:
        if restart:
            s = store(state)
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


# --- several app processes, one state -----------------------------------------------------------
# Each case: failures as (which process, username, client, count), then who asks and the expected wait at
# T0 + 100 on every process. Each process has its own store (its own StateDB); the failures count together.
SPREAD_CASES = [
    (
        "pair over two processes",
        [(0, "rehtori", ATTACKER, 2), (1, "rehtori", ATTACKER, 1)],
        ("rehtori", ATTACKER, 10),
        22,
    ),
    ("pair +3 over two", [(0, "rehtori", ATTACKER, 3), (1, "rehtori", ATTACKER, 3)], ("rehtori", ATTACKER), 145),
    ("spray over two", [(n % 2, f"user{n}", ATTACKER, 1) for n in range(8)], ("johto", ATTACKER), WINDOW - 100),
    (
        "distributed guess",
        [(n % 2, "rehtori", f"198.18.0.{n}", 1) for n in range(10)],
        ("rehtori", OTHER),
        WINDOW - 100,
    ),
    ("below every limit", [(0, "rehtori", ATTACKER, 1), (1, "rehtori", ATTACKER, 1)], ("rehtori", ATTACKER), 0),
]


@pytest.mark.parametrize("history, ask, expected", [c[1:] for c in SPREAD_CASES], ids=[c[0] for c in SPREAD_CASES])
def test_failures_spread_over_processes_are_counted_together(state, history, ask, expected):
    processes = [store(state), store(state)]
    at = T0
    for which, username, client, count in history:
        for _ in range(count):
            processes[which].record_attempt(username, client, False, now=at)
            at += 1
    username, client, *when = ask
    waits = [p.throttle_wait(username, client, now=T0 + (when[0] if when else 100)) for p in processes]
    assert waits == [expected, expected]


def test_a_sign_out_in_one_process_ends_the_session_in_every_other(state):
    opened, other = store(state), store(state)
    secret = opened.open_session("rehtori", expires_at=T0 + 3600, now=T0, client="10.0.0.5")
    sid = session_id(secret)
    assert other.session_of(secret, now=T0 + 1) == ("rehtori", True)
    other.touch(sid, now=T0 + 250)  # used through the other process: the idle time counts from there
    assert opened.is_active("rehtori", sid, now=T0 + 500)
    assert other.revoke("rehtori", sid, now=T0 + 501) == 1
    assert not opened.is_active("rehtori", sid, now=T0 + 502)
    assert opened.session_of(secret, now=T0 + 502) == ("rehtori", False)


def test_a_new_address_is_a_first_use_once_however_many_processes_see_it(state):
    """Eight requests of one session from a new address reach two processes at once: exactly one is the first
    use (one sign-in log entry), and the opening address stays first."""
    processes = [store(state), store(state)]
    sid = session_id(processes[0].open_session("rehtori", T0 + 3600, now=T0, client="10.0.0.5"))
    answers, start = [], threading.Barrier(8)

    def use(n: int) -> None:
        start.wait()
        answers.append(processes[n % 2].first_use_from(sid, "203.0.113.7", now=T0 + 1 + n))

    threads = [threading.Thread(target=use, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [False] * 7 + [True]
    assert processes[1].clients_of(sid) == ["10.0.0.5", "203.0.113.7"]


def test_a_security_file_from_before_keeps_the_order_of_its_addresses(tmp_path):
    """A data/state/security.sqlite written before issue 21 (no `position` column): opened now, its sessions'
    addresses keep the order they were seen in, even with one time for all."""
    import sqlite3

    path = tmp_path / "security.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "create table login_session_client (session_id text not null, client text not null, "
            "first_seen_at real not null, primary key (session_id, client))"
        )
        db.executemany(
            "insert into login_session_client values ('s', ?, ?)",
            [("10.0.0.9", T0), ("10.0.0.1", T0), ("10.0.0.5", T0)],
        )
    s = SecurityStore(path)
    assert s.clients_of("s") == ["10.0.0.9", "10.0.0.1", "10.0.0.5"]
    assert s.first_use_from("s", "10.0.0.2", now=T0) is True
    assert s.clients_of("s") == ["10.0.0.9", "10.0.0.1", "10.0.0.5", "10.0.0.2"]


# --- the sign-in form's reservation: the throttle's check and the attempt in one transaction -----------------
# Each case: N simultaneous attempts (threads over two processes) of (username, client) with the limits of
# `store`, some of them with the right password; how many got their password checked (a reservation), and the
# wait after them. Without the reservation every attempt read "not throttled" before any was recorded.
RACE_CASES = [
    ("16 guesses of one pair", 16, 0, 3),
    ("8 guesses of one pair", 8, 0, 3),
    ("2 guesses: under the limit", 2, 0, 2),
    ("the right password among them", 16, 1, 3),
]


@pytest.mark.parametrize("tries, right, checked", [c[1:] for c in RACE_CASES], ids=[c[0] for c in RACE_CASES])
def test_simultaneous_attempts_on_two_processes_reserve_at_most_the_limit(state, tries, right, checked):
    processes = [store(state), store(state)]
    tokens, start = [], threading.Barrier(tries)

    def attempt(n: int) -> None:
        start.wait()
        wait, token = processes[n % 2].reserve_attempt("Rehtori", ATTACKER, now=T0 + n / 1000)
        tokens.append((wait, token))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    granted = [token for wait, token in tokens if token is not None]
    assert len(granted) == checked
    assert all(wait > 0 for wait, token in tokens if token is None)
    for token in granted[:right]:
        processes[1].attempt_succeeded("rehtori", token)
    assert processes[0].is_known_client("rehtori", ATTACKER, now=T0 + 1) is bool(right)
    assert processes[0].throttle_wait("rehtori", ATTACKER, now=T0 + 1) == (0 if checked - right < 3 else 29)


@pytest.mark.parametrize(
    "typed, counted",
    [
        ("rehtori\x00", "rehtori\ufffd"),
        ("  Rehtori\n", "rehtori"),
        ("reh\x1btori", "reh\ufffdtori"),
        ("REHTORI", "rehtori"),
        ("\x00", "\ufffd"),
        ("rehtori\ud800", "rehtori\ufffd"),  # a lone surrogate: no UTF-8 for it on either backend
        ("", ""),
    ],
)
def test_a_typed_username_is_counted_without_control_characters(state, typed, counted):
    """A NUL byte (PostgreSQL's text cannot hold it) or another control character is counted, on either
    backend, as an ordinary unknown username."""
    assert typed_username(typed) == counted
    if counted:
        s = store(state)
        wait, token = s.reserve_attempt(typed, ATTACKER, now=T0)
        assert (wait, token is not None) == (0, True)
        with Raw(state.db("security")) as db:
            assert [tuple(r) for r in db.execute("select username, succeeded from login_attempt").fetchall()] == [
                (counted, 0)
            ]


def test_a_security_file_from_before_gets_its_attempt_ids(tmp_path):
    """A data/state/security.sqlite written before the reservations (no `attempt_id`): its failures still count,
    and a new attempt can be reserved and marked succeeded."""
    import sqlite3

    path = tmp_path / "security.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "create table login_attempt (attempted_at real not null, username text not null, client text not null, "
            "succeeded integer not null)"
        )
        db.executemany("insert into login_attempt values (?, 'rehtori', ?, 0)", [(T0, ATTACKER), (T0 + 1, ATTACKER)])
    s = SecurityStore(path, limit_pair=3, window_seconds=WINDOW)
    wait, token = s.reserve_attempt("rehtori", ATTACKER, now=T0 + 2)
    assert wait == 0 and token
    assert s.reserve_attempt("rehtori", ATTACKER, now=T0 + 3) == (29, None)
    s.attempt_succeeded("rehtori", token)
    assert s.is_known_client("rehtori", ATTACKER, now=T0 + 4)


def test_a_use_whose_entry_failed_is_a_first_use_again(state):
    s = store(state)
    sid = session_id(s.open_session("rehtori", T0 + 3600, now=T0, client="10.0.0.5"))
    assert s.first_use_from(sid, "203.0.113.7", now=T0 + 1)
    s.forget_use(sid, "203.0.113.7")
    s.forget_use(sid, "10.0.0.5")  # the opening address is never forgotten
    assert s.clients_of(sid) == ["10.0.0.5"]
    assert s.first_use_from(sid, "203.0.113.7", now=T0 + 2)
