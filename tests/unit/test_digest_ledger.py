"""Issue 20: what a user chose, what their visit compares with, and the ledger that sends a digest once
(tilannekuva.notifications), and the runner's decisions (tilannekuva.digest) — on both state backends (the
`state` fixture: a real SQLite file, a real PostgreSQL server), with real processes racing for the same claims
(two app processes, or two `tilannekuva digest` runs on two machines: on PostgreSQL each opens its own
connections to one database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import time
from pathlib import Path

import pytest

from tests.helpers import Clock, main_not_rerun
from tilannekuva.digest import Runner, due, message_id, period_of
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings
from tilannekuva.statedb import StateDB, for_settings
from tilannekuva.whatsnew import Snapshot, default_rules


@pytest.fixture
def store(state):
    clock = Clock()
    return Notifications(state.db("notifications"), clock=clock), clock


def _claim(store, user="rehtori", channel="email", period="load:v1", owner="run-a"):
    return store.claim(user, channel, period, "immediate", {"signals": 3}, owner, "<m@tilannekuva>", 300)


def test_a_claim_is_taken_once_and_a_sent_delivery_never_again(store):
    notes, clock = store
    first = _claim(notes)
    assert first is not None
    assert _claim(notes, owner="run-b") is None  # held by run-a
    assert notes.sent(first, "run-a")
    clock.now += 10_000
    assert _claim(notes, owner="run-b") is None  # sent: never again, however late
    assert _claim(notes, channel="teams") is not None  # another channel is another delivery
    assert _claim(notes, period="load:v2") is not None  # and another period too


def test_a_claim_whose_run_died_is_taken_over_after_its_lease_and_the_dead_run_cannot_mark_it(store):
    notes, clock = store
    first = _claim(notes, owner="dead")
    clock.now += 299
    assert _claim(notes, owner="alive") is None
    clock.now += 2
    again = _claim(notes, owner="alive")
    assert again == first
    assert not notes.sent(first, "dead")  # the dead run's late mark is refused
    assert notes.sent(first, "alive")
    (row,) = notes.deliveries()
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.parametrize(
    ("transient", "attempts", "status"),
    [(True, 1, "failed"), (False, 1, "gave_up"), (True, 5, "gave_up")],
)
def test_a_failure_is_retried_with_growing_waits_until_it_gives_up(store, transient, attempts, status):
    notes, clock = store
    for n in range(attempts):
        claim = _claim(notes)
        assert claim is not None, n
        result = notes.failed(claim, "run-a", f"451 try later {n}", transient, retry_minutes=5, max_attempts=5)
        clock.now += 5 * 60 * 2**n + 1  # the wait doubles
    assert result == status
    (row,) = notes.failing()
    assert (row.status, row.attempts, row.last_error) == (status, attempts, f"451 try later {attempts - 1}")
    assert (_claim(notes) is None) == (status == "gave_up")


def test_a_failed_delivery_waits_for_its_time(store):
    notes, clock = store
    claim = _claim(notes)
    notes.failed(claim, "run-a", "timeout", True, retry_minutes=5, max_attempts=5)
    assert notes.due_again() == []
    assert _claim(notes) is None
    clock.now += 301
    assert notes.due_again() == [("rehtori", "email", "load:v1", "immediate")]
    assert _claim(notes) == claim


def _race(target: str, owner: str, keys: int, start, out) -> None:
    """One process claiming keys 0..keys-1, each at the same moment as the others (its own StateDB: its own
    file handle, or its own PostgreSQL connections)."""
    notes = Notifications(StateDB(target, "notifications"))
    won = []
    for k in range(keys):
        start.wait()  # every process claims the same key at the same moment
        if notes.claim(f"u{k}", "email", "load:v1", "immediate", {}, owner, "<m>", 300):
            won.append(k)
    out.put((owner, won))


RACES = {
    "new deliveries": (None, 1),
    # the claims of a run that died, their leases over: the takeover is the read-then-update that only the
    # store-wide exclusive transaction keeps to one winner (PostgreSQL's READ COMMITTED alone would let
    # every racer update the expired row)
    "claims of a dead run taken over": ("dead", 2),
}


@pytest.mark.parametrize(("earlier", "attempts"), RACES.values(), ids=RACES.keys())
def test_processes_racing_for_the_same_claims_get_each_one_once(state, earlier, attempts):
    keys = 60
    notes = Notifications(state.db("notifications"))
    if earlier:  # claimed 1000 s ago with a 300 s lease
        dead = Notifications(state.db("notifications"), clock=lambda: time.time() - 1000)
        assert all(dead.claim(f"u{k}", "email", "load:v1", "immediate", {}, earlier, "<m>", 300) for k in range(keys))
    target = state.url or str(notes.path)
    # spawned, not forked: a forked child would share the parent's pooled PostgreSQL connections
    spawn = multiprocessing.get_context("spawn")
    queue, start = spawn.Queue(), spawn.Barrier(3)
    runs = [spawn.Process(target=_race, args=(target, f"p{i}", keys, start, queue)) for i in range(3)]
    with main_not_rerun():
        for run in runs:
            run.start()
    won = dict(queue.get(timeout=120) for _ in runs)
    for run in runs:
        run.join(timeout=60)
    claimed = [k for keys in won.values() for k in keys]
    assert sorted(claimed) == list(range(keys))  # every one claimed, none twice
    rows = notes.deliveries(limit=None)
    assert len(rows) == keys and {(d.status, d.attempts) for d in rows} == {("sending", attempts)}
    for owner, taken in won.items():  # each run holds what it won, and only that
        assert all(not notes.sent(d.delivery_id, owner) for d in rows if int(d.username[1:]) not in taken)
    assert {d.status for d in notes.deliveries(limit=None)} == {"sending"}


def test_a_visit_compares_with_the_previous_visit_and_a_reload_keeps_the_news(store):
    notes, clock = store
    first, second, third = (Snapshot(version=f"v{n}") for n in (1, 2, 3))
    assert notes.visit("rehtori", "session-1", first) is None  # a first visit: nothing to compare with
    assert notes.visit("rehtori", "session-1", second) is None  # the same visit, reloaded
    assert notes.visit("rehtori", "session-2", third).version == "v2"  # the previous visit as it last was
    assert notes.visit("rehtori", "session-2", third).version == "v2"  # a reload keeps the news
    assert notes.visit("opettaja", "session-2", first) is None  # per user


def test_own_choice_over_the_admins_role_default_over_the_rules_file(store, principals):
    notes, _ = store
    rules, rehtori, admin = default_rules(), principals["rehtori"], principals["admin"]
    assert notes.frequencies(rehtori, rules) == dict(rules.defaults)
    notes.set_role_default("principal", "metrics", "daily", by=admin)
    notes.set_frequency(rehtori, "signals", "never")
    chosen = notes.frequencies(rehtori, rules)
    assert (chosen["metrics"], chosen["signals"], chosen["loads"]) == ("daily", "never", rules.defaults["loads"])
    assert notes.frequencies(principals["opettaja"], rules) == {
        k: rules.defaults[k] for k in ("signals", "absence", "loads")
    }


@pytest.mark.parametrize(
    ("call", "who"),
    [
        (lambda n, p: n.set_frequency(p, "signals", "never"), "viewed"),
        (lambda n, p: n.set_channels(p, False, ""), "viewed"),
        (lambda n, p: n.set_role_default("teacher", "signals", "never", by=p), "viewed"),
        (lambda n, p: n.set_role_default("teacher", "signals", "never", by=p), "rehtori"),
    ],
)
def test_a_read_only_view_and_a_user_without_the_capability_change_nothing(store, principals, call, who):
    notes, _ = store
    principal = dataclasses.replace(principals["rehtori"], viewed_by="admin") if who == "viewed" else principals[who]
    with pytest.raises(PermissionError):
        call(notes, principal)


@pytest.mark.parametrize(
    ("trigger", "when", "frequencies"),
    [
        ("load", dt.datetime(2026, 11, 24, 3), ("immediate",)),
        # every scheduled run finishes what a load's own run did not (killed, or never run)
        ("schedule", dt.datetime(2026, 11, 24, 6, 59), ("immediate",)),  # before the hour: no daily yet
        ("schedule", dt.datetime(2026, 11, 24, 7), ("immediate", "daily", "weekly")),  # a Tuesday: the week's too
        ("schedule", dt.datetime(2026, 11, 23, 7), ("immediate", "daily", "weekly")),  # Monday
        ("retry", dt.datetime(2026, 11, 24, 12), ()),
    ],
)
def test_what_a_run_sends(trigger, when, frequencies):
    assert due(trigger, when, default_rules()) == frequencies


def test_periods_name_the_load_the_day_and_the_iso_week():
    now = dt.datetime(2026, 11, 24, 8)
    assert [period_of(f, now, "v.duckdb") for f in ("immediate", "daily", "weekly")] == [
        "load:v.duckdb",
        "day:2026-11-24",
        "week:2026-W48",
    ]
    assert message_id("a", "email", "day:2026-11-24") == message_id("a", "email", "day:2026-11-24")
    assert message_id("a", "email", "day:2026-11-24") != message_id("a", "teams", "day:2026-11-24")


def _runner(city: Path, send, clock: Clock, hour: int = 9, state=None) -> Runner:
    """A digest run on `city`'s data, its state in `state` (tests/conftest.py; None: the city's SQLite files)."""
    conf = load_settings(
        {
            "TILANNEKUVA_MODE": "demo",
            "TILANNEKUVA_DATA_DIR": str(city),
            "TILANNEKUVA_SMTP_HOST": "relay",
            **(state.env() if state else {}),
        }
    )
    return Runner(conf, now=dt.datetime(2026, 11, 24, hour), send=send, clock=clock)


def test_a_first_digest_only_sets_the_baseline_and_then_each_change_is_told_once(city):
    from tilannekuva.delivery import DeliveryError

    clock, sent, fail = Clock(), [], [True]

    def send(channel, message, address, settings):
        if fail[0]:
            raise DeliveryError("451 4.3.0 relay busy", transient=True)
        sent.append((message.username, message.period, message.message_id, [c.text("fi") for c in message.changes]))

    first = _runner(city, send, clock).run("load")
    assert {o.status for o in first.outcomes} == {"baseline"} and sent == []
    notes = Notifications(for_settings(_runner(city, send, clock).settings, "notifications"))
    before = notes.baseline("rehtori", "immediate", "email")
    fewer = dataclasses.replace(before, signals={p: dict(list(v.items())[2:]) for p, v in before.signals.items()})
    notes.set_baseline("rehtori", "immediate", "email", fewer)

    failed = _runner(city, send, clock).run("load")
    assert [(o.username, o.status) for o in failed.outcomes if o.status != "empty"] == [("rehtori", "failed")]
    assert [d.username for d in notes.failing()] == ["rehtori"]
    assert _runner(city, send, clock).run("retry").outcomes == []  # not yet due again: nothing tried

    fail[0] = False
    clock.now += 301
    retried = _runner(city, send, clock).run("retry")
    assert [(o.username, o.status) for o in retried.outcomes] == [("rehtori", "sent")]
    ((user, period, mid, texts),) = sent
    assert user == "rehtori" and period.startswith("load:") and texts[0].endswith("oppilaita: 2")
    assert mid == message_id("rehtori", "email", period)
    assert notes.failing() == []
    assert all(o.status in ("empty", "skipped") for o in _runner(city, send, clock).run("load").outcomes)
    assert len(sent) == 1
    from tilannekuva.audit import AccessLog

    # one entry per attempt, written before the message leaves: the failed one and the sent one
    first, second = sorted(
        (e for e in AccessLog(city / "state" / "access_log.sqlite").entries() if e.action == "digest"),
        key=lambda e: e.entry_id,
    )
    for entry, attempt in ((first, 1), (second, 2)):
        assert (entry.username, entry.target, entry.page) == ("rehtori", "digest", "email")
        assert entry.filters["kinds"] == ["signals: 2"] and entry.filters["attempt"] == attempt and entry.rows == 0
        assert "pupil" not in str(entry.filters)


def test_dry_run_prints_what_a_user_would_get_and_sends_and_stores_nothing(city, state, monkeypatch, capsys):
    import json

    from tilannekuva import cli

    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(city))
    monkeypatch.setenv("TILANNEKUVA_SMTP_HOST", "relay")
    for key, value in state.env().items():
        monkeypatch.setenv(key, value)
    runner = _runner(city, lambda *a: None, Clock(), state=state)
    notes = Notifications(for_settings(runner.settings, "notifications"))
    now = runner.snapshot(runner.principal("opettaja"))
    notes.set_baseline("opettaja", "immediate", "email", dataclasses.replace(now, signals={p: {} for p in now.signals}))
    assert cli.main(["digest", "--dry-run", "--user", "OPETTAJA", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    (immediate,) = [d for d in shown["digests"] if d["frequency"] == "immediate"]
    listed = {p: v for p, v in now.signals.items() if v}
    assert sorted((c["kind"], c["count"]) for c in immediate["changes"]) == sorted(
        ("signals", len(v)) for v in listed.values()
    )
    change = immediate["changes"][0]
    assert change["link"] == "http://localhost:8501/teacher_watch?lukuvuosi=2026"
    assert shown["channels"] == ["email"] and shown["role"] == "teacher"
    told = json.dumps([d["changes"] for d in shown["digests"]])
    assert not any(str(p) in told for v in now.signals.values() for p in v)  # no pupil id anywhere
    assert notes.deliveries() == []  # nothing claimed or sent
    assert notes.baseline("opettaja", "immediate", "email") != now  # nor the baseline moved
    assert cli.main(["digest", "--dry-run", "--user", "nobody"]) == 2


def test_one_users_trouble_does_not_stop_the_others_digests(city, state):
    """A malformed entry of the users file and a user whose snapshot cannot be taken: logged and listed,
    everybody else gets theirs."""
    import yaml

    users_file = city / "demo" / "users.yaml"
    users_file.chmod(0o600)
    users = yaml.safe_load(users_file.read_text(encoding="utf-8"))
    users["users"]["rikki"] = {"role": "principal", "units": ["ei-numero"], "email": "rikki@demo.invalid"}
    users_file.write_text(yaml.safe_dump(users, allow_unicode=True), encoding="utf-8")
    sent, clock = [], Clock()
    runner = _runner(
        city, lambda channel, message, address, settings: sent.append(message.username), clock, state=state
    )
    runner.run("load")  # baselines
    notes = Notifications(for_settings(runner.settings, "notifications"))
    for user in ("rehtori", "opettaja"):
        snap = notes.baseline(user, "immediate", "email")
        notes.set_baseline(user, "immediate", "email", dataclasses.replace(snap, signals={p: {} for p in snap.signals}))
    runner = _runner(
        city, lambda channel, message, address, settings: sent.append(message.username), clock, state=state
    )
    real = runner.snapshot

    def broken(principal):
        if principal.username == "rehtori":
            raise RuntimeError("a snapshot that cannot be taken")
        return real(principal)

    runner.snapshot = broken
    report = runner.run("load")
    assert sent == ["opettaja"]
    assert [(o.username, o.status) for o in report.outcomes if o.status == "error"] == [("rehtori", "error")]


BASELINES = {
    # the data versions of the baselines stored one after another -> the one kept
    "a newer load moves it": (["2026-11-21T03:00:00", "2026-11-22T03:00:00"], "2026-11-22T03:00:00"),
    "a slower run of an earlier load does not roll it back": (
        ["2026-11-22T03:00:00", "2026-11-21T03:00:00"],
        "2026-11-22T03:00:00",
    ),
    "the same load again moves it (a newer look at it)": (["2026-11-22T03:00:00"] * 2, "2026-11-22T03:00:00"),
    "a version later in the day": (["2026-11-22T09:00:00", "2026-11-22T10:00:00"], "2026-11-22T10:00:00"),
    "no version yet is older than any": (["2026-11-22T03:00:00", ""], "2026-11-22T03:00:00"),
}


@pytest.mark.parametrize(("versions", "kept"), BASELINES.values(), ids=BASELINES.keys())
def test_a_digest_baseline_never_goes_back_to_an_older_load(state, versions, kept):
    """Two runs (two processes, two machines) storing baselines of different loads: the newest load wins,
    compared byte by byte as ISO times on either backend."""
    runs = [Notifications(state.db("notifications"), clock=Clock()) for _ in versions]
    for n, (run, version) in enumerate(zip(runs, versions, strict=True)):
        run.set_baseline("rehtori", "immediate", "email", Snapshot(version=f"s{n}", data_version=version))
    stored = runs[0].baseline("rehtori", "immediate", "email")
    assert stored.data_version == kept
    assert stored.version == f"s{max(n for n, v in enumerate(versions) if v == kept)}"
