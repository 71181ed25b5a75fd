"""Attack (issue 21, item 4): PostgreSQL that stops answering (a hung server, a network partition, a failover
that leaves the old address silent) hangs every page run — no timeout, no message.

tilannekuva.statedb's pool sets `connect_timeout=10` for new connections and waits 30 s for a free one, but a
query on a pooled connection that is already open has no bound at all (no statement_timeout, no TCP keepalive
or tcp_user_timeout in the connection options). Live: two app processes on one PostgreSQL, rehtori on
principal_support, the PostgreSQL processes paused (SIGSTOP): the next script run gave no answer in 80 s — no
"Palvelu ei juuri nyt saa yhteyttä tietokantaansa" (what a stopped server gets at once), a spinner, and one
script thread per waiting user held in every process.

Here: a throwaway PostgreSQL, a session opened, the server paused; `is_active` (every run of every signed-in page
calls it) must end — StateUnavailable — within 60 s. Observed: still waiting after 60 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

from deploy.servers import LocalPostgres
from tilannekuva.security import SecurityStore, session_id
from tilannekuva.statedb import StateUnavailable, close_pools

BOUND = 60


def _pids(server: LocalPostgres) -> list[int]:
    master = int((server.data / "postmaster.pid").read_text().splitlines()[0])
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master, *map(int, kids)]


def test_a_hung_state_database_is_said_within_a_minute_not_waited_for_forever():
    with LocalPostgres() as server:
        url = server.create_database()
        store = SecurityStore(url)
        secret = store.open_session("rehtori", time.time() + 3600)
        assert store.is_active("rehtori", session_id(secret))
        outcome: list[object] = []

        def page_run() -> None:
            try:
                outcome.append(store.is_active("rehtori", session_id(secret)))
            except StateUnavailable as exc:
                outcome.append(exc)

        pids = _pids(server)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            started = time.time()
            worker = threading.Thread(target=page_run, daemon=True)
            worker.start()
            worker.join(BOUND)
            waited = time.time() - started
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        worker.join(30)
        close_pools()
        assert outcome and isinstance(outcome[0], StateUnavailable), (
            f"a page run's session check on a hung state database: no answer after {waited:.0f} s ({outcome})"
        )
