"""The long-lived heap, frozen once. A full garbage collection walks every object the process holds —
Streamlit, polars, plotly, DuckDB, babel's locale data, the catalogs: ~150 000 objects, 50–90 ms with the
GIL held, so every other session waits too (12–17 % of the server's time in a 20-user sign-in burst, issue 21).

`freeze_once()` runs after the first signed-in page has rendered (every module a page needs is imported
by then): one last full collection, then `gc.freeze()` moves what is left into the permanent generation,
which collections no longer walk. What was alive at that moment stays for the process's life, which it
would have anyway (modules, caches).

Streamlit's own collection after every script run (`runner.postScriptGC`) is switched off in
.streamlit/config.toml: even over the unfrozen rest — every session's state and cached frames — it was 18 %
of the GIL's time under 100 sessions. Python's generational collector, which also skips the frozen heap,
frees a run's cyclic garbage (frames, figures) soon after instead of at once."""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_once() -> bool:
    """Freeze the heap the first time it is called in this process; True when this call froze it."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        _frozen = True
    gc.collect(2)
    gc.freeze()
    return True
