"""Issue 20: what counts as a change (tilannekuva.whatsnew) — the rules as data, the difference of two
snapshots, the links, and the words (never a pupil)."""

from __future__ import annotations

import dataclasses

import pytest

from tilannekuva.whatsnew import (
    Change,
    RulesError,
    Snapshot,
    changes,
    default_rules,
    link,
    parse_rules,
    rules_file,
    without_pupils,
)

PRINCIPAL_PAGES = ("principal_unit", "principal_staff", "principal_support", "principal_eservices", "metric_catalogue")
TEACHER_PAGES = ("teacher_groups", "teacher_watch", "teacher_me", "metric_catalogue")
SECTOR_PAGES = ("sector_overview", "sector_scorecard", "sector_metric", "metric_catalogue")
ADMIN_PAGES = ("admin_status", "admin_loads", "metric_catalogue")


def snap(**fields) -> Snapshot:
    base = dict(
        version="v1",
        scope="principal units=7",
        pages=PRINCIPAL_PAGES,
        school_year_id=2026,
        kinds=("signals", "absence", "followups", "metrics", "loads"),
        places={"unit:7": "Koulu <b>A</b>"},
        signals={"unit:7": {1: ["absence_high"], 2: ["failing_grade"]}},
        absence={"unit:7": {1: "concern"}},
        followups={"unit:7": {}},
        metrics={"unit:7": {"M1": ["green", 0.9], "M3": ["amber", 0.6]}},
        loads={"poissaolot": ["2026-10-31", "2026-11-01T10:00:00"]},
    )
    return Snapshot(**(base | fields))


def told(before, after, kinds=None):
    return [
        (c.kind, c.what, c.count, c.subject, c.before, c.after) for c in changes(before, after, default_rules(), kinds)
    ]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ({}, []),  # nothing changed
        (
            {"signals": {"unit:7": {1: ["absence_high"], 2: ["x"], 3: ["x"], 4: ["x"]}}},
            [("signals", "new", 2, "", None, None)],
        ),
        ({"signals": {"unit:7": {2: ["failing_grade"]}}}, [("signals", "cleared", 1, "", None, None)]),
        ({"signals": {"unit:7": {1: ["grades_falling"], 2: ["failing_grade"]}}}, []),  # other reasons, same pupils
        ({"absence": {"unit:7": {1: "concern", 2: "concern"}}}, [("absence", "concern", 1, "", None, None)]),
        ({"absence": {"unit:7": {1: "serious"}}}, [("absence", "serious", 1, "", None, None)]),  # concern → serious
        (
            {"absence": {"unit:7": {3: "serious"}}},
            [("absence", "concern", 1, "", None, None), ("absence", "serious", 1, "", None, None)],
        ),
        ({"absence": {"unit:7": {}}}, []),  # falling below a threshold is no news (a new term starts from zero)
        ({"followups": {"unit:7": {2: "2026-11-20T10:00"}}}, [("followups", "marked", 1, "", None, None)]),
        (
            {"metrics": {"unit:7": {"M1": ["red", 0.5], "M3": ["amber", 0.6]}}},
            [("metrics", "status", 0, "M1", "green", "red")],
        ),
        (
            {"metrics": {"unit:7": {"M1": ["green", 0.96], "M3": ["amber", 0.6]}}},
            [("metrics", "moved", 0, "M1", "0.9", "0.96")],
        ),
        ({"metrics": {"unit:7": {"M1": ["green", 0.94], "M3": ["amber", 0.6]}}}, []),  # under the rule's 0.05
        ({"metrics": {"unit:7": {"M1": ["pending", 0.9], "M3": ["amber", 0.6]}}}, []),  # no verdict is no status news
        (
            {"loads": {"poissaolot": ["2026-11-20", "2026-11-21T03:00:00"]}},
            [("loads", "loaded", 0, "poissaolot", "2026-10-31", "2026-11-20")],
        ),
        (
            {
                "loads": {
                    "poissaolot": ["2026-10-31", "2026-11-01T10:00:00"],
                    "arvioinnit": ["2026-06-01", "2026-11-21T03:00:00"],
                }
            },
            [("loads", "loaded", 0, "arvioinnit", None, "2026-06-01")],
        ),
        # a unit newly in the user's scope has no earlier state: its whole content is not "new"
        (
            {
                "places": {"unit:7": "A", "unit:8": "B"},
                "signals": {"unit:7": {1: ["x"], 2: ["x"]}, "unit:8": {5: ["x"], 6: ["x"]}},
            },
            [],
        ),
        # another scope (the user's role, units or staff record changed): the new scope is not news
        ({"scope": "principal units=8", "signals": {"unit:7": {9: ["x"]}}}, []),
        # a new school year: its lists start from nothing (last year's pupils are not compared with)
        (
            {"school_year_id": 2027, "signals": {"unit:7": {9: ["x"]}}, "absence": {"unit:7": {9: "serious"}}},
            [
                ("signals", "new", 1, "", None, None),
                ("absence", "concern", 1, "", None, None),
                ("absence", "serious", 1, "", None, None),
            ],
        ),
    ],
)
def test_what_counts_as_a_change(after, expected):
    assert told(snap(), snap(**after)) == expected


