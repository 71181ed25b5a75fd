"""After the first signed-in page has rendered, the app process's long-lived heap is frozen (views/heap.py):
Streamlit's gc.collect(2) after every run no longer walks ~150 000 module objects with the GIL held."""

from __future__ import annotations

import gc

from tests.helpers import open_as


def test_the_first_signed_in_page_freezes_the_heap(demo_env):
    at = open_as("opettaja")
    assert not at.exception
    assert gc.get_freeze_count() > 10_000
