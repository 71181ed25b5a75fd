"""Issue 18 items 15 and 17: the follow-up marks on the signal lists. The teacher reads their own notes
(not a colleague's); a mark names the person who made it, not their username; the principal's list is
most severe first and can be narrowed by severity and by follow-up."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import open_as, tables_of, truth
from tilannekuva.followups import FollowUps
from tilannekuva.i18n import t

YEAR = 2026


def _list(at, columns_key: str = "col.reasons"):
    assert not at.exception, at.exception
    return next(df.value for df in tables_of(at) if t(columns_key) in df.value.columns)


def _row(frame, pupil: dict):
    found = frame[(frame[t("col.last_name")] == pupil["last"]) & (frame[t("col.first_name")] == pupil["first"])]
    assert len(found) == 1
    return found.iloc[0]


@pytest.fixture
def two_marks(demo_env, principals):
    """Two pupils of the teacher's watch list marked: one by the teacher with a note, one by a colleague."""
    listed = _list(open_as("opettaja", "teacher_watch"))
    assert len(listed) >= 2
    store = FollowUps(demo_env / "state" / "followups.sqlite")
    teacher = principals["opettaja"]
    pupils = []
    for _, shown in listed.head(2).iterrows():
        ((pupil_id,),) = truth(
            demo_env,
            """select distinct p.pupil_id from dim_pupil p join fct_enrolment e using (pupil_id)
               join dim_group g using (group_id) join brg_group_teacher b using (group_id)
               where b.staff_id = $s and e.school_year_id = $y and p.last_name = $l and p.first_name = $f
                 and g.name = $g""",
            s=teacher.staff_id,
            y=YEAR,
            l=shown[t("col.last_name")],
            f=shown[t("col.first_name")],
            g=shown[t("col.group")],
        )
        pupils.append({"id": pupil_id, "last": shown[t("col.last_name")], "first": shown[t("col.first_name")]})
    ids = [p["id"] for p in pupils]
    store.mark(pupils[0]["id"], YEAR, teacher, ids, note="Soitettu kotiin")
    store.mark(pupils[1]["id"], YEAR, dataclasses.replace(teacher, username="kollega"), ids, note="Kollegan huomio")
    return pupils


def test_the_teacher_reads_their_own_note_by_name_not_a_colleagues(two_marks):
    own, colleagues = two_marks
    watch = _list(open_as("opettaja", "teacher_watch"))
    mine = _row(watch, own)[t("col.followed_up")]
    assert mine.startswith("Opettaja Demo, ") and mine.endswith(": Soitettu kotiin")  # was 'opettaja 24.11.2026'
    other = _row(watch, colleagues)[t("col.followed_up")]
    assert other.startswith("kollega, ") and "Kollegan huomio" not in other  # no name in the directory: username


def test_the_principal_reads_every_note_by_name(two_marks):
    own, colleagues = two_marks
    signals = _list(open_as("rehtori", "principal_support"))
    assert _row(signals, own)[t("col.followed_up")].startswith("Opettaja Demo, ")
    assert _row(signals, own)[t("col.followed_up")].endswith(": Soitettu kotiin")
    assert _row(signals, colleagues)[t("col.followed_up")].endswith(": Kollegan huomio")


LEVELS = ["high", "medium", "low"]


@pytest.mark.parametrize(
    ("severity", "followed", "levels", "marked"),
    [
        ("all", "all", {"high", "medium", "low"}, {True, False}),
        ("medium", "all", {"high", "medium"}, {True, False}),
        ("high", "all", {"high"}, {True, False}),
        ("all", "yes", {"high", "medium", "low"}, {True}),
        ("all", "no", {"high", "medium", "low"}, {False}),
    ],
)
def test_the_principal_narrows_the_list_by_severity_and_follow_up(two_marks, severity, followed, levels, marked):
    at = open_as("rehtori", "principal_support")
    everyone = _list(at)
    at.selectbox(key="tk_signal_severity").set_value(severity)
    at.selectbox(key="tk_signal_followed").set_value(followed)
    at.run()
    names = {t(f"severity.{level}"): level for level in LEVELS}
    if not _shown_any(at):
        assert t("signals.none_chosen") in [i.value for i in at.info]
        return
    shown = _list(at)
    got = [names[v] for v in shown[t("col.severity")]]
    assert set(got) <= levels and {v != "" for v in shown[t("col.followed_up")]} <= marked
    assert got == sorted(got, key=LEVELS.index)  # most severe first
    expected = [
        r
        for _, r in everyone.iterrows()
        if names[r[t("col.severity")]] in levels and (r[t("col.followed_up")] != "") in marked
    ]
    assert len(shown) == len(expected) and len(shown) <= len(everyone)


def _shown_any(at) -> bool:
    return any(t("col.reasons") in df.value.columns for df in tables_of(at))
