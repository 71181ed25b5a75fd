"""Attack on issue 20 (truth): does "Mitä uutta" / the digest say what really changed?"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import yaml

from tests.helpers import Clock
from tilannekuva import duck
from tilannekuva.digest import Runner
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings
from tilannekuva.warehouse import current_file
from tilannekuva.whatsnew import Snapshot, changes, default_rules


def _runner(city: Path, send, clock: Clock) -> Runner:
    conf = load_settings(
        {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(city), "TILANNEKUVA_SMTP_HOST": "relay"}
    )
    return Runner(conf, now=dt.datetime(2026, 11, 24, 9), send=send, clock=clock)


def _with_metric(snap: Snapshot, place: str, metric: str, light: str, value: float) -> Snapshot:
    metrics = {p: dict(v) for p, v in snap.metrics.items()}
    metrics[place][metric] = [light, value]
    return dataclasses.replace(snap, metrics=metrics)


def test_a_metric_that_keeps_moving_a_little_each_load_is_told_once_it_moved_more_than_the_rule(city):
    """notifications.yaml: tell a metric that "moved more than `moved`" (M1: 0.05). The runner compares each
    digest with the previous *run's* snapshot even when it told nothing (the 'empty' path stores the new
    baseline), so a metric that drifts 0.03 per load — 0.50, 0.53, 0.56, 0.59, 0.62 (moved 0.12, over twice
    the rule) — is never told. The same holds for "Mitä uutta" (a daily visitor's baseline moves each visit)."""
    clock = Clock()
    sent: list = []
    runner = _runner(city, lambda ch, m, a, s: sent.append([(c.kind, c.what, c.subject) for c in m.changes]), clock)
    principal = runner.principal("rehtori")
    real = runner.snapshot(principal)
    place = next(iter(real.metrics))
    metric = next(m for m, (light, _v) in real.metrics[place].items() if light in ("green", "amber", "red"))
    light = real.metrics[place][metric][0]
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    notes.set_frequency(principal, "metrics", "immediate")
    rule = default_rules().metric_moved[metric]
    notes.set_baseline("rehtori", "immediate", "email", _with_metric(real, place, metric, light, 0.50))
    values = [0.50 + rule * 0.6 * k for k in (1, 2, 3, 4)]  # 0.6 x the rule a load, 2.4 x in all
    for n, value in enumerate(values):
        run = _runner(city, lambda ch, m, a, s: sent.append([(c.kind, c.what, c.subject) for c in m.changes]), clock)
        run.version = f"tilannekuva-v{n}.duckdb"
        run._snapshots["rehtori"] = _with_metric(real, place, metric, light, value)
        run.run("load", only_user="rehtori")
    told = [c for message in sent for c in message if c[0] == "metrics"]
    assert told, f"{metric} at {place} moved 0.50 -> {values[-1]:.2f} (rule: {rule}) and was never told"


def test_a_metric_that_passes_through_pending_is_told_when_its_light_changed(city):
    """red -> (a load leaves it 'pending': no verdict, e.g. a source missing) -> green. The pending step is not
    a status change (by design), but the digest stores it as the baseline, so the red -> green that follows
    is compared with 'pending' and never told. The director never hears that the metric turned green."""
    clock = Clock()
    sent: list = []

    def record(ch, m, a, s):
        sent.append([(c.kind, c.what, c.subject, c.before, c.after) for c in m.changes])

    runner = _runner(city, record, clock)
    principal = runner.principal("rehtori")
    real = runner.snapshot(principal)
    place = next(iter(real.metrics))
    metric = next(iter(real.metrics[place]))
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    notes.set_frequency(principal, "metrics", "immediate")
    notes.set_baseline("rehtori", "immediate", "email", _with_metric(real, place, metric, "red", 0.40))
    for n, (light, value) in enumerate((("pending", None), ("green", 0.40))):
        run = _runner(city, record, clock)
        run.version = f"tilannekuva-v{n}.duckdb"
        run._snapshots["rehtori"] = _with_metric(real, place, metric, light, value)
        run.run("load", only_user="rehtori")
    told = [c for message in sent for c in message if c[0] == "metrics"]
    assert told, f"{metric} went red -> pending -> green and no digest said so: {sent}"


def test_a_teachers_new_group_is_not_told_as_new_and_cleared_support_signals(city):
    """A principal's unit newly in scope is skipped ('no earlier state to compare with'), but a teacher's
    groups are one place, 'groups': when a teacher's teaching changes (another class this term — here the
    users file's staff_id, which is where a teacher's groups come from), every signalled pupil of the new
    class is told as a NEW support signal and every one of the old class as CLEARED, though no pupil's
    signal changed at all."""
    clock = Clock()
    sent: list = []
    runner = _runner(city, lambda ch, m, a, s: sent.append([(c.kind, c.what, c.count) for c in m.changes]), clock)
    teacher = runner.principal("opettaja")
    before = runner.snapshot(teacher)
    notes = Notifications(city / "state" / "notifications.sqlite", clock=clock)
    notes.set_baseline("opettaja", "immediate", "email", before)

    con = duck.connect(str(current_file(city / "warehouse")), read_only=True)
    try:
        tables = {r[0] for r in con.sql("show tables").fetchall()}
        table = "brg_group_teacher" if "brg_group_teacher" in tables else None
        others = (
            [
                r[0]
                for r in con.sql(
                    f"select distinct staff_id from {table} where staff_id <> {teacher.staff_id}"
                ).fetchall()
            ]
            if table
            else []
        )
    finally:
        con.close()
    assert others, f"no other teacher found in {sorted(tables)}"
    users = city / "demo" / "users.yaml"
    after_signals = None
    for staff_id in others:
        data = yaml.safe_load(users.read_text(encoding="utf-8"))
        data["users"]["opettaja"]["staff_id"] = int(staff_id)
        users.write_text(yaml.safe_dump(data), encoding="utf-8")
        probe = _runner(city, lambda *a: None, clock)
        snap = probe.snapshot(probe.principal("opettaja"))
        pupils = {p for rows in snap.signals.values() for p in rows}  # (each group is a place of its own now)
        if pupils != {p for rows in before.signals.values() for p in rows}:
            after_signals = snap
            break
    assert after_signals is not None, "no other teacher with other signalled pupils"
    run = _runner(city, lambda ch, m, a, s: sent.append([(c.kind, c.what, c.count) for c in m.changes]), clock)
    run.run("load", only_user="opettaja")
    false = [c for message in sent for c in message if c[0] == "signals"]
    assert false == [], f"no pupil's signal changed, only the teacher's class; the digest said: {false}"


def test_a_reload_in_the_same_session_keeps_the_news_when_the_user_is_also_signed_in_elsewhere(tmp_path):
    """notifications.visit: 'within a session the baseline stays (a reload shows the same news)'. The visit row
    is one per user, so a principal signed in on the office PC (session A) who glances at the phone (session
    B) finds on the PC's next reload that A's news are gone: A is now compared with B's snapshot of a moment
    ago. Likewise the news shown on the phone vanish when the PC reloads."""
    clock = Clock()
    notes = Notifications(tmp_path / "notifications.sqlite", clock=clock)
    s0 = Snapshot(version="v0", kinds=("signals",), signals={"unit:1": {}})
    s1 = Snapshot(version="v1", kinds=("signals",), signals={"unit:1": {7: ["absence"]}})
    notes.visit("rehtori", "yesterday", s0)
    clock.now += 86400
    assert notes.visit("rehtori", "pc", s1) == s0  # the PC shows: 1 new pupil
    assert changes(s0, s1, default_rules())
    clock.now += 60
    notes.visit("rehtori", "phone", s1)  # a look on the phone
    clock.now += 60
    again = notes.visit("rehtori", "pc", s1)  # the PC reloads (same session)
    assert again == s0, "the PC's reload lost its news: compared with the phone's snapshot of a minute ago"


def test_the_first_load_of_a_new_school_year_tells_the_pupils_on_the_new_signal_list(demo_home):
    """changes(): when the school year changed, signals, absences and follow-up marks are skipped (`not
    year_changed`) and the new baseline is the new year's snapshot — so the pupils on the new year's signal
    list, and those already over the absence thresholds, are never told: the first load of August is the one
    where a principal most needs "N pupils on your signal list", and the digest and "Mitä uutta" are silent."""
    rules = default_rules()
    kinds = ("signals", "absence")
    before = Snapshot(
        version="v-june",
        kinds=kinds,
        school_year_id=2025,
        places={"unit:351": "Koulu"},
        signals={"unit:351": {1: ["absence"], 2: ["grades"]}},
        absence={"unit:351": {1: "concern"}},
    )
    after = Snapshot(
        version="v-august",
        kinds=kinds,
        school_year_id=2026,
        places={"unit:351": "Koulu"},
        signals={"unit:351": {3: ["absence"], 4: ["absence"], 5: ["grades"]}},
        absence={"unit:351": {3: "serious", 4: "concern"}},
        pages=("principal_unit", "principal_support"),
    )
    found = changes(before, after, rules)
    assert any(c.kind == "signals" for c in found), (
        "a new school year with 3 pupils on the signal list and 2 over the absence thresholds: nothing told"
    )


def test_a_cumulative_metric_getting_its_verdict_at_the_end_of_the_year_is_told():
    """M1 and M6 accumulate over the school year: their light is 'pending' the whole unfinished year
    (metrics.cards, basis same_date). When the year ends, the card gets its verdict — say red, under the
    target. _metric_changes tells a status change only between green/amber/red, so pending -> red is
    silent: the one moment the year's result for M1 is known, neither the digest nor "Mitä uutta" says it
    (in the scale-1 demo today: M1 pending 0.34 at unit 351, 0.47 for the city)."""
    rules = default_rules()
    base = Snapshot(
        version="v-june",
        kinds=("metrics",),
        school_year_id=2025,
        places={"city": ""},
        pages=("sector_overview", "sector_metric"),
    )
    before = dataclasses.replace(base, metrics={"city": {"M1": ["pending", 0.55]}})
    after = dataclasses.replace(base, version="v-august", metrics={"city": {"M1": ["red", 0.55]}})
    found = changes(before, after, rules, ["metrics"])
    assert found, "M1's year ended with a red light; the digest said nothing"
