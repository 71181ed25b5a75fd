"""Every table on a page shows an empty cell as '–', not Streamlit's English 'None'."""

import ast

import pytest

from tilannekuva.settings import PROJECT_ROOT

UI = sorted([*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("views/*.py")])


@pytest.mark.parametrize("path", UI, ids=lambda p: p.name)
def test_every_dataframe_has_a_placeholder_for_empty_cells(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("st.dataframe"):
            placeholder = [k for k in node.keywords if k.arg == "placeholder"]
            assert placeholder and ast.literal_eval(placeholder[0].value) == "–", f"line {node.lineno}"
