"""`tilannekuva digest`: tell each user what changed in their own scope — after every data load and on a
schedule — by e-mail and Teams, computed as the recipient.

For every user of the users file with a role, the run builds the user's own Principal (the same
`build_principal` a sign-in uses: role, units, groups) and reads through the same access layer the
pages use (tilannekuva.whatsnew.take via Warehouse.fetch as that principal): a digest can hold nothing
the recipient's own pages do not show, in the recipient's own language, with the sector lead's cells
suppressed as on their pages. Never a creator's or an admin's permissions.

What is due (`due`): a run after a load ('load' trigger) sends the kinds the user wants *immediately*,
for the period 'load:<warehouse file>'; a scheduled run sends the *daily* kinds for 'day:<date>' and the
*weekly* ones for 'week:<ISO week>' (not before the rules' hour; weekly from the rules' weekday on).
Every run also retries the deliveries whose time has come, and takes over claims whose run died.

Exactly once: each (user, channel, period) is claimed in the ledger before it is sent
(tilannekuva.notifications); a second process running at the same time finds the claim and skips it;
the claim is marked sent together with the digest's new baseline, so the next digest tells only what
changed after it. The one window left is a run killed after the relay took the message and before the
mark: the next run sends it again with the same Message-ID, which mail clients and relays treat as
the same message.

Every digest is an entry in the access log, written as it is handed to the relay or to Teams (one per
attempt, so one whose answer never came back is there too): the recipient, the channel, the period, the
kinds and their counts, the attempt — no pupil ids (none are in the message).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from tilannekuva import delivery, metrics, whatsnew
from tilannekuva.access import AccessError, NoRoleError, Principal, build_principal, load_policy, load_users
from tilannekuva.audit import AccessLog
from tilannekuva.audit_events import Action, Target
from tilannekuva.followups import FollowUps
from tilannekuva.i18n import DEFAULT_LANGUAGE
from tilannekuva.notifications import Notifications
from tilannekuva.preferences import Preferences
from tilannekuva.settings import Settings
from tilannekuva.statedb import for_settings
from tilannekuva.useradmin import Person, directory
from tilannekuva.warehouse import Warehouse

log = logging.getLogger(__name__)

TRIGGERS = ("load", "schedule", "retry")


@dataclass
class Outcome:
    """One (user, channel, period) the run dealt with."""

    username: str
    channel: str
    period: str
    frequency: str
    status: str  # sent | failed | gave_up | unconfirmed | empty | baseline | skipped (claimed elsewhere or done) |
    #              superseded (an earlier load's run, slower than a later one's) | error
    changes: list[whatsnew.Change] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    trigger: str
    version: str
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def period_of(frequency: str, now: dt.datetime, version: str) -> str:
    if frequency == "immediate":
        return f"load:{version}"
    if frequency == "daily":
        return f"day:{now.date().isoformat()}"
    year, week, _ = now.isocalendar()
    return f"week:{year}-W{week:02d}"


def due(trigger: str, now: dt.datetime, rules: whatsnew.Rules) -> tuple[str, ...]:
    """The frequencies a run of `trigger` at `now` (local time) sends."""
    if trigger == "load":
        return ("immediate",)
    if trigger == "schedule":
        found = ["immediate"]  # what a load's own run did not finish (killed, or never run) goes out within the hour
        if now.hour >= rules.hour:
            found.append("daily")
            if now.isoweekday() >= rules.weekday:
                found.append("weekly")
        return tuple(found)
    return ()


def message_id(username: str, channel: str, period: str) -> str:
    """The same Message-ID for every attempt of one delivery."""
    digest = hashlib.sha256(f"{username}\x00{channel}\x00{period}".encode()).hexdigest()[:32]
    return f"<{digest}@tilannekuva>"


class Runner:
    """One run over every user; `send` is delivery.send (a test may pass a wrapper that counts or dies), `now` the
    run's local time (which periods are due), `clock` the ledger's clock (leases and retries)."""

    def __init__(
        self,
        settings: Settings,
        *,
        now: dt.datetime | None = None,
        send: Callable = delivery.send,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.now = now or dt.datetime.now()
        self.send = send
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.rules = whatsnew.rules(settings.notifications)
        self.policy = load_policy(settings.roles_file)
        self.users = load_users(settings.users_file)
        self.people = directory(settings.users_file, settings.credentials_file)
        self.store = Notifications(for_settings(settings, "notifications"), clock=clock)
        self.warehouse = Warehouse(settings.warehouse_dir, settings.suppression_threshold)
        self.version = self.warehouse.version
        self.languages = Preferences(for_settings(settings, "preferences"))
        self.followups = FollowUps(for_settings(settings, "followups"))
        self._snapshots: dict[str, whatsnew.Snapshot] = {}

    def principal(self, username: str) -> Principal | None:
        try:
            return build_principal(username, self.name(username), self.users, self.policy)
        except (AccessError, ValueError, TypeError) as exc:  # no role, or an entry of the users file is malformed
            if not isinstance(exc, NoRoleError):
                log.warning("no digest for %s: %s", username, exc)
            return None

    def name(self, username: str) -> str:
        return self.people.get(username, Person()).name or username

    def snapshot(self, principal: Principal) -> whatsnew.Snapshot:
        """The user's snapshot of every kind it may be told of, read as the user (once per run)."""
        if principal.username not in self._snapshots:
            self._snapshots[principal.username] = whatsnew.take(
                whatsnew.Reader(self.warehouse, principal),
                principal,
                self.rules.kinds_for(principal),
                version=self.version,
                concern_hours=self.settings.absence_concern_hours,
                serious_hours=self.settings.absence_serious_hours,
                goal=metrics.targets(self.settings.targets),
                followups=self.followups,
            )
        return self._snapshots[principal.username]

    def addresses(self, username: str) -> dict[str, str]:
        """channel -> address of the channels the user has on and the server can deliver to."""
        chosen = self.store.channels(username)
        found = {}
        email = self.people.get(username, Person()).email
        if chosen.email and email and self.settings.smtp_host:
            found["email"] = email
        if chosen.teams_url:
            found["teams"] = chosen.teams_url
        return found

    def plan(self, trigger: str, only_user: str | None = None) -> list[tuple[str, str, str]]:
        """(username, frequency, period) to look at: what is due now and what is due again."""
        work = []
        frequencies = due(trigger, self.now, self.rules)
        for username in sorted(self.users):
            if only_user is not None and username != only_user:
                continue
            for frequency in frequencies:
                work.append((username, frequency, period_of(frequency, self.now, self.version)))
        for username, _channel, period, frequency in self.store.due_again():
            if (only_user is None or username == only_user) and (username, frequency, period) not in work:
                work.append((username, frequency, period))
        return work

    def run(self, trigger: str, only_user: str | None = None) -> Report:
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}")
        report = Report(trigger, self.version)
        access_log = AccessLog(for_settings(self.settings, "access_log"), self.settings.access_log_retention_days)
        for username, frequency, period in self.plan(trigger, only_user):
            principal = self.principal(username)
            if principal is None:  # no longer a user with a role: nothing of theirs is tried again
                self.store.give_up(username, "no such user with a role")
                continue
            kinds = [k for k, f in self.store.frequencies(principal, self.rules).items() if f == frequency]
            if not kinds:
                continue
            for channel, address in self.addresses(username).items():
                try:
                    outcome = self.one(principal, frequency, period, kinds, channel, address, access_log)
                except Exception as exc:  # one user's trouble (a broken snapshot) must not stop everyone's digest
                    log.exception("digest %s to %s by %s could not be prepared", period, username, channel)
                    outcome = Outcome(username, channel, period, frequency, "error", error=f"{type(exc).__name__}")
                report.outcomes.append(outcome)
        log.info(
            "digest run (%s, %s): %d sent, %d failed, %d given up, %d skipped",
            trigger,
            self.version,
            report.count("sent"),
            report.count("failed"),
            report.count("gave_up"),
            report.count("skipped"),
        )
        return report

    def preview(self, username: str) -> dict:
        """What `username` would get now (`tilannekuva digest --dry-run --user U --json`): per frequency the
        changes since their last digest, as the text they would read — nothing is sent, claimed or stored."""
        principal = self.principal(username)
        if principal is None:
            raise ValueError(f"{username!r} is not a user with a role")
        lang = self.languages.language(username) or DEFAULT_LANGUAGE
        channels = self.addresses(username)
        chosen = self.store.frequencies(principal, self.rules)
        digests = []
        for frequency in ("immediate", "daily", "weekly"):
            kinds = [k for k, f in chosen.items() if f == frequency]
            if not kinds:
                continue
            before = self.store.baseline(username, frequency, next(iter(channels), "email"))
            found = whatsnew.without_pupils(whatsnew.changes(before, self.snapshot(principal), self.rules, kinds))
            digests.append(
                {
                    "frequency": frequency,
                    "period": period_of(frequency, self.now, self.version),
                    "kinds": kinds,
                    "since_last_digest": before is not None,
                    "changes": [
                        {
                            "kind": c.kind,
                            "what": c.what,
                            "place": c.place_name,
                            "count": c.count,
                            "subject": c.subject,
                            "before": c.before,
                            "after": c.after,
                            "link": f"{self.settings.app_url}/{c.link}",
                            "text": c.text(lang),
                        }
                        for c in found
                    ],
                }
            )
        return {
            "user": username,
            "role": principal.role,
            "lang": lang,
            "version": self.version,
            "channels": sorted(channels),
            "digests": digests,
        }

    def one(
        self,
        principal: Principal,
        frequency: str,
        period: str,
        kinds: list[str],
        channel: str,
        address: str,
        access_log: AccessLog,
    ) -> Outcome:
        username = principal.username
        current = self.snapshot(principal)
        outcome = Outcome(username, channel, period, frequency, "empty")
        before = self.store.baseline(username, frequency, channel)
        if before is None:
            self.store.set_baseline(username, frequency, channel, current)  # a first digest: from now on
            outcome.status = "baseline"
            return outcome
        if before.scope == current.scope and before.data_version > current.data_version:
            outcome.status = "superseded"  # a slower run of an earlier load: a newer digest has told more already
            return outcome
        found = whatsnew.without_pupils(whatsnew.changes(before, current, self.rules, kinds))
        outcome.changes = found
        if not found:
            self.store.set_baseline(username, frequency, channel, whatsnew.advance(before, current, [], kinds))
            self.store.supersede(username, channel, frequency)  # a failed earlier one has nothing left to tell
            return outcome
        counts = {k: sum(max(c.count, 1) for c in found if c.kind == k) for k in kinds}
        counts = {k: n for k, n in counts.items() if n}
        mid = message_id(username, channel, period)
        claim = self.store.claim(
            username, channel, period, frequency, counts, self.owner, mid, self.settings.digest_lease_seconds
        )
        if claim is None:
            outcome.status = "skipped"
            return outcome
        message = delivery.Message(
            username=username,
            display_name=principal.display_name,
            lang=self.languages.language(username) or DEFAULT_LANGUAGE,
            frequency=frequency,
            period=period,
            changes=tuple(found),
            app_url=self.settings.app_url,
            message_id=mid,
            data_as_of=current.data_as_of or None,
        )
        moved_on = whatsnew.advance(before, current, found, kinds)  # the baseline once this digest is out
        # Logged before the bytes leave: a digest that reaches its receiver but whose answer never comes back
        # (a timeout, a run killed mid-send) is in the access log too — one entry per attempt.
        access_log.record(
            username,
            principal.role,
            Action.DIGEST,
            Target.DIGEST,
            channel,
            {
                "period": period,
                "frequency": frequency,
                "kinds": [f"{k}: {n}" for k, n in counts.items()],
                "changes": len(found),
                "attempt": self.store.attempts(claim),
            },
            0,
        )
        started = dt.datetime.now()
        try:
            self.send(channel, message, address, self.settings)
        except delivery.DeliveryError as exc:
            if exc.maybe_delivered:  # handed over, answer lost: not sent again (at most once)
                outcome.status = self.store.unconfirmed(
                    claim, self.owner, str(exc), (username, frequency, channel, moved_on)
                )
                outcome.error = str(exc)
                log.warning("digest %s to %s by %s may have arrived (no answer): %s", period, username, channel, exc)
                return outcome
            outcome.status = self.store.failed(
                claim,
                self.owner,
                str(exc),
                exc.transient,
                self.settings.digest_retry_minutes,
                self.settings.digest_max_attempts,
            )
            outcome.error = str(exc)
            log.warning("digest %s to %s by %s failed (%s): %s", period, username, channel, outcome.status, exc)
            return outcome
        outcome.seconds = (dt.datetime.now() - started).total_seconds()
        if not self.store.sent(claim, self.owner, (username, frequency, channel, moved_on)):
            log.warning("digest %s to %s by %s: the claim was taken over while sending", period, username, channel)
        self.store.supersede(username, channel, frequency)  # earlier failed ones: this digest told their news
        outcome.status = "sent"
        return outcome
