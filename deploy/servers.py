"""Real servers on loopback, started in a temporary directory and stopped again: PostgreSQL (Debian's
`postgresql` package) for the shared state. Used by the tests and by `make load`; a deployment runs its own
(docs/DEPLOYMENT.md).

PostgreSQL refuses to run as root. Run as root (CI, containers), the server runs as the `postgres` account
that Debian's package creates, in a directory only it and root can enter.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "apt-get install -y postgresql (.ci/run does)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, *args: str) -> list[str]:
    """The command line of one app process on 127.0.0.1:`port` (run it in the project root), headless, no
    file watcher, no usage statistics; `args`: more server options."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        *args,
    ]


def postgres_bin(name: str) -> str:
    """Path of a PostgreSQL server program (initdb, pg_ctl, postgres): PATH, then Debian's versioned dirs."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise FileNotFoundError(f"PostgreSQL's {name} is not installed: {INSTALL_HINT}")


class LocalPostgres:
    """A throwaway PostgreSQL server on 127.0.0.1:<free port> (trust auth on loopback only, no fsync: tests).

    `url(dbname)` is a connection URL; `create_database()` makes a fresh empty database and returns its URL.
    """

    def __init__(self, user: str = "tilannekuva"):
        self.user = user
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tk-pg-"))
        self.data = self.dir / "data"
        self._as: list[str] = []
        self._count = 0
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError(f"running as root needs the postgres account: {INSTALL_HINT}") from exc
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")

    def start(self) -> LocalPostgres:
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c shared_buffers=64MB"
        )
        self._run(
            postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        from tilannekuva.statedb import close_pools

        close_pools(url)
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [*self._as, postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
