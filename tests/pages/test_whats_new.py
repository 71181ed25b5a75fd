"""Mitä uutta (what's new) on every role's landing page (issue 20), through AppTest on the tiny demo city.

A user's previous visit is forged with the real store (tilannekuva.notifications.Notifications.visit in
an earlier session) from their real snapshot minus what the test changes — pupils taken off the signal
list, a pupil under the absence threshold, another light for a metric, an older load time for a source —
and the landing page in a new session must list exactly those changes, counted, linked to the filtered
view, in Finnish and Swedish. The page's snapshot must equal the digest runner's for the same user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from urllib.parse import parse_qsl

import pytest

from tests.helpers import app_env, open_as, signed_in_state, truth
from tests.security.conftest import HOSTILE_UNIT, hostile_home  # noqa: F401 (the fixture)
from tilannekuva import whatsnew
from tilannekuva.digest import Runner
from tilannekuva.i18n import fmt_date, t
from tilannekuva.inert import md
from tilannekuva.notifications import Notifications
from tilannekuva.settings import load_settings

LANDING = {
    "johto": "sector_overview",
    "rehtori": "principal_unit",
    "rehtori2": "principal_unit",  # a school and a daycare: two places
    "opettaja": "teacher_groups",
    "admin": "admin_status",
}
# The kinds each role is told of (the catalogue's `needs` against the queries' roles), and the pages the
# changes of each kind link to for that role.
KINDS = {
    "johto": {"metrics": "sector_metric", "loads": "metric_catalogue"},
    "rehtori": {
        "signals": "principal_support",
        "absence": "principal_support",
        "followups": "principal_support",
        "metrics": "principal_unit",
        "loads": "metric_catalogue",
    },
    "rehtori2": {
        "signals": "principal_support",
        "absence": "principal_support",
        "followups": "principal_support",
        "metrics": "principal_unit",
        "loads": "metric_catalogue",
    },
    "opettaja": {"signals": "teacher_watch", "absence": "teacher_watch", "loads": "metric_catalogue"},
    "admin": {"loads": "admin_loads"},
}
OTHER_LIGHT = {"green": "red", "amber": "green", "red": "amber"}


@pytest.fixture
def home(demo_env):
    (demo_env / "state" / "notifications.sqlite").unlink(missing_ok=True)
    yield demo_env
    (demo_env / "state" / "notifications.sqlite").unlink(missing_ok=True)


EARLIER = dt.datetime(2026, 11, 20, 8, 5)  # when the forged previous visit was


def store(home, at: dt.datetime | None = None) -> Notifications:
    """The app's store of visits; with `at`, one whose clock stands at that time (to forge a visit)."""
    clock = (lambda: at.timestamp()) if at is not None else None
    return Notifications(home / "state" / "notifications.sqlite", **({"clock": clock} if clock else {}))


def runner_snapshot(user: str) -> whatsnew.Snapshot:
    """The user's snapshot as the digest runner takes it (Warehouse.fetch as the user)."""
    runner = Runner(load_settings())
    return runner.snapshot(runner.principal(user))


def section(at):
    """The "Mitä uutta" block of the page run."""
    return at.main.get_by_key("whats_new")


def texts(node) -> list[str]:
    """Every text shown in the block (headings, Markdown, captions, alerts, link labels)."""
    found = []
    for kind in ("header", "markdown", "caption", "info", "success", "warning"):
        found += [str(e.value) for e in getattr(node, kind)]
    return found + [e.proto.label for e in node.get("page_link")]


def links(node) -> list[tuple[str, str, str]]:
    """(label, page, query string) of each link of the block."""
    return [(e.proto.label, e.proto.page, e.proto.query_string) for e in node.get("page_link")]


def said(node) -> list[tuple[str, str]]:
    """(label, query string) of each link: what the user reads and where it leads (the landing page's
    own path is '' on a first run, its url path on a rerun)."""
    return [(label, query) for label, _, query in links(node)]


@dataclasses.dataclass
class Expected:
    kind: str
    text: str  # the sentence in the reader's language, as Markdown (escaped)
    page: str
    query: dict


