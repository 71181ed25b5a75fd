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


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_page_header_names_the_pages_that_use_the_query(name):
    pages = {p.stem for p in PROJECT_ROOT.glob("pages/*.py")}
    assert header_pages(name) <= pages, "the header names something that is not a page"
    assert header_pages(name) == USED.get(name, set())


def test_every_query_is_used_by_a_page():
    assert sorted(QUERIES - set(USED)) == []


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
