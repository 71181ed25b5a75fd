"""The admin's notification sections on the status page (pages/admin_status.py): each role's defaults, only
for the kinds the role can get, saved as the admin and reaching the users without an own choice; and the
failing deliveries — user, channel, period in words, attempts, next try, the last error as inert data and
whether it is retried — or, with none, a line saying all went through and how many went out this week."""

from __future__ import annotations

import pytest

from tests.helpers import open_as, tables_of
from tilannekuva.access import load_policy
from tilannekuva.i18n import t
from tilannekuva.notifications import Notifications
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.whatsnew import default_rules

ROLES = load_policy(PROJECT_ROOT / "roles.yaml").roles
HOSTILE = (
    "<img src=x onerror=alert(1)> [klikkaa](javascript:alert(1)) **550** :red[relay] $x$ ![i](https://a.example/p.png)"
)


@pytest.fixture
def home(demo_env):
    path = demo_env / "state" / "notifications.sqlite"
    path.unlink(missing_ok=True)
    yield demo_env
    path.unlink(missing_ok=True)


def store(home) -> Notifications:
    return Notifications(home / "state" / "notifications.sqlite")


def defaults_shown(at) -> dict[tuple[str, str], str]:
    found = {}
    for s in at.selectbox:
        if s.key and s.key.startswith("tk_notify_default_"):
            role, kind = s.key.removeprefix("tk_notify_default_").rsplit("_", 1)
            found[(role, kind)] = s.value
    return found


@pytest.mark.parametrize(
    "role, kinds",
    [
        ("sector_lead", ("metrics", "loads")),
        ("principal", ("signals", "absence", "followups", "metrics", "loads")),
        ("teacher", ("signals", "absence", "loads")),
        ("admin", ("loads",)),
    ],
)
def test_each_roles_defaults_offer_only_the_kinds_it_can_get(home, role, kinds):
    at = open_as("admin", "admin_status")
    assert not at.exception, at.exception
    shown = defaults_shown(at)
    assert set(shown) == {(r, k) for r in ROLES for k in default_rules().kinds_for_role(r)}
    assert tuple(k for r, k in shown if r == role) == kinds
    assert {shown[(role, k)] for k in kinds} <= {default_rules().defaults[k] for k in kinds}
    assert t(f"role.{role}") in [s.value for s in at.subheader]


def test_a_changed_default_is_stored_as_the_admin_and_reaches_users_without_an_own_choice(home, principals):
    store(home).set_frequency(principals["rehtori2"], "metrics", "never")  # an own choice
    at = open_as("admin", "admin_status")
    at.selectbox(key="tk_notify_default_principal_metrics").set_value("daily")
    at.selectbox(key="tk_notify_default_teacher_signals").set_value("weekly")
    at.button(key="tk_notify_save_defaults").click().run()
    assert not at.exception, at.exception
    assert t("notify.saved_defaults", count="2") in [s.value for s in at.success]
    notes = store(home)
    assert notes.role_defaults("principal") == {"metrics": "daily"}  # only what changed
    assert notes.role_defaults("teacher") == {"signals": "weekly"}
    assert notes.role_defaults("sector_lead") == {} and notes.role_defaults("admin") == {}
    assert defaults_shown(open_as("admin", "admin_status"))[("principal", "metrics")] == "daily"
    for user, kind, expected in (("rehtori", "metrics", "daily"), ("rehtori2", "metrics", "never"),
                                 ("opettaja", "signals", "weekly")):  # fmt: skip
        assert open_as(user, "my_notifications").selectbox(key=f"tk_notify_{kind}").value == expected


def _sent(notes: Notifications, user: str, period: str) -> None:
    claimed = notes.claim(user, "email", period, "daily", {"loads": 1}, "run-a", f"<{user}{period}>", 300)
    assert notes.sent(claimed, "run-a")


@pytest.mark.parametrize("sent", [0, 2])
def test_with_nothing_failing_it_says_all_went_through_and_how_many_this_week(home, sent):
    notes = store(home)
    for i in range(sent):
        _sent(notes, "opettaja", f"day:2026-11-{20 + i}")
    at = open_as("admin", "admin_status")
    assert t("notify.all_through", count=str(sent)) in [s.value for s in at.success]
    assert not at.warning  # nothing failing: no warning at the top either
    assert t("notify.failing_header") in [s.value for s in at.subheader]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_failing_delivery_is_listed_with_its_error_inert(home, lang):
    notes = store(home)
    _sent(notes, "rehtori", "day:2026-11-23")
    retry = notes.claim("opettaja", "teams", "week:2026-W48", "weekly", {"signals": 2}, "run-b", "<b>", 300)
    assert notes.failed(retry, "run-b", HOSTILE, transient=True, retry_minutes=5, max_attempts=5) == "failed"
    given_up = notes.claim("johto", "email", "day:2026-11-24", "daily", {"metrics": 1}, "run-c", "<c>", 300)
    assert notes.failed(given_up, "run-c", "550 no such user", transient=False, retry_minutes=5, max_attempts=5)
    at = open_as("admin", "admin_status", lang=lang)
    assert not at.exception, at.exception
    assert at.warning[0].value == t("notify.failing_top", lang, count="2")  # at the top of the page
    assert t("notify.failing_count", lang, count="2") in [w.value for w in at.warning]
    table = next(d.value for d in tables_of(at) if t("notify.col.error", lang) in d.value.columns)
    rows = {r[t("col.user", lang)]: r for r in table.to_dict("records")}
    assert set(rows) == {"opettaja", "johto"}  # the sent one is not failing
    teams = rows["opettaja"]
    assert teams[t("notify.col.channel", lang)] == t("notify.channel.teams", lang)
    assert teams[t("notify.col.period", lang)] == t("notify.period.week", lang, week="48", year="2026")
    assert teams[t("notify.col.attempts", lang)] == 1
    assert teams[t("col.status", lang)] == t("notify.status.retry", lang)
    assert teams[t("notify.col.error", lang)] == HOSTILE  # a table cell: shown as the characters it is
    assert teams[t("notify.col.next_try", lang)] not in ("", "–", None)
    gave_up = rows["johto"]
    assert gave_up[t("col.status", lang)] == t("notify.status.gave_up", lang)
    assert gave_up[t("notify.col.next_try", lang)] in ("–", None)
    assert gave_up[t("notify.col.period", lang)].endswith("2026")
    rendered = [
        e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)
    ]
    assert not [m for m in rendered if "javascript" in m or "<img" in m or "onerror" in m]
    assert t("notify.sent_week", lang, count="1") in " ".join(c.value for c in at.caption)
