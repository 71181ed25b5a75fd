"""Issue 20: a digest is computed as its recipient. The matrix: every demo role × sample users (the demo's
own accounts and a second principal and teacher of other units) × every kind of change the role can be
told of. For each, the digest (tilannekuva.digest.Runner, the real runner) is compared with what the
same user's own pages show (AppTest on the real pages) and with the warehouse read directly for the
user's scope; and it holds nothing outside the scope, no pupil's name or id, and for a role whose
aggregates are suppressed no figure its pages hide.

The changes are made by a forged baseline: the user's last digest is written as if nothing of a kind
had been there (no signals, nobody over the thresholds, no marks, each metric's light another one, each
source loaded long ago), so every signal, crossing, mark, light and load the user's pages show now
must be in the digest — no more, no fewer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import app_env, open_as, tables_of, truth, truth_frame
from tilannekuva import metrics
from tilannekuva.digest import Runner
from tilannekuva.followups import FollowUps
from tilannekuva.i18n import t
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings
from tilannekuva.whatsnew import LIGHTS

YEAR = 2026
USERS = ("johto", "rehtori", "rehtori2", "opettaja", "admin", "rehtori_b", "opettaja_b")
OTHER_LIGHT = {"green": "red", "amber": "green", "red": "green", "pending": "green", "none": "green"}


@pytest.fixture(scope="module")
def home(demo_home, tmp_path_factory) -> Path:
    """The tiny demo city with two more sample users: a principal of another school (the one with the most
    support signals after the demo principal's) and a teacher of another school."""
    target = tmp_path_factory.mktemp("digest-matrix")
    shutil.copytree(demo_home / "demo", target / "demo")
    (target / "warehouse").symlink_to(demo_home / "warehouse")
    users_file = target / "demo" / "users.yaml"
    users_file.chmod(0o600)
    users = yaml.safe_load(users_file.read_text(encoding="utf-8"))
    own_unit = users["users"]["rehtori"]["units"][0]
    ((unit,),) = truth(
        demo_home,
        """select g.unit_id from fct_absence a join dim_group g on g.group_id = a.group_id join dim_unit u on u.unit_id = g.unit_id
           where a.school_year_id = $y and u.sector = 'perusopetus' and g.unit_id <> $own
           group by 1 order by sum(a.absence_hours) desc limit 1""",
        y=YEAR,
        own=own_unit,
    )
    ((staff,),) = truth(
        demo_home,
        """select b.staff_id from brg_group_teacher b join dim_group g using (group_id)
           where g.school_year_id = $y and g.unit_id = $u group by 1 order by count(*) desc, 1 limit 1""",
        y=YEAR,
        u=unit,
    )
    users["users"]["rehtori_b"] = {
        "role": "principal",
        "units": [unit],
        "name": "Rehtori Bee",
        "email": "b@demo.invalid",
    }
    users["users"]["opettaja_b"] = {
        "role": "teacher",
        "staff_id": staff,
        "name": "Opettaja Bee",
        "email": "ob@demo.invalid",
    }
    users_file.write_text(yaml.safe_dump(users, allow_unicode=True), encoding="utf-8")
    return target


def _settings(home: Path):
    return load_settings(
        {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home), "TILANNEKUVA_SMTP_HOST": "relay"}
    )


def _blank(snapshot):
    """The snapshot as if nothing of any kind had been there: every item now in it becomes a change."""
    return dataclasses.replace(
        snapshot,
        signals={p: {} for p in snapshot.signals},
        absence={p: {} for p in snapshot.absence},
        followups={p: {} for p in snapshot.followups},
        metrics={p: {m: [OTHER_LIGHT[lt], None] for m, (lt, _) in v.items()} for p, v in snapshot.metrics.items()},
        loads={s: [a, "2000-01-01T00:00:00"] for s, (a, _) in snapshot.loads.items()},
    )


