"""Every number explains itself (issue 19): a figure of each metric has the button that opens its
explanation (definition, sources with their dates, owner, target, guidance), its sources' data-as-of
beside it, and a stale mark beside exactly the figures that read a stale source; the Mittarit page lists
the whole catalogue, searchable, for every role."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import as_read
from tests.helpers import app_env, open_as, truth, warehouse_with_as_of
from tilannekuva import explanations
from tilannekuva.catalogue import catalogue
from tilannekuva.i18n import fmt_date, fmt_number, fmt_percent, t
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.settings import load_settings
from views.explain import STALE_ICON

TEXTS = ("markdown", "caption", "warning", "info")


def walk(node, inside_popover: bool = False):
    """(node, inside a popover?) for every node under `node`."""
    for child in getattr(node, "children", {}).values():
        yield child, inside_popover
        yield from walk(child, inside_popover or child.type == "popover")


def popovers(at) -> dict[str, object]:
    """The page's popovers by their button's label."""
    return {node.proto.popover.label: node for node, _ in walk(at._tree) if node.type == "popover"}


def text_in(node) -> str:
    """What a reader sees of the texts under `node` (Markdown escapes removed), one line each."""
    return "\n".join(as_read(child.value) for child, _ in walk(node) if child.type in TEXTS)


def stale_marks(at, source: str | None = None) -> list[str]:
    """The stale marks on the page itself (not inside an explanation), of `source` if given."""
    name = t(f"source.{source}") if source else ""
    return [
        node.value
        for node, inside in walk(at._tree)
        if node.type == "warning" and not inside and node.icon == STALE_ICON and name in node.value
    ]


def source_dates(home) -> dict[str, dt.date]:
    return dict(truth(home, "select source, data_as_of from meta_source"))


# (metric, user, page, URL parameters): a page showing a figure of each metric.
FIGURES = [
    ("M1", "rehtori", "principal_unit", {}),
    ("M2", "rehtori", "principal_staff", {}),
    ("M3", "rehtori", "principal_eservices", {}),
    ("M4", "johto", "sector_scorecard", {}),
    ("M5", "opettaja", "teacher_me", {}),
    ("M6", "johto", "sector_metric", {"mittari": "M6"}),
    ("S1", "johto", "sector_support", {}),
    ("S2", "rehtori", "principal_support", {}),
    ("S3", "opettaja", "teacher_groups", {}),
    ("S4", "opettaja", "teacher_watch", {}),
]
CASES = [(*case, "fi") for case in FIGURES] + [
    ("S4", "rehtori", "principal_support", {}, "sv"),
    ("M3", "johto", "sector_scorecard", {}, "en"),
]


@pytest.mark.parametrize("metric, user, page, params, lang", CASES, ids=[f"{c[0]}-{c[2]}-{c[4]}" for c in CASES])
def test_a_figure_of_each_metric_opens_its_explanation(demo_env, metric, user, page, params, lang):
    at = open_as(user, page, lang=lang, **params)
    assert not at.exception, at.exception
    shown = popovers(at)
    label = t("explain.button", lang, metric=metric)
    assert label in shown, list(shown)
    said = text_in(shown[label])
    entry, settings = catalogue()[metric], load_settings()
    words = explanations.texts(entry, lang, settings)
    assert words.definition in said
    assert words.numerator in said and words.denominator in said
    assert catalogue().owners[entry.owner][lang] in said
    assert all(caveat in said for caveat in words.caveats)
    assert "{" not in said  # every placeholder filled from the settings
    dates = source_dates(demo_env)
    beside = text_in(at._tree)  # the page itself: the as-of line is visible without opening anything
    for source in entry.sources:
        assert t(f"source.{source}", lang) in said
        if source in dates:
            assert fmt_date(dates[source], lang) in said
            assert f"{t(f'source.{source}', lang)} {fmt_date(dates[source], lang)}" in beside
    links = [n.proto for n, _ in walk(shown[label]) if n.type == "link_button"]
    assert [p.url for p in links] == [catalogue().guidance_url(entry.guidance, settings.guidance)]
    assert catalogue().guidance[entry.guidance][lang] in as_read(links[0].label)
    assert not stale_marks(at)  # the fixture's sources are all fresh on its day


def test_the_explanation_shows_the_configured_target(demo_env, monkeypatch, tmp_path):
    config = tmp_path / "tilannekuva.toml"
    config.write_text("[targets]\nM3 = 0.9\n", encoding="utf-8")
    monkeypatch.setenv("TILANNEKUVA_CONFIG", str(config))
    at = open_as("rehtori", "principal_eservices")
    said = text_in(popovers(at)[t("explain.button", metric="M3")])
    tolerance = catalogue()["M3"].tolerance
    points = t("metrics.points", points=fmt_number(tolerance * 100))
    assert t("explain.target_value", target=fmt_percent(0.9), tolerance=points) in said


@pytest.fixture(scope="module")
def stale_homes(demo_home, tmp_path_factory):
    """A copy of the fixture's data directory per source, with that source's data-as-of put back to
    1.9.2026 (past every threshold on the demo's day 24.11.2026)."""
    homes = {}

    def home_for(source: str):
        if source not in homes:
            homes[source] = warehouse_with_as_of(
                demo_home, tmp_path_factory.mktemp(f"stale-{source}"), **{source: dt.date(2026, 9, 1)}
            )
        return homes[source]

    return home_for


# (stale source, user, page, the metrics whose figures on that page read it — one mark each)
STALE = [
    ("kirjautumiset", "johto", "sector_scorecard", ["M3"]),
    ("kirjautumiset", "rehtori", "principal_unit", ["M3"]),
    ("kirjautumiset", "rehtori", "principal_eservices", ["M3"]),
    ("kirjautumiset", "rehtori", "principal_staff", ["M3"]),
    ("kirjautumiset", "rehtori", "principal_support", []),
    ("kirjautumiset", "opettaja", "teacher_watch", []),
    ("poissaolot", "johto", "sector_support", ["S1"]),
    ("poissaolot", "rehtori", "principal_support", ["S4", "S1"]),
    ("poissaolot", "opettaja", "teacher_watch", ["S4"]),
    ("poissaolot", "opettaja", "teacher_groups", ["S1"]),
    ("poissaolot", "johto", "sector_scorecard", []),
    ("poissaolot", "rehtori", "principal_eservices", []),
]


@pytest.mark.parametrize("source, user, page, metrics", STALE, ids=[f"{s}-{p}" for s, _, p, _ in STALE])
def test_a_stale_source_marks_exactly_the_figures_that_read_it(stale_homes, monkeypatch, source, user, page, metrics):
    home = stale_homes(source)
    with app_env(home, monkeypatch):
        at = open_as(user, page)
        assert not at.exception, at.exception
        marks = stale_marks(at)
        assert len(marks) == len(metrics), marks
        since = fmt_date(dt.date(2026, 9, 1) + dt.timedelta(days=CONTRACTS[source].freshness.stale_after_days + 1))
        assert all(t(f"source.{source}") in m and since in m for m in marks)
        shown = popovers(at)
        for metric in metrics:  # the explanation says it too
            assert source in catalogue()[metric].sources
            assert t(f"source.{source}") in text_in(shown[t("explain.button", metric=metric)])
        # every other figure's explanation has no stale mark
        for label, node in shown.items():
            inside = [n for n, _ in walk(node) if n.type == "warning" and n.icon == STALE_ICON]
            assert bool(inside) == any(t("explain.button", metric=m) == label for m in metrics), label


@pytest.mark.parametrize("source", ["kirjautumiset", "poissaolot"])
def test_the_catalogue_page_names_the_stale_metrics(stale_homes, monkeypatch, source):
    with app_env(stale_homes(source), monkeypatch):
        at = open_as("admin", "metric_catalogue")
        reading = catalogue().reading(source)
        assert t("catalogue.stale_count", count=len(reading)) in [w.value for w in at.warning]
        assert [e.label.split(" ")[0] for e in at.expander if e.icon == STALE_ICON] == list(reading)


ROLES = ["johto", "rehtori", "opettaja", "admin"]


@pytest.mark.parametrize("user", ROLES)
def test_every_role_has_the_whole_catalogue(demo_env, user):
    at = open_as(user, "metric_catalogue")
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.metric_catalogue")
    ids = catalogue().ids()
    assert [e.label.split(" ")[0] for e in at.expander] == list(ids)
    total = len(ids)
    assert t("catalogue.count", count=total, total=total) in [c.value for c in at.caption]
    said = text_in(at.expander[ids.index("M3")])
    assert explanations.texts(catalogue()["M3"], "fi", load_settings()).definition in said
    assert fmt_date(source_dates(demo_env)["kirjautumiset"], "fi") in said
    assert not at.get("dataframe") and not at.get("download_button")  # no personal data, nothing to export
    assert not [w for w in at.warning if w.icon == STALE_ICON]  # the fixture's sources are fresh


SEARCHES = [
    ("fi", "m3", ["M3"]),
    ("fi", "sähköisten palvelujen", ["M3"]),
    ("fi", "poissaol", ["S1", "S4"]),
    ("sv", "frånvaro", ["S1", "S4"]),
    ("sv", "DIGITAL kompetens", ["M5"]),
    ("en", "survey", ["M5"]),
]


@pytest.mark.parametrize("lang, query, found", SEARCHES, ids=[f"{lang}-{q}" for lang, q, _ in SEARCHES])
def test_the_catalogue_is_searchable_in_the_readers_language(demo_env, lang, query, found):
    at = open_as("opettaja", "metric_catalogue", lang=lang)
    at.text_input(key="tk_metric_search").input(query).run()
    assert [e.label.split(" ")[0] for e in at.expander] == found
    total = len(catalogue().ids())
    assert t("catalogue.count", lang, count=len(found), total=total) in [c.value for c in at.caption]


def test_no_metric_matches(demo_env):
    at = open_as("rehtori", "metric_catalogue")
    at.text_input(key="tk_metric_search").input("xyzzy").run()
    assert not at.expander
    assert [i.value for i in at.info] == [t("catalogue.no_match", query="xyzzy")]
