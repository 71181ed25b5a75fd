"""Attack on issue 20 (digests and "Mitä uutta"): what a digest compares with after the users file changes.

1. `tilannekuva users remove U` forgets U's sessions and single sign-on links but not U's notification
   state: the Teams address (a chat of the person who left), the digest baselines and the visit
   snapshots (pupil ids of U's old scope). A later `users add U` — a *different person* with the same
   username, common with name-based usernames — inherits them: the new person's digests are posted to
   the old person's Teams chat, and the new person's first digest is a comparison with the old person's
   scope instead of a new baseline.
2. A teacher whose groups change (`users set-role U --role teacher --staff-id OTHER`) is told the new
   groups' whole content as "new": every pupil with a support signal in the new groups is a "new pupil on
   the watch list", every pupil over the absence threshold "crossed" it, and the old groups' pupils are
   "cleared". A principal's new unit is skipped ("a unit newly in scope: no earlier state to compare
   with") because its place key is 'unit:<id>'; a teacher's place key is always 'groups', whatever the
   groups are, so the same rule does not apply.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time
from pathlib import Path

from tests.helpers import http_receiver, smtp_server, truth
from tilannekuva import cli, whatsnew
from tilannekuva.access import build_principal, load_policy, load_users
from tilannekuva.digest import Runner
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings


def _env(monkeypatch, city: Path, port: int) -> None:
    for key, value in {
        "TILANNEKUVA_MODE": "demo",
        "TILANNEKUVA_DATA_DIR": str(city),
        "TILANNEKUVA_SMTP_HOST": "127.0.0.1",
        "TILANNEKUVA_SMTP_PORT": str(port),
        "TILANNEKUVA_SMTP_SECURITY": "none",
        "TILANNEKUVA_TEAMS_HOSTS": "127.0.0.1",
    }.items():
        monkeypatch.setenv(key, value)


def _other_teacher(city: Path, staff_id: int) -> int:
    """Another staff member who teaches groups with pupils that have support signals or absences."""
    rows = truth(
        city,
        "select staff_id, count(*) from brg_group_teacher where staff_id <> $s group by 1 order by 2 desc, 1 limit 1",
        s=staff_id,
    )
    return int(rows[0][0])


def _teacher(settings, username="opettaja"):
    return build_principal(username, username, load_users(settings.users_file), load_policy(settings.roles_file))


def test_a_removed_users_teams_address_and_baselines_do_not_pass_to_a_new_user_of_the_same_name(city, monkeypatch):
    with smtp_server() as (_, port, _received), http_receiver(responses=(202,)) as (base, posted):
        _env(monkeypatch, city, port)
        settings = load_settings(for_app=False)
        store = Notifications(settings.state_dir / "notifications.sqlite")
        old = _teacher(settings)
        store.set_channels(old, True, f"{base}/chat-of-the-teacher-who-left")
        runner = Runner(settings)
        store.visit("opettaja", "the-old-teachers-session", runner.snapshot(old))  # they used the app
        assert runner.run("load").count("baseline") >= 1  # the old teacher's baselines

        assert cli.main(["users", "remove", "opettaja"]) == 0  # the teacher left the city
        monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password-2026\n"))
        newcomer = _other_teacher(city, old.staff_id)
        assert (
            cli.main(
                [
                    "users",
                    "add",
                    "opettaja",
                    "--role",
                    "teacher",
                    "--staff-id",
                    str(newcomer),
                    "--name",
                    "Uusi Opettaja",
                    "--email",
                    "uusi.opettaja@demo.invalid",
                    "--password-stdin",
                ]
            )
            == 0
        )  # a different person, the same username

        # The new person never chose a Teams address, has had no digest and never visited.
        problems = []
        if store.channels("opettaja").teams_url:
            problems.append("the new user inherited the old user's Teams address")
        if store.baseline("opettaja", "immediate", "email") is not None:
            problems.append("the new user's first digest compares with the old user's baseline")
        if store.peek("opettaja") is not None:
            problems.append("the new user's first 'Mitä uutta' compares with the old user's last visit (its pupil ids)")
        report = Runner(settings).run("load")
        if posted:
            greeting = [b.get("text") for b in json.loads(posted[0]["body"])["attachments"][0]["content"]["body"]][1]
            problems.append(f"{len(posted)} digest(s) of the new user ({greeting!r}) posted to {posted[0]['path']}")
        sent = [
            (o.channel, [(c.kind, c.what, c.count) for c in o.changes]) for o in report.outcomes if o.status == "sent"
        ]
        if sent:
            problems.append(f"digests sent to the new user as news since the old user's last digest: {sent}")
        assert not problems, problems


def test_a_teachers_new_groups_are_not_told_as_new_pupils_in_the_next_digest(city, monkeypatch):
    with smtp_server() as (_, port, received), http_receiver(responses=(202,)):
        _env(monkeypatch, city, port)
        settings = load_settings(for_app=False)
        old = _teacher(settings)
        assert Runner(settings).run("load").count("baseline") >= 1
        other = _other_teacher(city, old.staff_id)
        assert cli.main(["users", "set-role", "opettaja", "--role", "teacher", "--staff-id", str(other)]) == 0

        report = Runner(settings).run("load", only_user="opettaja")
        told = [(c.kind, c.what, c.count) for o in report.outcomes for c in o.changes]
        # Nothing happened in the data: the same warehouse, only the scope changed. A principal's new unit
        # is skipped for this reason; the teacher's new groups are reported as if every pupil were new.
        assert told == [], f"the new groups' content was told as news: {told}"
        assert received == []


def test_whats_new_does_not_compare_a_teachers_old_groups_with_the_new_ones(city, monkeypatch):
    """The same on the landing page: whatsnew.changes between a snapshot of the old groups and one of the new."""
    with smtp_server() as (_, port, _received):
        _env(monkeypatch, city, port)
        settings = load_settings(for_app=False)
        runner = Runner(settings)
        old = _teacher(settings)
        before = runner.snapshot(old)
        other = _other_teacher(city, old.staff_id)
        assert cli.main(["users", "set-role", "opettaja", "--role", "teacher", "--staff-id", str(other)]) == 0
        after = Runner(load_settings(for_app=False)).snapshot(_teacher(settings))
        told = [(c.kind, c.what, c.count) for c in whatsnew.changes(before, after, runner.rules)]
        assert told == [], f"'Mitä uutta' would tell the new groups' pupils as new: {told}"


def test_a_removed_users_failing_delivery_is_not_kept_for_retry_forever(city, monkeypatch):
    """A delivery that failed (Teams answered 500) for a user who is then removed is skipped by every later
    run (no principal) but never given up: the admin's list says "will be retried" for ever, and the
    retry fires for whoever gets the username next (to the inherited Teams address, see above)."""
    with smtp_server() as (_, port, _received), http_receiver(responses=(500,)) as (base, _posted):
        _env(monkeypatch, city, port)
        settings = load_settings(for_app=False)
        store = Notifications(settings.state_dir / "notifications.sqlite")
        teacher = _teacher(settings)
        store.set_channels(teacher, False, f"{base}/chat")
        runner = Runner(settings)
        current = runner.snapshot(teacher)
        assert any(current.signals.values())
        store.set_baseline(
            "opettaja", "immediate", "teams", dataclasses.replace(current, signals={p: {} for p in current.signals})
        )
        assert [o.status for o in runner.run("load", only_user="opettaja").outcomes] == ["failed"]
        assert cli.main(["users", "remove", "opettaja"]) == 0

        later = time.time() + 7 * 24 * 3600  # a week of hourly runs later
        Runner(settings, clock=lambda: later).run("retry")
        failing = Notifications(settings.state_dir / "notifications.sqlite", clock=lambda: later).failing()
        still = [(d.username, d.status, d.attempts) for d in failing if d.status == "failed"]
        assert not still, f"a removed user's delivery waits to be retried a week later: {still}"
