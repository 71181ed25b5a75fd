"""Issue 21 (attack finding 2): personal data is drawn only after its view is in the access log. If the write
fails (the state database away: StateUnavailable), the page stops before the table, the chart or the download
is there — a table drawn first and logged after was on the screen with no entry.

Checked in the code: in every function of pages/, views/ and app.py (and each module's own statements) that
writes a view (`log_view`), no table, data frame or download is drawn before the first such write."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tilannekuva.settings import PROJECT_ROOT

UI_FILES = sorted([*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py"), PROJECT_ROOT / "app.py"])
LOGS = {"log_view"}
# (object, attribute) of the calls that put rows on the screen or into a file.
DRAWS = {
    ("tables", "show"),
    ("tables", "downloads"),
    ("st", "dataframe"),
    ("st", "table"),
    ("st", "data_editor"),
    ("st", "download_button"),
}


def _calls(scope: ast.AST) -> list[ast.Call]:
    """The calls of one scope in source order, not those of functions defined inside it."""
    found, todo = [], list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def _name(call: ast.Call) -> tuple[str, str] | str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        owner = call.func.value
        return (owner.id if isinstance(owner, ast.Name) else "", call.func.attr)
    return None


def shown_before_logged(source: str) -> list[str]:
    """'scope:line' of every draw that comes before the first `log_view` of its scope."""
    tree = ast.parse(source)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    found = []
    for scope in scopes:
        calls = _calls(scope)
        names = [_name(c) for c in calls]
        logged = [
            c.lineno for c, n in zip(calls, names, strict=True) if n in LOGS or (isinstance(n, tuple) and n[1] in LOGS)
        ]
        if not logged:
            continue
        label = getattr(scope, "name", "<module>")
        found += [
            f"{label}:{c.lineno}" for c, n in zip(calls, names, strict=True) if n in DRAWS and c.lineno < logged[0]
        ]
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_a_view_is_logged_before_its_rows_are_drawn(path: Path):
    assert shown_before_logged(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (  # the staff list before issue 21: drawn, then logged
            "def staff_list(page, table):\n    tables.show(table)\n    log_view(page, 't', table.height)\n",
            ["staff_list:2"],
        ),
        (
            "def pupils(page, frame):\n    st.dataframe(frame)\n    access_log.log_view(page, 't', 1)\n"
            "    tables.downloads(page, frame)\n",
            ["pupils:2"],
        ),
        ("shown = load()\nst.download_button('x', shown)\nlog_view(page, 't', 1)\n", ["<module>:2"]),
        ("def ok(page, table):\n    log_view(page, 't', 1)\n    tables.show(table)\n", []),
        (  # a table drawn in another function, and one in a scope that logs nothing
            "def a(page, t):\n    def inner():\n        tables.show(t)\n    log_view(page, 't', 1)\n"
            "def b(t):\n    tables.show(t)\n",
            [],
        ),
    ],
)
def test_the_check_finds_a_table_drawn_before_its_view_is_logged(source, found):
    assert shown_before_logged(source) == found
