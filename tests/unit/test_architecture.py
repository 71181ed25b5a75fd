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
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # module constants (COLUMNS = {...}: literals, no call) may come before the guard; nothing else
    statements = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom, ast.Expr))
                  and not (isinstance(s, ast.Assign) and all(isinstance(x, ast.Name) and x.id.isupper() for x in s.targets)
                           and not any(isinstance(n, ast.Call) for n in ast.walk(s.value)))]
    first = statements[0]
    assert isinstance(first, ast.Assign)
    call = first.value
    assert isinstance(call, ast.Call) and ast.unparse(call.func) in ("open_page", "session.require_page")
    assert call.args[0].value == path.stem
