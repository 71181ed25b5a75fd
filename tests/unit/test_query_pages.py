"""Each query's `-- page:` header (shown on the admin status page, and the scope contract's expectation of
who may run it) names exactly the pages that use the query — read from the source: the query names a
page passes to a call, and those of the views functions it calls, through views/*.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tilannekuva.queries import load_query, query_names
from tilannekuva.settings import PROJECT_ROOT

QUERIES = set(query_names())


# Core modules whose functions read named queries through the reader a page gives them (the support
# signals: the same computation for the pages and the digests).
CORE_READERS = ("signals",)


def _functions(root: Path, queries: set[str]):
    """views and CORE_READERS: {(module, function): (queries named, functions called)}."""
    table = {}
    core = [PROJECT_ROOT / "tilannekuva" / f"{name}.py" for name in CORE_READERS]
    for path in sorted((root / "views").glob("*.py")) + core:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _imported(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                table[(path.stem, node.name)] = _uses(node, path.stem, imported, queries)
    return table


def _imported(tree):
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {f"tilannekuva.{m}" for m in CORE_READERS}:
            for a in node.names:
                names[a.asname or a.name] = ("function", (node.module.split(".")[1], a.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("views"):
            for a in node.names:
                if node.module == "views":
                    names[a.asname or a.name] = ("module", a.name)
                else:
                    names[a.asname or a.name] = ("function", (node.module.split(".")[1], a.name))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("views."):
                    names[a.asname or a.name.split(".")[1]] = ("module", a.name.split(".")[1])
    return names


def _uses(node, module, imported, queries):
    named, called = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value in queries:
            named.add(sub.value)
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            kind, what = imported.get(sub.value.id, (None, None))
            if kind == "module":
                called.add((what, sub.attr))
        if isinstance(sub, ast.Name):
            kind, what = imported.get(sub.id, (None, None))
            if kind == "function":
                called.add(what)
            elif module is not None:
                called.add((module, sub.id))
    return named, called


def pages_using(root: Path, queries: set[str]) -> dict[str, set[str]]:
    table = _functions(root, queries)
    out = {}
    for path in sorted((root / "pages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named, todo = _uses(tree, None, _imported(tree), queries)
        seen = set()
        while todo:
            f = todo.pop()
            if f in seen or f not in table:
                continue
            seen.add(f)
            more, calls = table[f]
            named |= more
            todo |= calls
        for q in named:
            out.setdefault(q, set()).add(path.stem)
    return out


USED = pages_using(PROJECT_ROOT, QUERIES)


def header_pages(name: str) -> set[str]:
    return set(re.findall(r"[a-z_]+", load_query(name).page))


def whats_new_reads(warehouse, principals) -> dict[str, set[str]]:
    """query -> the landing pages whose "Mitä uutta" (views/whats_new.py → tilannekuva.whatsnew.take) reads it:
    what `take` really runs for each demo user of each role whose first page shows it — per role, as the
    kinds a role is told of depend on the queries it may run."""
    from tilannekuva import metrics, whatsnew

    showing = {p.stem for p in (PROJECT_ROOT / "pages").glob("*.py") if "whats_new.section(" in p.read_text()}
    found: dict[str, set[str]] = {}
    for principal in principals.values():
        landing = principal.pages[0]
        if landing not in showing:
            continue
        seen: set[str] = set()

        def read(query, _p=principal, _seen=seen, **params):
            _seen.add(query)
            return warehouse.fetch(_p, query, **params).frame

        whatsnew.take(
            read,
            principal,
            whatsnew.default_rules().kinds_for(principal),
            version="v",
            concern_hours=60,
            serious_hours=100,
            goal=metrics.targets(),
        )
        for query in seen:
            found.setdefault(query, set()).add(landing)
    return found


@pytest.fixture(scope="module")
def used(warehouse, principals) -> dict[str, set[str]]:
    found = {q: set(p) for q, p in USED.items()}
    for query, pages in whats_new_reads(warehouse, principals).items():
        found.setdefault(query, set()).update(pages)
    return found


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_page_header_names_the_pages_that_use_the_query(name, used):
    pages = {p.stem for p in PROJECT_ROOT.glob("pages/*.py")}
    assert header_pages(name) <= pages, "the header names something that is not a page"
    assert header_pages(name) == used.get(name, set())


def test_every_query_is_used_by_a_page(used):
    assert sorted(QUERIES - set(used)) == []


def test_whats_new_reads_only_what_each_role_may_run(warehouse, principals):
    """The landing pages' news reads, per role, only queries the role runs on its own pages: a sector lead's
    overview reads no pupil rows, a teacher's groups page no metric parts."""
    found = whats_new_reads(warehouse, principals)
    assert "pupil_roster" in found and "sector_overview" not in found["pupil_roster"]
    assert "metric_parts_by_unit_year" in found and "teacher_groups" not in found["metric_parts_by_unit_year"]


@pytest.mark.parametrize(
    ("source", "used"),
    [
        ('loaders.frame(page, "support_by_group", unit_id=1)', {"support_by_group"}),  # named by the page
        ("units = filters.own_unit(page)", {"units_in_scope"}),  # through a views function
        (
            "loaders.signals(page, 1, 2)",
            {"pupil_roster", "pupil_absence_by_month", "pupil_grades_by_term"},
        ),  # transitively
        ("sections.data_as_of(page)", {"data_freshness"}),
        ('st.title("school_years")', {"school_years"}),  # a string naming it, anywhere
        ("x = 1", set()),
    ],
)
def test_the_derivation_reads_pages_and_views(tmp_path, source, used):
    (tmp_path / "views").symlink_to(PROJECT_ROOT / "views")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.py").write_text(
        "import streamlit as st\nfrom views import filters, loaders, sections\n" + source + "\n", encoding="utf-8"
    )
    found = {q for q, pages in pages_using(tmp_path, QUERIES).items() if "p" in pages}
    assert found == used
