"""The boundaries of the code: pages and views never touch DuckDB; the core never imports Streamlit;
every page guards itself with its own id."""

import ast
from pathlib import Path

import pytest

from tilannekuva.settings import PROJECT_ROOT


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


UI_FILES = sorted([*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py"), PROJECT_ROOT / "app.py"])
CORE_FILES = sorted(PROJECT_ROOT.glob("tilannekuva/**/*.py"))


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_ui_never_opens_the_database(path):
    assert not imports(path) & {"duckdb", "sqlite3"}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_never_imports_streamlit(path):
    assert "streamlit" not in imports(path)


@pytest.mark.parametrize("path", sorted(PROJECT_ROOT.glob("pages/*.py")), ids=lambda p: p.name)
def test_every_page_starts_with_its_guard(path):
    """The first statement that does anything is the guard: `page = open_page("<id>")` (or, on a page not
    yet moved, the legacy `session.require_page("<id>")`); only constants (column maps…) may come before."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    first = next(s for s in statements if not (isinstance(s, (ast.Assign, ast.Expr)) and _constant(s.value)))
    assert isinstance(first, ast.Assign)
    call = first.value
    assert isinstance(call, ast.Call) and ast.unparse(call.func) in ("open_page", "session.require_page")
    assert call.args[0].value == path.stem


def _constant(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


CHOICE_WIDGETS = {"selectbox", "multiselect"}


def missing_placeholders(source: str) -> list[str]:
    """Select and multiselect calls without `placeholder=`: Streamlit then shows its own English
    'Choose an option' / 'Choose options' (after clearing a select, or an empty multiselect)."""
    return [
        f"line {node.lineno}: {ast.unparse(node)[:60]}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CHOICE_WIDGETS
        and not any(k.arg == "placeholder" for k in node.keywords)
    ]


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_every_choice_widget_has_a_placeholder_from_the_catalog(path):
    assert missing_placeholders(path.read_text(encoding="utf-8")) == []


def test_the_placeholder_check_catches_a_select_without_one():
    assert missing_placeholders('st.selectbox(t("a.b", lang), options, key="k")')
    assert not missing_placeholders('st.sidebar.selectbox(t("a.b", lang), o, placeholder=t("filter.choose", lang))')
