"""The access log's vocabulary (tilannekuva.audit_events): actions and targets in one place, which
targets are pupil data, and the flag rules of the admin's access-log page, table by table."""

from __future__ import annotations

import ast
import datetime as dt
from types import SimpleNamespace

import pytest

from tilannekuva.access import load_policy
from tilannekuva.audit_events import (
    Action,
    Subject,
    Target,
    entries_frame,
    filters_text,
    flagged,
    is_pupil_data,
    is_staff_data,
    roles_with_own_pupils,
    search,
    subject_of,
    user_target,
)
from tilannekuva.settings import PROJECT_ROOT

WEDNESDAY_NOON = dt.datetime(2026, 11, 18, 12, 0)
OWN = {"teacher", "principal"}


def entry(
    role="principal",
    action="view",
    target="support_signals",
    rows=1,
    at=WEDNESDAY_NOON,
    username="u",
    page="p",
    filters=None,
    entry_id=1,
):
    return SimpleNamespace(
        entry_id=entry_id,
        logged_at=at.timestamp(),
        username=username,
        role=role,
        action=action,
        target=target,
        page=page,
        filters=filters or {},
        rows=rows,
    )


def flags_of(*entries, bulk=100):
    frame = flagged(entries_frame(entries), bulk_rows=bulk, roles_with_own_pupils=OWN)
    return [
        tuple(name for name in ("bulk", "outside", "off_hours") if row[f"flag_{name}"])
        for row in frame.iter_rows(named=True)
    ]


@pytest.mark.parametrize(
    ("target", "subject"),
    [
        ("support_signals", Subject.PUPILS),
        ("group_pupils", Subject.PUPILS),
        ("watch_list", Subject.PUPILS),
        ("pupil_absence", Subject.PUPILS),  # teacher_watch's per-pupil export: missing from the old rule
        ("staff_training_list", Subject.STAFF),
        ("access_log", Subject.USERS),
        ("session", Subject.NONE),
        ("tuki-ryhmittain-2026", Subject.NONE),  # an aggregate table's export: its file name
        ("sector_overview", Subject.NONE),
        ("rehtori", Subject.NONE),
        ("user:opettaja", Subject.NONE),
    ],
)
def test_whose_personal_data_a_target_holds(target, subject):
    assert subject_of(target) is subject
    assert is_pupil_data(target) == (subject is Subject.PUPILS)
    assert is_staff_data(target) == (subject is Subject.STAFF)


def test_members_are_the_strings_already_in_the_log():
    assert Action.VIEW == "view" and f"{Action.SIGN_IN_FAILED}" == "sign_in_failed" and Target("watch_list")
    assert user_target("opettaja") == "user:opettaja"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ()),  # a principal's own list
        ({"role": "teacher", "target": "watch_list"}, ()),
        ({"role": "admin"}, ("outside",)),  # admin viewing as a principal
        ({"role": "sector_lead", "target": "group_pupils"}, ("outside",)),
        ({"role": "admin", "action": "export", "target": "pupil_absence"}, ("outside",)),  # the old rule missed it
        ({"role": "sector_lead", "target": "pupil_absence"}, ("outside",)),
        ({"role": "admin", "target": "access_log"}, ()),  # not pupil data
        ({"role": "admin", "target": "staff_training_list"}, ()),  # staff, not pupils
        ({"action": "export", "rows": 100}, ("bulk",)),  # bulk: from 100 rows
        ({"action": "export", "rows": 99}, ()),
        ({"action": "view", "rows": 500}, ()),  # only exports are bulk
        ({"at": dt.datetime(2026, 11, 18, 6, 59)}, ("off_hours",)),  # before 7
        ({"at": dt.datetime(2026, 11, 18, 7, 0)}, ()),
        ({"at": dt.datetime(2026, 11, 18, 17, 59)}, ()),
        ({"at": dt.datetime(2026, 11, 18, 18, 0)}, ("off_hours",)),  # from 18
        ({"at": dt.datetime(2026, 11, 21, 12, 0)}, ("off_hours",)),  # Saturday
        ({"at": dt.datetime(2026, 11, 22, 12, 0)}, ("off_hours",)),  # Sunday
        # a digest goes out when a night's load ends: the server's doing, not a person at work off hours
        ({"action": "digest", "target": "digest", "at": dt.datetime(2026, 11, 22, 3, 0)}, ()),
        ({"action": "digest", "target": "digest", "role": "sector_lead"}, ()),
        (
            {"role": "sector_lead", "action": "export", "rows": 300, "at": dt.datetime(2026, 11, 22, 23, 0)},
            ("bulk", "outside", "off_hours"),
        ),
    ],
)
def test_flags(kwargs, expected):
    assert flags_of(entry(**kwargs)) == [expected]


def test_the_roles_with_own_pupils_come_from_the_role_policy():
    assert roles_with_own_pupils(load_policy(PROJECT_ROOT / "roles.yaml")) == {"teacher", "principal"}


