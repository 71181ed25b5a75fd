"""Issue 21, sign-in to first chart: the sign-in page has the browser load the chart code (Plotly's 4.7 MB) while
the user types; after signing in it is not loaded again for every page."""

from pathlib import Path

import pytest
import streamlit as st

from tests.helpers import app, login
from views import chrome


def prefetches(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "import(" in h.proto.body]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_sign_in_page_loads_the_chart_code_while_the_user_types(demo_env, lang):
    at = app(lang=lang)
    at.run()
    assert not at.exception, at.exception
    (script,) = prefetches(at)
    code = chrome.chart_code()
    assert code is not None and f'"{code}"' in script  # the file Streamlit's own charts load, by its exact name
    assert (Path(st.__file__).parent / "static" / code).is_file()


def test_a_signed_in_page_does_not_load_it_again(demo_env):
    at = login("johto")
    assert not at.exception, at.exception
    assert prefetches(at) == []


def test_the_sign_in_page_opens_the_warehouse_connection_for_the_landing_page(demo_env):
    """The scope views and the connection are made while the user types, not on the first page after it."""
    from tilannekuva import warehouse

    warehouse.close_all()
    st.cache_resource.clear()
    at = app()
    at.run()
    assert not at.exception, at.exception
    assert warehouse.open_connections() == [warehouse.current_file(demo_env / "warehouse").name]
