"""Attack on issue 20 (exactly once): two digest runs of two loads that overlap, a failed delivery that a
later load's digest covered, and a relay that accepted the message but whose answer timed out."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import Clock
from tilannekuva.digest import Runner
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings


def _settings(city: Path, **more):
    return load_settings(
        {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(city), "TILANNEKUVA_SMTP_HOST": "relay", **more}
    )


def _runner(city: Path, send, clock: Clock, **more) -> Runner:
    return Runner(_settings(city, **more), now=dt.datetime(2026, 11, 24, 9), send=send, clock=clock)


def _snapshots(city: Path, clock: Clock):
    """rehtori's snapshot now (S2), and two earlier states: S0 without two of the listed pupils, S1 with one."""
    runner = _runner(city, lambda *a: None, clock)
    s2 = runner.snapshot(runner.principal("rehtori"))
    place = next(p for p, rows in s2.signals.items() if len(rows) >= 2)
    pupils = sorted(s2.signals[place])
    x, y = pupils[0], pupils[1]

    def without(*gone, load: int):
        # each state is of its own load: a later load's sources were loaded later (Snapshot.data_version)
        return dataclasses.replace(
            s2,
            signals={p: {k: v for k, v in rows.items() if k not in gone} for p, rows in s2.signals.items()},
            data_version=f"2026-11-2{load}T03:00:00",
        )

    return without(x, y, load=1), without(y, load=2), without(load=3), place


def test_a_slower_digest_run_of_an_earlier_load_does_not_roll_the_baseline_back(city):
    """ingest runs `digest --trigger load` after its commit, outside the writer lock, so the digest of load v1
    can still be sending (a slow relay: up to 30 s a command) when load v2 commits and its own digest runs.
    v2's run tells rehtori both new pupils (S0 -> S2) and stores S2; then v1's run marks its delivery sent
    with ITS baseline S1 (`Notifications.sent` writes the baseline unconditionally), rolling the baseline
    back. The next load's digest then tells pupil y as new a second time."""
    clock = Clock()
    s0, s1, s2, _ = _snapshots(city, clock)
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    told: list[tuple[str, list[tuple[str, str, int]]]] = []

    def record(channel, message, address, settings):
        told.append((message.period, [(c.kind, c.what, c.count) for c in message.changes]))

    run_v2 = _runner(city, record, clock)
    run_v2.version = "tilannekuva-v2.duckdb"
    run_v2._snapshots["rehtori"] = s2

    def slow_relay(channel, message, address, settings):
        record(channel, message, address, settings)
        if message.username == "rehtori":
            run_v2.run("load", only_user="rehtori")  # load v2 committed while v1's message was on its way

    run_v1 = _runner(city, slow_relay, clock)
    run_v1.version = "tilannekuva-v1.duckdb"
    run_v1._snapshots["rehtori"] = s1
    notes.set_baseline("rehtori", "immediate", "email", s0)

    run_v1.run("load", only_user="rehtori")
    assert [p for p, _ in told] == ["load:tilannekuva-v1.duckdb", "load:tilannekuva-v2.duckdb"]

    rolled_back = notes.baseline("rehtori", "immediate", "email") == s1
    # the newest state told is S2: a later load with no change must tell nothing
    run_v3 = _runner(city, record, clock)
    run_v3.version = "tilannekuva-v3.duckdb"
    run_v3._snapshots["rehtori"] = s2
    run_v3.run("load", only_user="rehtori")
    new_told = sum(n for _, changes in told for kind, what, n in changes if (kind, what) == ("signals", "new"))
    assert not rolled_back and new_told == 2 + 1, (
        f"baseline rolled back to v1's S1: {rolled_back}; pupil y was told as new again by v3: {told}"
    )


def test_a_run_that_started_before_a_load_does_not_tell_news_backwards(city):
    """The runner caches each user's snapshot once per run and uses it for every channel. v1's run takes
    rehtori's snapshot (S1) and sends the e-mail (slow relay); meanwhile v2's run sends both channels (S0 -> S2)
    and stores S2. v1's run then goes on to rehtori's Teams delivery with its stale S1 against the baseline S2
    and tells Teams that a pupil's support signal CLEARED — it did not, the run is simply older than the
    baseline it compares with."""
    from tests.helpers import Clock, http_receiver

    clock = Clock()
    s0, s1, s2, _ = _snapshots(city, clock)
    with http_receiver(responses=(202,)) as (base, posted):
        more = {"TILANNEKUVA_TEAMS_HOSTS": "127.0.0.1"}
        notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
        told: list[tuple[str, str, list]] = []

        def record(channel, message, address, settings):
            told.append((channel, message.period, [(c.kind, c.what, c.count) for c in message.changes]))

        run_v2 = _runner(city, record, clock, **more)
        run_v2.version = "tilannekuva-v2.duckdb"
        run_v2._snapshots["rehtori"] = s2

        def slow_relay(channel, message, address, settings):
            record(channel, message, address, settings)
            if channel == "email":
                run_v2.run("load", only_user="rehtori")

        run_v1 = _runner(city, slow_relay, clock, **more)
        run_v1.version = "tilannekuva-v1.duckdb"
        run_v1._snapshots["rehtori"] = s1
        principal = run_v1.principal("rehtori")
        notes.set_channels(principal, True, base + "/teams")
        for channel in ("email", "teams"):
            notes.set_baseline("rehtori", "immediate", channel, s0)

        run_v1.run("load", only_user="rehtori")
    cleared = [(ch, p, c) for ch, p, changes in told for c in changes if c[1] == "cleared"]
    assert cleared == [], f"no pupil's signal cleared, yet a digest said so: {cleared} (all: {told})"