@pytest.fixture(scope="module")
def digests(home) -> dict:
    """user -> (the Message the digest runner sent, the user's Principal, its snapshot): every kind immediately,
    after a baseline forged by `_blank`. Two pupils on rehtori's signal list are marked followed up first."""
    settings = _settings(home)
    (home / "state").mkdir(exist_ok=True)
    for name in ("notifications.sqlite", "followups.sqlite"):
        (home / "state" / name).unlink(missing_ok=True)
    sent: dict[str, object] = {}
    runner = Runner(
        settings, now=dt.datetime(2026, 11, 24, 9), send=lambda ch, msg, addr, conf: sent.update({msg.username: msg})
    )
    rehtori = runner.principal("rehtori")
    listed = runner.snapshot(rehtori).signals
    ids = sorted(next(iter(listed.values())))[:2]
    FollowUps(home / "state" / "followups.sqlite").mark(ids[0], YEAR, rehtori, ids)
    FollowUps(home / "state" / "followups.sqlite").mark(ids[1], YEAR, rehtori, ids)
    runner = Runner(
        settings, now=dt.datetime(2026, 11, 24, 9), send=lambda ch, msg, addr, conf: sent.update({msg.username: msg})
    )
    store = Notifications(home / "state" / "notifications.sqlite")
    found = {}
    for user in USERS:
        principal = runner.principal(user)
        for kind in runner.rules.kinds_for(principal):
            store.set_frequency(principal, kind, "immediate")
        snapshot = runner.snapshot(principal)
        store.set_baseline(user, "immediate", "email", _blank(snapshot))
        found[user] = (principal, snapshot)
    report = runner.run("load")
    assert {o.username for o in report.outcomes if o.status == "sent"} == set(USERS)
    return {user: (sent[user], *found[user]) for user in USERS}


def _cases():
    from tilannekuva.access import load_policy

    policy = load_policy(Path(__file__).resolve().parents[2] / "roles.yaml")
    kinds = {
        "sector_lead": ("metrics", "loads"),
        "admin": ("loads",),
        "teacher": ("signals", "absence", "loads"),
        "principal": ("signals", "absence", "followups", "metrics", "loads"),
    }
    roles = {
        "johto": "sector_lead",
        "admin": "admin",
        "opettaja": "teacher",
        "opettaja_b": "teacher",
        "rehtori": "principal",
        "rehtori2": "principal",
        "rehtori_b": "principal",
    }
    assert set(roles.values()) == set(policy.roles), "a role of roles.yaml is missing from the matrix"
    return [(user, kind) for user in USERS for kind in kinds[roles[user]]]


def test_each_role_is_told_of_exactly_the_kinds_its_pages_hold(digests):
    expected = {user: {k for u, k in _cases() if u == user} for user in USERS}
    for user, (_, principal, _) in digests.items():
        from tilannekuva.whatsnew import default_rules

        assert set(default_rules().kinds_for(principal)) == expected[user], user


def _page_list(at):
    assert not at.exception, at.exception
    frames = [df.value for df in tables_of(at) if t("col.reasons") in df.value.columns]
    return frames[0] if frames else None


def _scope_truth(home, principal) -> str:
    """SQL for the groups of `principal`'s scope this school year (units or taught groups)."""
    if principal.scope == "units":
        return f"select group_id from dim_group where unit_id in ({','.join(map(str, principal.unit_ids))})"
    return f"select group_id from brg_group_teacher where staff_id = {int(principal.staff_id)}"