def forge(user: str, snap: whatsnew.Snapshot, lang: str) -> tuple[whatsnew.Snapshot, list[Expected]]:
    """An earlier snapshot of `user`: `snap` with two pupils off the signal list, one pupil under the
    absence threshold, another light for one metric and an older load of one source; and the changes the
    landing page must list (in `lang`)."""
    expected, pages, year = [], KINDS[user], snap.school_year_id
    signals = {p: dict(rows) for p, rows in snap.signals.items()}
    absence = {p: dict(rows) for p, rows in snap.absence.items()}
    lights = json.loads(json.dumps(snap.metrics))
    loads = json.loads(json.dumps(snap.loads))

    def place_query(place):
        return {"yksikko": place.split(":", 1)[1]} if place.startswith("unit:") else {}

    def sentence(place, text):
        name = snap.places.get(place, "")
        return md(t("whatsnew.at_place", lang, place=name, text=text) if name else text)

    for place, rows in sorted(signals.items()):
        if len(rows) >= 2 and "signals" in pages:
            for pupil in sorted(rows)[:2]:
                del rows[pupil]
            text = sentence(place, t("whatsnew.signals.new", lang, count=2))
            expected.append(Expected("signals", text, pages["signals"], place_query(place) | {"lukuvuosi": str(year)}))
            break
    for place, rows in sorted(absence.items()):
        concern = sorted(p for p, level in rows.items() if level == "concern")
        if concern and "absence" in pages:
            del rows[concern[0]]
            text = sentence(place, t("whatsnew.absence.concern", lang, count=1))
            expected.append(Expected("absence", text, pages["absence"], place_query(place) | {"lukuvuosi": str(year)}))
            break
    for place, cards in sorted(lights.items()):
        metric = next((m for m, (light, _) in sorted(cards.items()) if light in OTHER_LIGHT), None)
        if metric is not None and "metrics" in pages:
            light = cards[metric][0]
            cards[metric][0] = OTHER_LIGHT[light]
            subject = f"{metric} {t(f'metric.{metric}.name', lang)}"
            words = t(
                "whatsnew.metrics.status",
                lang,
                subject=subject,
                before=t(f"light.{OTHER_LIGHT[light]}", lang),
                after=t(f"light.{light}", lang),
            )
            query = place_query(place) | {"mittari": metric, "lukuvuosi": str(year)}
            expected.append(Expected("metrics", sentence(place, words), pages["metrics"], query))
            break
    source = sorted(loads)[0]
    as_of, loaded_at = loads[source]
    loads[source] = [as_of, (dt.datetime.fromisoformat(loaded_at) - dt.timedelta(days=3)).isoformat()]
    # the load's wording is the core's (Change.text, tested in tests/unit/test_whatsnew.py): what is
    # checked here is that the page says it for this source and date, and where it links
    words = whatsnew.Change("loads", "loaded", subject=source, after=as_of).text(lang)
    assert fmt_date(dt.date.fromisoformat(as_of), lang) in words
    expected.append(Expected("loads", md(words), pages["loads"], {}))
    earlier = dataclasses.replace(snap, signals=signals, absence=absence, metrics=lights, loads=loads)
    return earlier, expected


def landing(user: str, lang: str = "fi", at=None):
    """The user's landing page in a new session (a new sign-in), or another run of `at` (a reload)."""
    if at is None:
        at = open_as(user, lang=lang)
    else:
        at.run()
    assert not at.exception, at.exception
    assert at.session_state["tk_principal"].username == user
    return at


def visit_rows(home) -> list[tuple]:
    con = sqlite3.connect(home / "state" / "notifications.sqlite")
    try:
        return con.execute("select * from visit order by username").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("user", sorted(LANDING))
def test_a_first_visit_says_what_will_be_shown_here(home, user):
    at = landing(user)
    assert LANDING[user] in str(at.session_state["tk_principal"].pages[0])
    news = section(at)
    assert [h.value for h in news.header] == [t("whatsnew.page.title", "fi")]
    assert [i.value for i in news.info] == [t("whatsnew.page.first_visit", "fi")]
    assert not news.get("page_link")
    assert store(home).peek(user) is not None  # this visit is the next one's baseline


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("user", sorted(LANDING))
def test_the_changes_since_the_previous_visit_are_counted_and_linked(home, user, lang):
    earlier, expected = forge(user, runner_snapshot(user), lang)
    # every kind the role is told of but follow-up marks (the tiny city has none to move)
    assert {e.kind for e in expected} == set(KINDS[user]) - {"followups"}, "the tiny demo city lacks a change"
    store(home, EARLIER).visit(user, "an earlier session", earlier)
    at = landing(user, lang)
    news = section(at)
    shown = [(label, page, dict(parse_qsl(query))) for label, page, query in links(news)]
    for change in expected:
        page = "" if change.page == LANDING[user] else change.page  # the landing page is the app's root
        assert (change.text, page, change.query) in shown, (change, shown)
    assert len(shown) == len(expected)
    when = fmt_date(EARLIER, lang, with_time=True)  # 20.11.2026 klo 8.05 / 20.11.2026 kl. 08:05
    assert t("whatsnew.page.count", lang, count=len(expected), time=when) in [m.value for m in news.markdown]
    for kind in {e.kind for e in expected}:  # grouped under each kind's heading with its count
        count = sum(e.kind == kind for e in expected)
        heading = t("whatsnew.page.kind_heading", lang, kind=t(f"whatsnew.page.kind.{kind}", lang), count=count)
        assert heading in [m.value for m in news.markdown]
    assert t("whatsnew.page.no_names", lang) in [c.value for c in news.caption]


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("user", sorted(LANDING))
def test_nothing_new_says_so_with_the_time_of_the_previous_visit(home, user, lang):
    store(home, EARLIER).visit(user, "an earlier session", runner_snapshot(user))
    news = section(landing(user, lang))
    when = fmt_date(EARLIER, lang, with_time=True)
    assert [s.value for s in news.success] == [t("whatsnew.page.nothing_new", lang, time=when)]
    assert not news.get("page_link") and not news.info