def test_a_first_visit_or_digest_has_no_changes_and_kinds_can_be_chosen():
    assert told(None, snap()) == []
    after = snap(signals={"unit:7": {}}, loads={"poissaolot": ["2026-11-20", "2026-11-21T03:00:00"]})
    assert [k for k, *_ in told(snap(), after, kinds=["loads"])] == ["loads"]
    assert [k for k, *_ in told(snap(), after)] == ["signals", "loads"]  # the rules' order of kinds


@pytest.mark.parametrize(
    ("kind", "place", "pages", "subject", "expected"),
    [
        ("signals", "unit:7", PRINCIPAL_PAGES, "", "principal_support?yksikko=7&lukuvuosi=2026"),
        ("signals", "group:12", TEACHER_PAGES, "", "teacher_watch?lukuvuosi=2026"),
        ("metrics", "unit:7", PRINCIPAL_PAGES, "M3", "?yksikko=7&mittari=M3&lukuvuosi=2026"),  # the landing page
        ("metrics", "city", SECTOR_PAGES, "M3", "sector_metric?mittari=M3&lukuvuosi=2026"),
        ("loads", "", ADMIN_PAGES, "poissaolot", "admin_loads"),
        ("loads", "", TEACHER_PAGES, "poissaolot", "metric_catalogue"),
    ],
)
def test_each_change_links_to_the_exact_filtered_view_the_user_may_open(kind, place, pages, subject, expected):
    assert link(kind, place, None if kind == "loads" else 2026, pages, subject) == expected


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_words_count_pupils_and_never_name_them(lang):
    change = Change("signals", "new", "unit:7", "Koulu A", 3, pupils=(101, 102, 103))
    text = change.text(lang)
    assert text.startswith("Koulu A: ") and text.endswith("3") and "101" not in text
    assert without_pupils([change])[0].pupils == ()
    status = Change("metrics", "status", "city", "", subject="M3", before="green", after="red")
    assert "M3" in status.text(lang) and "→" in status.text(lang)
    load = Change("loads", "loaded", subject="poissaolot", after="2026-11-20")
    assert "20" in load.text(lang) and "Wilma" in load.text(lang)


def test_a_snapshot_survives_its_storage():
    original = snap()
    assert Snapshot.from_json(original.to_json()) == original
    assert Snapshot.from_json(None) is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"kinds": {"signals": {"default": "hourly"}}}, "kinds.signals.default"),
        ({"kinds": {"signals": {"needs": []}}}, "kinds.signals.needs"),
        ({"kinds": {"gossip": {"needs": ["school_years"], "default": "daily"}}}, "unknown kinds"),
        ({"metrics": {"M1": {"moved": -1}}}, "metrics.M1.moved"),
        ({"metrics": {"M1": {"moved": "much"}}}, "metrics.M1.moved"),
        ({"absence": {"thresholds": ["worried"]}}, "absence.thresholds"),
        ({"schedule": {"hour": 24}}, "schedule.hour"),
        ({"schedule": {"weekday": 0}}, "schedule.weekday"),
    ],
)
def test_broken_rules_are_refused_with_the_field_named(override, message):
    with pytest.raises(RulesError, match=message.replace(".", r"\.")):
        parse_rules(rules_file(), override)


def test_overrides_change_only_what_they_name():
    rules = parse_rules(rules_file(), {"metrics": {"M1": {"moved": 0.01}}, "schedule": {"hour": 6}})
    assert (rules.metric_moved["M1"], rules.metric_moved["M3"], rules.hour) == (0.01, 0.05, 6)
    assert rules.kinds == default_rules().kinds


def test_a_kind_reaches_only_roles_that_may_run_every_query_it_reads(principals):
    rules = default_rules()
    assert rules.kinds_for(principals["johto"]) == ("metrics", "loads")
    assert rules.kinds_for(principals["rehtori"]) == ("signals", "absence", "followups", "metrics", "loads")
    assert rules.kinds_for(principals["opettaja"]) == ("signals", "absence", "loads")
    assert rules.kinds_for(principals["admin"]) == ("loads",)
    narrowed = dataclasses.replace(rules, needs={**rules.needs, "loads": ("data_freshness", "table_row_counts")})
    assert narrowed.kinds_for(principals["rehtori"])[-1] != "loads"  # a query the principal may not run