def test_a_failed_delivery_that_a_later_digest_covered_leaves_the_failing_list(city):
    """rehtori's digest of load v1 fails (relay busy). Load v2's digest, minutes later, tells rehtori
    everything since the last sent digest — v1's news included — and is sent. The v1 row is then due again,
    finds nothing left to tell ('empty' returns before the claim) and stays 'failed' forever: the admin's
    "Epäonnistuneet toimitukset" keeps showing a failure whose news were delivered, 'will be retried',
    attempts 1, and every later run plans it again (it never gives up, since it is never claimed)."""
    from tilannekuva.delivery import DeliveryError

    clock = Clock()
    s0, s1, s2, _ = _snapshots(city, clock)
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    notes.set_baseline("rehtori", "immediate", "email", s0)
    down = [True]

    def relay(channel, message, address, settings):
        if down[0]:
            raise DeliveryError("451 4.3.0 relay busy", transient=True)

    run_v1 = _runner(city, relay, clock)
    run_v1.version = "tilannekuva-v1.duckdb"
    run_v1._snapshots["rehtori"] = s1
    assert [o.status for o in run_v1.run("load", only_user="rehtori").outcomes] == ["failed"]

    down[0] = False
    clock.now += 120
    run_v2 = _runner(city, relay, clock)
    run_v2.version = "tilannekuva-v2.duckdb"
    run_v2._snapshots["rehtori"] = s2
    assert [o.status for o in run_v2.run("load", only_user="rehtori").outcomes] == ["sent"]

    for _hour in range(1, 25):  # the hourly scheduled runs of the next day
        clock.now += 3600
        later = _runner(city, relay, clock)
        later._snapshots["rehtori"] = s2
        later.run("schedule", only_user="rehtori")
    stuck = [(d.period, d.status, d.attempts) for d in notes.failing()]
    assert stuck == [], f"the admin still sees a failing delivery whose news went out in load v2's digest: {stuck}"


@pytest.mark.parametrize("channel", ["email", "teams"])
def test_a_relay_that_accepts_and_answers_late_gets_the_digest_once(city, monkeypatch, channel):
    """A relay (or a Teams Workflows address) that takes the message but answers after the client's timeout
    (SMTP_TIMEOUT 30 s, TEAMS_TIMEOUT 15 s; here shortened to 1 s): the run records a transient failure and
    every retry sends it again — the recipient gets the same digest once per attempt (up to
    digest_max_attempts = 5), while the admin's list says it failed. Teams has no Message-ID at all."""
    from tests.helpers import http_receiver
    from tilannekuva import delivery

    monkeypatch.setattr(delivery, "SMTP_TIMEOUT", 1.0)
    monkeypatch.setattr(delivery, "TEAMS_TIMEOUT", 1.0)
    clock = Clock()
    s0, s1, s2, _ = _snapshots(city, clock)
    with _accepting_late_relay(1.5) as (port, received), http_receiver(responses=(202,), delay=1.5) as (base, posted):
        more = {
            "TILANNEKUVA_SMTP_HOST": "127.0.0.1",
            "TILANNEKUVA_SMTP_PORT": str(port),
            "TILANNEKUVA_SMTP_SECURITY": "none",
            "TILANNEKUVA_TEAMS_HOSTS": "127.0.0.1",
        }
        notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
        principal = _runner(city, delivery.send, clock, **more).principal("rehtori")
        notes.set_channels(principal, channel == "email", base + "/teams" if channel == "teams" else "")
        notes.set_baseline("rehtori", "immediate", channel, s0)
        outcomes = []
        for attempt in range(3):
            run = _runner(city, delivery.send, clock, **more)
            run.version = "tilannekuva-v1.duckdb"
            run._snapshots["rehtori"] = s2
            outcomes += [o.status for o in run.run("load" if attempt == 0 else "retry", only_user="rehtori").outcomes]
            clock.now += 5 * 60 * 2**attempt + 1
        import time

        time.sleep(2)  # let the slow receivers finish taking what they were given
        got = len(received) if channel == "email" else len(posted)
    assert got == 1, f"one digest, received {got} times over {outcomes} ({channel})"