@pytest.mark.parametrize("user", ["rehtori", "opettaja"])
def test_a_reload_in_the_same_session_keeps_the_news_and_a_new_session_starts_from_this_visit(home, user):
    earlier, expected = forge(user, runner_snapshot(user), "fi")
    store(home, EARLIER).visit(user, "an earlier session", earlier)
    at = landing(user)
    first = links(section(at))
    assert len(first) == len(expected)
    again = landing(user, at=at)  # the same session: a rerun, as a reload or another click does
    assert said(section(again)) == [(label, query) for label, _, query in first]
    news = section(landing(user))  # a new sign-in: compared with the visit just made
    assert not news.get("page_link") and len(news.success) == 1


def view_as(user: str, lang: str = "fi"):
    """An admin's "see what this user sees" of `user`'s landing page (read-only)."""
    from tests.helpers import app
    from views.signin import VIEW_AS_KEY

    at = signed_in_state(app(lang), "admin")
    at.session_state[VIEW_AS_KEY] = user
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["tk_principal"].username == "admin"
    return at


@pytest.mark.parametrize("user", ["rehtori", "johto", "opettaja"])
def test_an_admin_viewing_as_the_user_sees_their_news_without_using_them_up(home, user):
    earlier, expected = forge(user, runner_snapshot(user), "fi")
    store(home, EARLIER).visit(user, "an earlier session", earlier)
    before = visit_rows(home)
    news = section(view_as(user))
    assert t("whatsnew.page.view_as", "fi") in [c.value for c in news.caption]
    assert len(links(news)) == len(expected)
    assert visit_rows(home) == before  # nothing written: not the user's visit, not one of the admin's
    own = section(landing(user))  # the user's own next visit still has the news
    assert said(own) == said(news)


@pytest.mark.parametrize("user", sorted(LANDING))
def test_the_page_reads_the_same_snapshot_and_changes_as_the_digest(home, user):
    """Same access layer, same numbers: the snapshot the landing page stores for the visit is the one the
    digest runner takes for the user, and the changes since one baseline are the same."""
    digest_snap = runner_snapshot(user)
    earlier, _ = forge(user, digest_snap, "fi")
    store(home, EARLIER).visit(user, "an earlier session", earlier)
    at = landing(user)
    page_snap = store(home).peek(user)  # what the page took on this visit
    assert page_snap.to_json() == digest_snap.to_json()
    rules = whatsnew.rules(load_settings().notifications)
    from_digest = [c.text("fi") for c in whatsnew.changes(earlier, digest_snap, rules)]
    assert [label for label, _, _ in links(section(at))] == [md(text) for text in from_digest]


def test_no_pupil_is_named_in_the_section(home, principals):
    user = "rehtori"
    earlier, _ = forge(user, runner_snapshot(user), "fi")
    store(home, EARLIER).visit(user, "an earlier session", earlier)
    news = section(landing(user))
    shown = "\n".join(texts(news))
    unit = principals[user].unit_ids[0]
    names = truth(
        home,
        "select first_name, last_name from dim_pupil p join fct_enrolment e using (pupil_id) where e.unit_id = $u",
        u=unit,
    )
    assert names and links(news)
    for first, last in names:
        assert last not in shown and f"{first} {last}" not in shown
    assert t("whatsnew.page.no_names", "fi") in shown


def test_a_hostile_unit_name_stays_text(hostile_home, monkeypatch):  # noqa: F811 (the imported fixture)
    """A unit named with Markdown links and an image (loaded by `tilannekuva ingest`, tests/security) is
    shown as the text it is in every change of the unit."""
    with app_env(hostile_home, monkeypatch):
        (hostile_home / "state" / "notifications.sqlite").unlink(missing_ok=True)
        earlier, expected = forge("rehtori", runner_snapshot("rehtori"), "fi")
        store(hostile_home, EARLIER).visit("rehtori", "an earlier session", earlier)
        news = section(landing("rehtori"))
        placed = [label for label, _, _ in links(news) if md(HOSTILE_UNIT[:30]) in label]  # (a name is cut at 80)
        assert len(placed) == sum(e.kind != "loads" for e in expected) >= 2
        for label in [*placed, *texts(news)]:
            assert "](" not in label and "![" not in label  # no link or image can form
        (hostile_home / "state" / "notifications.sqlite").unlink(missing_ok=True)