LOG = [
    entry(
        username="Rehtori",
        action="view",
        target="support_signals",
        page="principal_support",
        filters={"lukuvuosi": 2026},
        entry_id=1,
    ),
    entry(
        username="opettaja",
        role="teacher",
        action="export",
        target="pupil_absence",
        page="teacher_watch",
        rows=3,
        at=dt.datetime(2026, 11, 18, 20, 0),
        entry_id=2,
    ),
    entry(
        username="admin",
        role="admin",
        action="sign_in",
        target="session",
        page="login",
        at=dt.datetime(2026, 10, 1, 9, 0),
        entry_id=3,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [
        ({}, [1, 2]),  # since 1.11.: the October sign-in is older
        ({"since": dt.datetime(2026, 9, 1)}, [1, 2, 3]),
        ({"user": "  REHTORI "}, [1]),  # any case, trimmed
        ({"user": "t"}, [1, 2]),  # part of a name
        ({"actions": ["export"]}, [2]),
        ({"actions": ["export", "view"]}, [1, 2]),
        ({"text": "lukuvuosi=2026"}, [1]),  # in the filters
        ({"text": "teacher_watch"}, [2]),  # the page
        ({"text": "pupil_abs"}, [2]),  # the target
        ({"text": "."}, []),  # literal, not a pattern
        ({"only_flagged": True}, [2]),  # 20:00: off hours
    ],
)
def test_search(kwargs, found):
    frame = flagged(entries_frame(LOG), bulk_rows=100, roles_with_own_pupils=OWN)
    kwargs = {"since": dt.datetime(2026, 11, 1), **kwargs}
    assert search(frame, **kwargs)["entry_id"].to_list() == found


# The access-log calls and where their action and target stand: name -> (action's index, target's index).
LOG_CALLS = {
    "log_view": (None, 1),
    "export_entry": (None, 1),
    "log_event": (1, 2),
    "log_access": (1, 2),
    "access_entry": (1, 2),
    "record": (3, 4),
}


def _text(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _logged_literals(path):
    """(kind, value) of every string literal given as an action or target to the access-log calls in
    `path` — positionally, as `target=`, or as a `"target":` entry of a dict passed to a call."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for kind, index in zip(("action", "target"), LOG_CALLS.get(name, (None, None)), strict=True):
            if index is not None and index < len(node.args) and _text(node.args[index]) is not None:
                found.append((kind, _text(node.args[index])))
        found += [("target", _text(k.value)) for k in node.keywords if k.arg == "target" and _text(k.value)]
        for d in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(d, ast.Dict):
                found += [
                    ("target", _text(v))
                    for k, v in zip(d.keys, d.values, strict=True)
                    if k is not None and _text(k) == "target" and _text(v) is not None
                ]
    return found


@pytest.mark.parametrize(
    "path",
    [*sorted(PROJECT_ROOT.glob("pages/*.py")), *sorted(PROJECT_ROOT.glob("views/*.py")), PROJECT_ROOT / "app.py"],
    ids=lambda p: p.name,
)
def test_every_logged_action_and_target_written_as_text_is_in_the_vocabulary(path):
    vocabulary = {"action": set(Action), "target": set(Target)}
    assert [(kind, value) for kind, value in _logged_literals(path) if value not in vocabulary[kind]] == []


# Issue 18 item 16: an entry's filters as a data-protection officer reads them.
@pytest.mark.parametrize(
    ("filters", "lang", "expected"),
    [
        (
            {"client": "127.0.0.1", "method": "cookie"},
            "fi",
            "Laitteen osoite: 127.0.0.1 · Kirjautumistapa: jatkettu istunto",
        ),
        (
            {"lukuvuosi": 2026, "pupil_id": 52382, "scope": "groups", "units": []},
            "fi",
            "Lukuvuosi: 2026–2027 · Oppilas (tunniste): 52382 · Näkyvyys: omat opetusryhmät",
        ),
        (  # the admin's own search: empty fields say nothing, actions in words
            {"user": "", "actions": "view,export", "days": 30, "text": "", "pupil": ""},
            "fi",
            "Haetut tapahtumat: Katselu, Lataus (CSV/Excel) · Päiviä taaksepäin: 30",
        ),
        ({"followed": True, "format": "xlsx"}, "en", "Followed up: yes · File format: xlsx"),
        ({"units": [113, 114], "something_new": "x"}, "sv", "Enheter (id): 113, 114 · something_new: x"),
        ({}, "fi", ""),
    ],
)
def test_filters_read_as_words(filters, lang, expected):
    assert filters_text(filters, lang) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"yksikko": 113}, "Yksikkö (tunniste): Hakapellon koulu (113)"),
        ({"units": [113, 999]}, "Yksiköt (tunnisteet): Hakapellon koulu (113), 999"),  # an id with no name stays
    ],
)
def test_units_read_by_name(filters, expected):
    assert filters_text(filters, "fi", {113: "Hakapellon koulu"}) == expected
