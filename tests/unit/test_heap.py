"""views.heap: the long-lived heap is frozen once per process, so a garbage collection no longer walks every
module's objects with the GIL held (issue 21); Streamlit's own collection after every run is off.
Each case runs in a child process: freezing is for the life of a process, not for pytest's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "frozen once, then never again": """
        import gc
        from views import heap
        assert gc.get_freeze_count() == 0
        assert heap.freeze_once() is True
        frozen = gc.get_freeze_count()
        assert frozen > 1000, frozen
        later = [[i] for i in range(5000)]          # made after: collections still walk these
        assert heap.freeze_once() is False
        assert gc.get_freeze_count() == frozen
    """,
    "garbage before the freeze is collected, not frozen": """
        import gc, weakref
        from views import heap
        class Node: pass
        a, b = Node(), Node()
        a.other, b.other = b, a                     # a cycle only a collection frees
        gone = weakref.ref(a)
        del a, b
        heap.freeze_once()
        assert gone() is None
    """,
    "a full collection after it walks only what is new": """
        import gc, time
        import polars, plotly.graph_objects, streamlit  # the heap a server holds
        from views import heap
        start = time.perf_counter(); gc.collect(2); before = time.perf_counter() - start
        heap.freeze_once()
        start = time.perf_counter(); gc.collect(2); after = time.perf_counter() - start
        assert after < before / 5, (before, after)
    """,
}


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_heap(code):
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]


def test_streamlit_does_not_collect_after_every_run():
    """18 % of the GIL's time under 100 sessions (views/heap.py): the app's config keeps it off."""
    import tomllib

    from tilannekuva.settings import PROJECT_ROOT

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
