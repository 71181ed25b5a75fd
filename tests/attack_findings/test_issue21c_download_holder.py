"""Attack findings on the download holder of 8589d5a (a clicked download referenced by a pseudo-session holder for
download_seconds, then removed by a timer per click), now views/media.py (one sweeper, holds bound to the sign-in).

1. Signing out no longer ends a clicked file's URL. Before 8589d5a the file was referenced by no session, so the
   sign-out's own script runs swept it (the first run marks, the second deletes: the lead's own test saw it
   gone after two runs). Now the holder keeps it for the whole download_seconds whatever happens: signed out,
   three more runs, and /media/<hash>.csv still answers the pupils' watch list to a client with NO cookie.
   On a shared staff-room computer the URL is in the browser's download history for the next person.
   (BRIEF: "Logging out ends the session on every route".)

2. Every click starts its own threading.Timer thread that sleeps download_seconds: one signed-in user clicking
   the same button over the websocket (a backend operation, no script run, nothing throttles it) made the
   server hold 1 964 threads after 1 932 clicks in 30 s (sector_units' Excel, johto, ~64 clicks/s from one
   client); the count is unbounded in the number of clicks, and every click also writes an access-log entry.

3. If that Timer cannot start (RuntimeError: can't start new thread — exactly what (2) leads to), the access-log
   entry has already been written and the holder's reference already added: the click is answered with an error
   (no file handed out, but an export logged), and the reference is never removed: the file stays at /media
   for the life of the process.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import serve
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from stclient import Browser  # noqa: E402

SECONDS = 40  # download_seconds on this server: longer than each test's own steps


@pytest.fixture(scope="module")
def server(demo_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("holder")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    yield from serve(home, {"TILANNEKUVA_DOWNLOAD_SECONDS": str(SECONDS)})


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


async def _teacher_on_watch_list(base: str) -> Browser:
    teacher = Browser(base, timeout=60)
    await teacher.open("/")
    await teacher.sign_in("opettaja", DEMO_PASSWORDS["opettaja"])
    await teacher.open_page(next(p for p in teacher.menu() if p.url_path == "teacher_watch"))
    return teacher


async def _click_then_sign_out(base: str) -> tuple[int, bytes]:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    teacher = await _teacher_on_watch_list(base)
    try:
        url = await teacher.make_file(teacher.downloads()[0])  # the watch list's CSV: pupils' names
        logout = next(b for b in teacher.of_type("button") if b.id.endswith("tk_logout"))
        await teacher.rerun(triggers={logout.id: WidgetState(id=logout.id, trigger_value=True)})
        for _ in range(3):  # the signed-out tab's runs (and more)
            await teacher.rerun()
        assert not teacher.downloads(), "still signed in after the sign-out"
        async with httpx.AsyncClient() as anonymous:  # no cookie at all
            response = await anonymous.get(base + url)
        return response.status_code, response.content
    finally:
        await teacher.close()


def test_sign_out_ends_the_url_of_a_file_clicked_before_it(server):
    status, content = asyncio.run(_click_then_sign_out(server["base"]))
    assert status == 404, (
        f"signed out and 4 script runs later, the clicked watch list still answered {status} to a client with no "
        f"cookie ({len(content)} bytes: {content[:120]!r}); before 8589d5a the sign-out's runs swept it"
    )


async def _clicks(base: str, pid: int, n: int) -> tuple[int, int]:
    teacher = await _teacher_on_watch_list(base)
    try:
        button = teacher.downloads()[0]
        await teacher.make_file(button)
        before = _threads(pid)
        for _ in range(n):
            await teacher.make_file(button)
        return before, _threads(pid)
    finally:
        await teacher.close()


def test_clicks_do_not_each_hold_a_server_thread(server):
    n = 150
    before, after = asyncio.run(_clicks(server["base"], server["pid"], n))
    assert after - before < 20, (
        f"{n} clicks of one button by one user: the server went from {before} to {after} threads "
        f"(a threading.Timer per click, each alive download_seconds={SECONDS} s)"
    )


class _FakeRuntime:
    def __init__(self):
        from streamlit.runtime.media_file_manager import MediaFileManager
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

        self.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/media"))


class _Active:
    """A security store whose sign-ins are all still active."""

    def is_active(self, username, sid):
        return True


@pytest.fixture
def manager(monkeypatch):
    from streamlit import runtime

    from views import media

    fake = _FakeRuntime()
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: fake)
    monkeypatch.setattr(media, "_held", {})
    monkeypatch.setattr(media, "_sweeper", None)
    return fake.media_file_mgr


def test_a_sweeper_that_cannot_start_leaves_no_reference_for_ever(manager, monkeypatch):
    """3. Where a thread cannot start (what (2) led to), the click must fail before anything is held (and so
    before its export is logged: views.tables.downloads holds, then writes the entry)."""
    from views import media

    def cannot_start(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", cannot_start)
    with pytest.raises(RuntimeError):
        media.hold(b"pupil;absences\n", "text/csv", "watch.csv", 1, _Active(), "opettaja", "sid-1")
    held = dict(manager._files_by_session_and_coord.get(media.HOLDER, {}))
    assert not held and not media._held, f"nothing will ever remove these references: {held}"


def test_a_click_as_the_previous_one_expires_keeps_its_reference(manager, monkeypatch):
    """4. The first holder checked a click's expiry under one lock and dropped its reference under another: a
    click of the same bytes in between (a user clicking again as download_seconds end; two tabs) lost its
    reference, so Streamlit swept its file after two runs (404) while its export was logged. Now a sweep and a
    click cannot interleave; here click 1's period is over, click 2 of the same bytes comes before the sweep,
    and the sweep must keep click 2's file."""
    from views import media

    monkeypatch.setattr(media, "_start_sweeper", lambda: None)
    content, mime, name = b"pupil;absences\nA;12\n", "text/csv", "watch.csv"
    fid = media.hold(content, mime, name, 0, _Active(), "opettaja", "sid-1")  # click 1, its period over
    media.hold(content, mime, name, 60, _Active(), "opettaja", "sid-1")  # click 2, same bytes
    media.sweep()
    held = manager._files_by_session_and_coord.get(media.HOLDER, {})
    assert fid in held, "click 2's reference went with click 1's expiry: its file is swept after two runs (404)"
    media.sweep(now=time.monotonic() + 61)
    assert fid not in manager._files_by_session_and_coord.get(media.HOLDER, {}), "kept after click 2's period"


def test_an_ended_sign_in_lets_go_of_its_files_whoever_ended_it(manager, monkeypatch):
    """1 (revocation): a sign-in ended elsewhere (an admin, idle, another process) is found by the sweeper;
    a file also clicked by a sign-in still active stays for that one."""
    from views import media

    monkeypatch.setattr(media, "_start_sweeper", lambda: None)

    class Store:
        active = {("opettaja", "sid-1"), ("opettaja", "sid-2")}

        def is_active(self, username, sid):
            return (username, sid) in self.active

    store = Store()
    only_mine = media.hold(b"a", "text/csv", "a.csv", 60, store, "opettaja", "sid-1")
    shared = media.hold(b"b", "text/csv", "b.csv", 60, store, "opettaja", "sid-1")
    media.hold(b"b", "text/csv", "b.csv", 60, store, "opettaja", "sid-2")
    store.active.discard(("opettaja", "sid-1"))  # revoked
    media.sweep()
    held = manager._files_by_session_and_coord.get(media.HOLDER, {})
    assert only_mine not in held and shared in held
    assert media.end_sign_in("sid-2") == 1
    assert not manager._files_by_session_and_coord.get(media.HOLDER, {})