@pytest.mark.parametrize(("user", "kind"), _cases())
def test_the_digest_equals_what_the_users_own_pages_show(home, digests, monkeypatch, user, kind):
    message, principal, snapshot = digests[user]
    mine = [c for c in message.changes if c.kind == kind]
    with app_env(home, monkeypatch):
        if kind == "signals":
            if principal.scope == "units":
                for place in snapshot.places:
                    shown = _page_list(open_as(user, "principal_support", yksikko=place.split(":")[1]))
                    told = sum(c.count for c in mine if c.place == place and c.what == "new")
                    assert told == (0 if shown is None else len(shown)), (user, place)
            else:  # a teacher's watch list: a row per pupil and group, each group a place of the digest
                shown = _page_list(open_as(user, "teacher_watch"))
                assert sum(c.count for c in mine if c.what == "new") == (0 if shown is None else len(shown)), user
        elif kind == "absence":
            # The pupils of the user's scope whose absence hours in the term the data end in reach the
            # thresholds, from the warehouse itself (the teacher's group page shows the same hours).
            hours = truth_frame(
                home,
                f"""with m as (select pupil_id, month, sum(absence_hours)::double h from fct_absence
                              where school_year_id = {YEAR} and group_id in ({_scope_truth(home, principal)})
                              group by all),
                         last_month as (select max(month) d from m)
                    select pupil_id, sum(h) as hours from m, last_month
                    where (extract(month from m.month) >= 8) = (extract(month from last_month.d) >= 8) group by 1""",
            )
            conf = _settings(home)
            for level, least in (("concern", conf.absence_concern_hours), ("serious", conf.absence_serious_hours)):
                told = sum(c.count for c in mine if c.what == level)
                assert told == hours.filter(hours["hours"] >= least).height, (user, level)
        elif kind == "followups":
            marked = 0
            for place in snapshot.places:
                shown = _page_list(open_as(user, "principal_support", yksikko=place.split(":")[1]))
                if shown is not None:
                    marked += (
                        int((shown[t("col.followed_up")].astype(str).str.strip() != "").sum())
                        if t("col.followed_up") in shown.columns
                        else 0
                    )
            assert sum(c.count for c in mine) == marked == (2 if user in ("rehtori", "rehtori2") else 0)
        elif kind == "metrics":
            for place in snapshot.metrics:
                if place.startswith("unit:"):
                    at = open_as(user, "principal_unit", yksikko=place.split(":")[1])
                else:
                    at = open_as(user, "sector_scorecard")
                assert not at.exception, at.exception
                table = next(df.value for df in tables_of(at) if t("col.status") in df.value.columns)
                for _, row in table.iterrows():
                    metric = row[t("col.metric")]
                    change = [c for c in mine if c.place == place and c.subject == metric]
                    status = row[t("col.status")]
                    if status in {t(f"light.{x}") for x in LIGHTS}:
                        assert len(change) == 1 and t(f"light.{change[0].after}") == status, (user, place, metric)
                    else:  # no verdict (no data, or an unfinished cumulative year): no status to tell
                        assert change == [], (user, place, metric)
        elif kind == "loads":
            fresh = truth_frame(home, "select source, data_as_of from meta_source order by source")
            assert [(c.subject, c.after) for c in mine] == [
                (s, d.isoformat() if d else None) for s, d in fresh.rows()
            ], user


def test_the_matrix_is_not_empty(digests):
    """Every kind is told to somebody in the matrix (else the comparisons above would compare nothing)."""
    told = {
        c.kind
        for message, _, _ in digests.values()
        for c in message.changes
        if c.count or c.kind in ("metrics", "loads")
    }
    assert told == {"signals", "absence", "followups", "metrics", "loads"}


@pytest.mark.parametrize("user", USERS)
def test_a_digest_holds_nothing_outside_the_scope_and_no_pupil(home, digests, user):
    message, principal, snapshot = digests[user]
    text = "\n".join(c.text(lang) for c in message.changes for lang in ("fi", "sv", "en"))
    links = [c.link for c in message.changes]
    assert all(not c.pupils for c in message.changes)
    units = {u for (u,) in truth(home, "select unit_id from dim_unit")}
    mine = set(principal.unit_ids) if principal.scope == "units" else set()
    for link in links:
        for unit in re.findall(r"yksikko=(\d+)", link):
            assert int(unit) in mine, (user, link)
    outside = [n for (u, n) in truth(home, "select unit_id, name from dim_unit") if u not in mine]
    assert not [n for n in outside if n in text], user
    names = truth(home, "select distinct first_name || ' ' || last_name, last_name from dim_pupil")
    assert not [full for full, last in names if full in text or f" {last} " in f" {text} "], user
    assert units  # the city has units at all


def test_a_sector_leads_metrics_are_the_published_suppressed_figures(home, digests):
    """johto's aggregates are suppressed on every page: the digest's metric values are the scorecard's (read
    through the publication cubes), the same to the digit, and never a pupil count."""
    message, principal, snapshot = digests["johto"]
    assert principal.suppress_pupil_aggregates
    conf = _settings(home)
    from tilannekuva.warehouse import Warehouse

    parts = (
        Warehouse(conf.warehouse_dir, conf.suppression_threshold).fetch(principal, "metric_parts_by_unit_year").frame
    )
    as_of = truth(home, "select max(data_as_of) from meta_source")[0][0]
    card = metrics.scorecard(parts, YEAR, metrics.targets(conf.targets), as_of)
    assert {m: [lt, v] for m, lt, v in card.select("metric", "light", "value").rows()} == snapshot.metrics["city"]
    assert not any(c.count for c in message.changes)
