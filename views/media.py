"""Clicked downloads at Streamlit's /media: kept exactly as long as they may be fetched, then removed.

A download button's file is made on the click (views.tables.downloads: a producer Streamlit runs in a worker);
Streamlit stores the bytes at /media/<content hash> — no cookie needed to fetch them — referenced by no
session, and every script run of ANY session ends by sweeping unreferenced files (the first sweep marks, the
second deletes). On a busy server two runs ended before the browser's GET arrived: `make load` had 12–14 of
~30 downloads answer 404 at 100 sessions. Idle, the opposite: no runs, no sweeps, the file stayed for ever.

So `hold()` references a clicked file under a holder no script run clears, bound to the sign-in that clicked
it, and lets go of it — reference, bytes and metadata — at the first of:
  * `download_seconds` after the last click of the same bytes;
  * `end_sign_in()`: that sign-in signs out in this process (views.signin.logout);
  * the sign-in is no longer active (revoked by an admin, idle, signed out in another process): one sweeper
    thread checks the security store every SWEEP_SECONDS.
One thread for the process, never one per click (a user clicking one button 1 932 times in 30 s made 1 964
timer threads: attack on issue 21). Every change to the holder happens under one lock, taken before the media
manager's own, so a click can never fall between an expiry check and a removal.

The file id is Streamlit's content hash (streamlit 1.67's MemoryMediaFileStorage, `_calculate_file_id`; the
holder is its `_files_by_session_and_coord`): tests/security/test_hostile_data.py and
tests/attack_findings/test_issue21_download_gone_when_busy.py fail if an upgrade changes either.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

log = logging.getLogger("tilannekuva.app")

HOLDER = "tilannekuva:clicked-downloads"  # the pseudo-session whose references keep clicked files
SWEEP_SECONDS = 1.0


@dataclasses.dataclass
class _Held:
    expires: float
    manager: object  # Streamlit's MediaFileManager
    sign_ins: dict[tuple[str, str], object]  # (username, session id) -> its SecurityStore


_held: dict[str, _Held] = {}  # /media file id -> who clicked it and until when
_lock = threading.Lock()
_sweeper: threading.Thread | None = None


def file_id(content: bytes, mime: str, file_name: str) -> str:
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    return _calculate_file_id(content, mime, file_name)


def hold(content: bytes, mime: str, file_name: str, seconds: float, store, username: str, session_id: str) -> str:
    """Keep the file Streamlit is about to store for these bytes for `seconds` (a later click of the same bytes
    extends it), for the sign-in (`username`, `session_id`) of `store`. Returns its id. Raises — before anything
    is held — when the sweeper cannot run, so the caller hands out no file and logs no export."""
    from streamlit import runtime

    if not runtime.exists():
        return file_id(content, mime, file_name)
    manager = runtime.get_instance().media_file_mgr
    fid = file_id(content, mime, file_name)
    with _lock:
        _start_sweeper()
        held = _held.setdefault(fid, _Held(0.0, manager, {}))
        held.expires = max(held.expires, time.monotonic() + seconds)
        held.sign_ins[(username, session_id)] = store
        with manager._lock:  # referenced before Streamlit stores it: no run's sweep can take it
            manager._files_by_session_and_coord[HOLDER][fid] = fid
    return fid


def release(fid: str) -> None:
    """Let go of one file now (an export whose log entry failed is not handed out)."""
    with _lock:
        _drop(fid)


def end_sign_in(session_id: str | None) -> int:
    """A sign-in ended here: the files only it held go at once. Returns how many."""
    if not session_id:
        return 0
    with _lock:
        gone = []
        for fid, held in _held.items():
            for key in [k for k in held.sign_ins if k[1] == session_id]:
                del held.sign_ins[key]
            if not held.sign_ins:
                gone.append(fid)
        for fid in gone:
            _drop(fid)
    return len(gone)


def sweep(now: float | None = None) -> None:
    """One pass of the sweeper: expired files, and files whose every sign-in has ended, go."""
    now = time.monotonic() if now is None else now
    with _lock:
        for fid in [f for f, held in _held.items() if held.expires <= now]:
            _drop(fid)
        checks = [(fid, key, store) for fid, held in _held.items() for key, store in held.sign_ins.items()]
    ended = set()
    for fid, (username, sid), store in checks:  # database reads outside the lock
        try:
            if not store.is_active(username, sid):
                ended.add((fid, (username, sid)))
        except Exception as exc:  # noqa: BLE001 - the state unreachable: the period still ends them
            log.warning("could not check the sign-in behind a download: %s", exc)
    if not ended:
        return
    with _lock:
        for fid, key in ended:
            held = _held.get(fid)
            if held is not None:
                held.sign_ins.pop(key, None)
                if not held.sign_ins:
                    _drop(fid)


def _drop(fid: str) -> None:
    """Caller holds _lock."""
    held = _held.pop(fid, None)
    if held is None:
        return
    manager = held.manager
    with manager._lock:
        manager._files_by_session_and_coord.get(HOLDER, {}).pop(fid, None)
        if not any(fid in refs.values() for refs in manager._files_by_session_and_coord.values()):
            manager._storage.delete_file(fid)
            manager._file_metadata.pop(fid, None)


def _start_sweeper() -> None:
    """Caller holds _lock."""
    global _sweeper
    if _sweeper is not None and _sweeper.is_alive():
        return
    thread = threading.Thread(target=_sweep_forever, name="tilannekuva-downloads", daemon=True)
    thread.start()  # raises RuntimeError when no thread can start: nothing is held yet
    _sweeper = thread


def _sweep_forever() -> None:
    while True:
        time.sleep(SWEEP_SECONDS)
        try:
            sweep()
        except Exception:  # noqa: BLE001 - the sweeper must outlive one bad pass
            log.exception("download sweeper")
