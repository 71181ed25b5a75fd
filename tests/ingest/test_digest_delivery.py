"""Issue 20 end to end: a real data load (`tilannekuva ingest`) is followed by the digests of the users who
want them immediately — received by a real SMTP server (aiosmtpd) and a real HTTP receiver standing in for
Teams, in each recipient's language — and a digest goes out exactly once even when two `tilannekuva
digest` processes run at the same time (on PostgreSQL: two machines, each with its own disk, sharing only the
state database) or one is killed half-way."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import http_receiver, smtp_server, truth
from tilannekuva import cli, duck
from tilannekuva.audit import AccessLog
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.notifications import Notifications
from tilannekuva.preferences import Preferences
from tilannekuva.settings import load_settings
from tilannekuva.statedb import for_settings
from tilannekuva.warehouse import current_file

APP = "https://tilannekuva.kaupunki.example"
USERS = ("johto", "rehtori", "rehtori2", "opettaja", "admin")


def _env(city: Path, port: int, **more) -> dict[str, str]:
    return {
        "TILANNEKUVA_MODE": "demo",
        "TILANNEKUVA_DATA_DIR": str(city),
        "TILANNEKUVA_SMTP_HOST": "127.0.0.1",
        "TILANNEKUVA_SMTP_PORT": str(port),
        "TILANNEKUVA_SMTP_SECURITY": "none",
        "TILANNEKUVA_APP_URL": APP,
        "TILANNEKUVA_TEAMS_HOSTS": "127.0.0.1",
        **more,
    }


def _more_absences(city: Path, out: Path, unit_id: int, hours: float = 45.0) -> Path:
    """The absence export of the latest month again, with `hours` more for every pupil of `unit_id`: as
    Wilma would deliver a corrected month (a load replaces the months its file covers)."""
    columns = ", ".join(
        f"absence_hours + case when unit_id = {int(unit_id)} then {hours} else 0 end as absence_hours"
        if c == "absence_hours"
        else c
        for c in CONTRACTS["poissaolot"].column_names
    )
    path = out / "poissaolot.csv"
    con = duck.connect(str(current_file(city / "warehouse")), read_only=True)
    try:
        con.sql(
            f"select {columns} from fct_absence where month = (select max(month) from fct_absence) order by month, pupil_id"
        ).write_csv(str(path), sep=",", header=True)
    finally:
        con.close()
    return path


def _messages(received) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m["data"], policy=email.policy.default) for m in received]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_load_is_followed_by_each_users_digest_in_their_language_by_email_and_teams(city, monkeypatch, tmp_path):
    with smtp_server() as (_, port, received), http_receiver(responses=(202,)) as (base, posted):
        for key, value in _env(city, port).items():
            monkeypatch.setenv(key, value)
        settings = load_settings()
        store = Notifications(settings.state_dir / "notifications.sqlite")
        from tilannekuva.access import build_principal, load_policy, load_users

        users, policy = load_users(settings.users_file), load_policy(settings.roles_file)
        rehtori2 = build_principal("rehtori2", "rehtori2", users, policy)
        Preferences(for_settings(settings, "preferences")).set_language("rehtori2", "sv")
        store.set_channels(rehtori2, True, f"{base}/workflows/rehtori2")
        assert cli.main(["digest", "--trigger", "load"]) == 0  # the first run only sets each baseline
        assert received == [] and posted == []

        (unit,) = users["rehtori"]["units"]
        exports = tmp_path / "exports"
        exports.mkdir()
        _more_absences(city, exports, unit)
        assert cli.main(["ingest", str(exports)]) == 0  # commits the load, then sends the immediate digests
        finished = time.time()
        committed = (city / "warehouse" / "CURRENT").stat().st_mtime

        messages = {m["To"].addresses[0].addr_spec: m for m in _messages(received)}
        assert set(messages) == {"rehtori@demo.invalid", "rehtori2@demo.invalid", "opettaja@demo.invalid"}
        fi, sv = _text(messages["rehtori@demo.invalid"]), _text(messages["rehtori2@demo.invalid"])
        assert "Poissaolot ylittivät huolen rajan tällä lukukaudella" in fi
        assert "Frånvaron passerade gränsen för oro denna termin" in sv
        assert messages["rehtori2@demo.invalid"]["Subject"].startswith("Lägesbild")
        assert f"{APP}/principal_support?yksikko={unit}" in fi
        names = truth(city, "select distinct last_name from dim_pupil")
        for body in (fi, sv, messages["rehtori@demo.invalid"].get_body(("html",)).get_content()):
            assert not [n for (n,) in names if f" {n} " in body or f" {n}," in body]
        assert len({m["Message-ID"] for m in messages.values()}) == 3
        (card_request,) = posted
        assert card_request["path"] == "/workflows/rehtori2"
        assert "Frånvaron passerade gränsen för oro" in card_request["body"].decode("utf-8")

        logged = [e for e in AccessLog(settings.state_dir / "access_log.sqlite").entries() if e.action == "digest"]
        assert sorted((e.username, e.page) for e in logged) == [
            ("opettaja", "email"),
            ("rehtori", "email"),
            ("rehtori2", "email"),
            ("rehtori2", "teams"),
        ]
        latest = max(m["at"] for m in received)
        print(
            f"load committed -> last digest received: {latest - committed:.2f} s (ingest returned +{finished - latest:.2f} s)"
        )
        assert latest >= committed


def _blank_baselines(city: Path, state=None) -> Notifications:
    """Every user's last immediate digest as if nobody had had a signal, a crossing or a load: each is due.
    Returns the notifications store (in `state`, tests/conftest.py; None: the city's SQLite file)."""
    from tilannekuva.digest import Runner

    settings = load_settings(
        {
            "TILANNEKUVA_MODE": "demo",
            "TILANNEKUVA_DATA_DIR": str(city),
            "TILANNEKUVA_SMTP_HOST": "x",
            **(state.env() if state else {}),
        }
    )
    runner = Runner(settings, send=lambda *a: None)
    store = Notifications(for_settings(settings, "notifications"))
    for user in USERS:
        snap = runner.snapshot(runner.principal(user))
        blank = dataclasses.replace(
            snap,
            signals={p: {} for p in snap.signals},
            absence={p: {} for p in snap.absence},
            loads={s: [a, "2000-01-01T00:00:00"] for s, (a, _) in snap.loads.items()},
        )
        store.set_frequency(runner.principal(user), "loads", "immediate")
        store.set_baseline(user, "immediate", "email", blank)
    return store


def _digest(city: Path, port: int, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tilannekuva.cli", "digest", "--trigger", "load"],
        env={**os.environ, **_env(city, port, **env)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _once_each(received) -> list[tuple[str, str]]:
    return sorted((m["To"].addresses[0].addr_spec, m["Message-ID"]) for m in _messages(received))


def test_two_runs_at_the_same_time_send_each_digest_once(city, state, tmp_path):
    """Two runs at once — on SQLite two processes sharing the state directory; on PostgreSQL two machines
    (each its own data directory with the same warehouse version, nothing shared but the state database):
    each digest goes out once, not once per instance."""
    store = _blank_baselines(city, state)
    other = city
    if state.url:  # the second machine: its own disk
        other = tmp_path / "machine-2"
        shutil.copytree(city, other)
    with smtp_server(delay=0.3) as (_, port, received):  # a slow relay: both runs are sending at once
        runs = [_digest(city, port, **state.env()), _digest(other, port, **state.env())]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
    sent = _once_each(received)
    assert len(sent) == len(USERS) == len(set(sent))  # everybody once, nobody twice
    assert {to.split("@")[0] for to, _ in sent} == set(USERS)
    rows = store.deliveries()
    assert sorted((d.username, d.status, d.attempts) for d in rows) == [(u, "sent", 1) for u in sorted(USERS)]
    if state.url:  # nothing of the ledger on either machine's disk
        assert not [p for p in (city, other) if (p / "state" / "notifications.sqlite").exists()]
    import re

    assert sum(int(re.search(r"sent (\d+)", out).group(1)) for out, _ in outputs) == len(USERS)


def test_a_run_killed_half_way_is_finished_by_the_next_without_sending_anything_twice(city):
    _blank_baselines(city)
    control = {"stall_after": 2}
    with smtp_server(control=control) as (_, port, received):
        run = _digest(city, port, TILANNEKUVA_DIGEST_LEASE_SECONDS="2")
        deadline = time.time() + 60
        while not control.get("stalled") and time.time() < deadline:
            time.sleep(0.05)
        assert control.get("stalled") and len(received) == 2  # two delivered, the third in the relay's hands
        run.send_signal(signal.SIGKILL)  # killed mid-send: no mark, no cleanup
        run.wait(timeout=30)
        del control["stall_after"]
        store = Notifications(city / "state" / "notifications.sqlite")
        assert sorted(d.status for d in store.deliveries()) == ["sending", "sent", "sent"]
        time.sleep(2.1)  # the dead run's lease runs out
        again = _digest(city, port)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
    sent = _once_each(received)
    assert len(sent) == len(USERS) == len(set(sent)), sent
    rows = store.deliveries()
    assert sorted(d.status for d in rows) == ["sent"] * len(USERS)
    assert sorted(d.attempts for d in rows) == [1] * (len(USERS) - 1) + [2]  # the one in flight was taken over


def test_ingest_and_digest_keep_their_history_and_ledger_where_the_state_url_says(city, state, tmp_path):
    """`tilannekuva digest` and `tilannekuva ingest` run as commands with TILANNEKUVA_STATE_URL set: the load's
    history, the digests' baselines and their ledger are in that database, where every app process reads them
    (the admin's loads and failing-deliveries pages) — and not in files of the machine that ran the load."""
    from tilannekuva.access import load_users
    from tilannekuva.ingest.history import LoadHistory

    with smtp_server() as (_, port, received):
        env = {**os.environ, **_env(city, port), **state.env()}
        first = subprocess.run(
            [sys.executable, "-m", "tilannekuva.cli", "digest", "--trigger", "load"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert first.returncode == 0, first.stderr  # the first run only sets each baseline
        exports = tmp_path / "exports"
        exports.mkdir()
        settings = load_settings({k: v for k, v in env.items() if k.startswith("TILANNEKUVA_")})
        (unit,) = load_users(settings.users_file)["rehtori"]["units"]
        _more_absences(city, exports, unit)
        load = subprocess.run(
            [sys.executable, "-m", "tilannekuva.cli", "ingest", str(exports)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert load.returncode == 0, load.stderr
    told = {m["To"].addresses[0].addr_spec for m in _messages(received)}
    assert told == {"rehtori@demo.invalid", "rehtori2@demo.invalid", "opettaja@demo.invalid"}
    history = LoadHistory(state.db("loads") if state.url else city / "state" / "loads.sqlite")
    (row,) = history.loads().iter_rows(named=True)
    assert (row["kind"], row["result"], row["files"]) == ("ingest", "loaded", 1)
    assert row["version"] == current_file(city / "warehouse").name
    notes = Notifications(state.db("notifications") if state.url else city / "state" / "notifications.sqlite")
    assert sorted(d.username for d in notes.deliveries() if d.status == "sent") == sorted(u.split("@")[0] for u in told)
    assert notes.baseline("rehtori", "immediate", "email").data_version  # the baselines are there too
    local = {p.name for p in (city / "state").glob("*.sqlite")}
    assert (
        not (local & {"loads.sqlite", "notifications.sqlite"})
        if state.url
        else local >= {"loads.sqlite", "notifications.sqlite"}
    )