@contextlib.contextmanager
def _accepting_late_relay(delay: float):
    """An SMTP relay (aiosmtpd) that takes each message (it is queued for delivery: counted) and then
    answers its 250 only after `delay` seconds — a busy relay scanning content."""
    import asyncio

    from aiosmtpd.controller import Controller

    from tests.helpers import free_port

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope.original_content)
            await asyncio.sleep(delay)
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_moving_a_kind_from_daily_to_immediate_does_not_lose_the_news_in_between(city):
    """The baselines are per (user, frequency, channel) and each holds a snapshot of every kind. rehtori gets
    absences immediately and signals daily (own choice). A load brings a new support-signal pupil; the
    immediate run (absences only: nothing) stores the new snapshot — signals included — as the immediate
    baseline. rehtori then moves signals to 'immediately' on Ilmoitukset: the next loads compare signals with
    that baseline (nothing new), and the daily digest no longer carries signals. The new pupil is never told."""
    clock = Clock()
    s0, s1, s2, _ = _snapshots(city, clock)
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    sent: list = []

    def record(channel, message, address, settings):
        sent.append((message.period, [(c.kind, c.what, c.count) for c in message.changes]))

    first = _runner(city, record, clock)
    principal = first.principal("rehtori")
    notes.set_frequency(principal, "signals", "daily")
    for frequency in ("immediate", "daily"):
        notes.set_baseline("rehtori", frequency, "email", s0)

    load_v1 = _runner(city, record, clock)
    load_v1.version = "tilannekuva-v1.duckdb"
    load_v1._snapshots["rehtori"] = s1  # pupil x got a signal
    load_v1.run("load", only_user="rehtori")

    notes.set_frequency(principal, "signals", "immediate")  # the user changes their mind in the afternoon
    clock.now += 86400
    load_v2 = _runner(city, record, clock)
    load_v2.version = "tilannekuva-v2.duckdb"
    load_v2._snapshots["rehtori"] = s1
    load_v2.run("load", only_user="rehtori")
    daily = Runner(first.settings, now=dt.datetime(2026, 11, 25, 8), send=record, clock=clock)
    daily._snapshots["rehtori"] = s1
    daily.run("schedule", only_user="rehtori")
    told = [c for _, changes in sent for c in changes if c[0] == "signals"]
    assert told, f"a new support-signal pupil was never told (sent: {sent})"


def test_a_load_run_killed_before_reaching_a_user_is_finished_by_a_later_run(city):
    """The ledger only knows the deliveries a run has *claimed*. A `digest --trigger load` (or ingest's own
    digest) killed while it is still computing — here after rehtori's digest was sent, while rehtori2's
    snapshot is being read (a scale-1 city has hundreds of principals and teachers: minutes of work) —
    leaves no row for rehtori2 and everyone after. The hourly `tilannekuva digest` (trigger schedule) plans
    only daily/weekly periods plus the ledger's due_again rows, so rehtori2's 'immediate' digest of that
    load is never sent (only the next load's digest, perhaps days later, will carry it)."""
    clock = Clock()
    sent: list = []

    def record(channel, message, address, settings):
        sent.append((message.username, message.period))

    probe = _runner(city, record, clock)
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    for user in ("rehtori", "rehtori2"):
        now = probe.snapshot(probe.principal(user))
        fewer = dataclasses.replace(now, signals={p: dict(list(v.items())[2:]) for p, v in now.signals.items()})
        notes.set_baseline(user, "immediate", "email", fewer)

    class Killed(BaseException):
        pass

    class DiesAtRehtori2(Runner):
        def snapshot(self, principal):
            if principal.username == "rehtori2":
                raise Killed("SIGKILL")
            return super().snapshot(principal)

    conf = _settings(city)
    with pytest.raises(Killed):
        DiesAtRehtori2(conf, now=dt.datetime(2026, 11, 24, 9), send=record, clock=clock).run("load")
    assert [u for u, _ in sent] == ["rehtori"]
    load_period = sent[0][1]
    for hour in range(10, 24):  # the hourly scheduled runs of the rest of the day
        clock.now += 3600
        Runner(conf, now=dt.datetime(2026, 11, 24, hour), send=record, clock=clock).run("schedule")
    assert ("rehtori2", load_period) in sent, f"rehtori2's digest of the load never went out: {sent}"


def test_the_failing_list_holds_every_failing_delivery_not_the_newest_200(tmp_path):
    """Notifications.failing() reads deliveries(statuses=…) with its default limit=200: when the relay is down
    for a morning in a Helsinki-sized city (scale 1: hundreds of principals and teachers, e-mail and Teams,
    immediate + daily), more than 200 deliveries fail and the admin's warning says "200" and the list drops
    the oldest — exactly the ones that have waited longest (and the given-up ones that will never be sent)."""
    clock = Clock()
    notes = Notifications(tmp_path / "notifications.sqlite", clock=clock)
    for n in range(250):
        claim = notes.claim(f"user{n:03d}", "email", "load:v1", "immediate", {"signals": 1}, "run", f"<m{n}@t>", 300)
        notes.failed(claim, "run", "421 4.3.2 relay down", n >= 50, retry_minutes=5, max_attempts=5)
    failing = notes.failing()
    given_up = [d for d in failing if d.status == "gave_up"]
    assert len(failing) == 250 and len(given_up) == 50, (len(failing), len(given_up))
