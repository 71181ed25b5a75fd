"""Several app processes behind HAProxy on this machine, sharing one state: what a city runs
(docs/DEPLOYMENT.md), started on loopback for the tests, `make load` and a look by hand.

    with Cluster(data_dir, processes=2, state_url="postgresql://…") as cluster:
        cluster.url          # http://127.0.0.1:<port>, the proxy (deploy/haproxy.cfg)
        cluster.kill(0)      # SIGKILL the first app process; its users go to the other
        cluster.start(0)     # and start it again

Every app process gets the same settings: TILANNEKUVA_DATA_DIR (the warehouse they all serve, read-only),
TILANNEKUVA_STATE_URL (the shared state; empty = SQLite files in <data_dir>/state, which processes on one
machine can share too), TILANNEKUVA_TRUSTED_PROXIES=127.0.0.1 (the proxy's X-Forwarded-For is believed:
throttling counts the real client) and one Streamlit `server.cookieSecret` (Streamlit signs its XSRF
cookie and st.login's cookie with it: a user moved to another process keeps both valid). The proxy's
affinity cookie (`TK_NODE`, value `app1`, `app2`, …) keeps a browser's websocket, downloads and uploads
on the process that holds its session.

By hand (demo data: `make demo` first):

    .venv/bin/python -m deploy.cluster --processes 2 --port 8080 [--state-url postgresql://…] [--postgres]

No pytest in here: the load generator imports it too.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from deploy.servers import free_port, streamlit_command

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = Path(__file__).resolve().parent / "haproxy.cfg"
AFFINITY_COOKIE = "TK_NODE"
MAX_PROCESSES = 8  # deploy/haproxy.cfg names TK_APP1 … TK_APP8
INSTALL_HINT = "apt-get install -y haproxy (.ci/run does)"


class ClusterError(RuntimeError):
    """A process of the cluster did not start (the message ends with its log)."""


def haproxy_bin() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not found:
        raise FileNotFoundError(f"HAProxy is not installed: {INSTALL_HINT}")
    return found


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
            return answer.read() == b"ok"
    except OSError:
        return False


class Cluster:
    """N `streamlit run app.py` processes on free loopback ports and HAProxy in front of them (module
    docstring). `port`: the proxy's port (a free one if None). `env`: more environment for every app
    process (e.g. TILANNEKUVA_* settings); `node_env`: more for process i only (a list, one dict each).
    `mode`: the app's TILANNEKUVA_MODE ("demo" serves the demo accounts under data_dir/demo)."""

    def __init__(
        self,
        data_dir: Path | str,
        processes: int = 2,
        state_url: str = "",
        port: int | None = None,
        env: dict[str, str] | None = None,
        node_env: list[dict[str, str]] | None = None,
        mode: str = "demo",
        log_dir: Path | str | None = None,
        start_timeout: float = 90.0,
    ):
        if not 1 <= processes <= MAX_PROCESSES:
            raise ValueError(f"processes must be 1 … {MAX_PROCESSES} (deploy/haproxy.cfg names that many)")
        self.data_dir = Path(data_dir).resolve()
        self.processes = processes
        self.state_url = state_url
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.node_env = [dict(e) for e in (node_env or [])] + [{}] * processes
        self.mode = mode
        self.start_timeout = start_timeout
        self.cookie_secret = secrets.token_urlsafe(32)  # one for all processes (module docstring)
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="tk-cluster-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.node_ports = [free_port() for _ in range(processes)]
        self.names = [f"app{i + 1}" for i in range(processes)]
        self._procs: list[subprocess.Popen | None] = [None] * processes
        self._logs: list = [None] * processes
        self._proxy: subprocess.Popen | None = None
        self._proxy_log = None

    # ------------------------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """The proxy: what the users reach."""
        return f"http://127.0.0.1:{self.port}"

    def node_url(self, i: int) -> str:
        """App process i directly, past the proxy (health checks, tests)."""
        return f"http://127.0.0.1:{self.node_ports[i]}"

    def affinity(self, i: int) -> dict[str, str]:
        """The proxy's affinity cookie that sends a browser to process i (for Playwright's add_cookies)."""
        return {"name": AFFINITY_COOKIE, "value": self.names[i], "url": self.url}

    @property
    def pids(self) -> list[int | None]:
        """The app processes' ids (None for one that is not running)."""
        return [p.pid if p is not None and p.poll() is None else None for p in self._procs]

    @property
    def proxy_pid(self) -> int | None:
        return self._proxy.pid if self._proxy is not None and self._proxy.poll() is None else None

    def log_path(self, i: int) -> Path:
        return self.log_dir / f"{self.names[i]}.log"

    @property
    def proxy_log_path(self) -> Path:
        return self.log_dir / "haproxy.log"

    @property
    def stats_socket(self) -> Path:
        return self.log_dir / "haproxy.sock"

    # ------------------------------------------------------------------------------------ processes
    def app_env(self, i: int) -> dict[str, str]:
        """The environment of app process i."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TILANNEKUVA_", "STREAMLIT_"))}
        env.update(
            {
                "TILANNEKUVA_MODE": self.mode,
                "TILANNEKUVA_DATA_DIR": str(self.data_dir),
                "TILANNEKUVA_TRUSTED_PROXIES": "127.0.0.1",
                # uvicorn believes X-Forwarded-For from the proxy only (the app checks it again).
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
                "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret,
            }
        )
        if self.state_url:
            env["TILANNEKUVA_STATE_URL"] = self.state_url
        for key in ("TILANNEKUVA_CONFIG",):  # a settings file given to the cluster is every process's
            if key in os.environ and key not in self.extra_env:
                env[key] = os.environ[key]
        return {**env, **self.extra_env, **self.node_env[i]}

    def start(self, i: int) -> None:
        """Start app process i (again) on its port and wait until it answers and the proxy sends to it."""
        if self._procs[i] is not None and self._procs[i].poll() is None:
            return
        if self._logs[i] is not None:
            self._logs[i].close()
        self._logs[i] = open(self.log_path(i), "a")
        self._procs[i] = subprocess.Popen(
            streamlit_command(self.node_ports[i]),
            cwd=PROJECT_ROOT,
            env=self.app_env(i),
            stdout=self._logs[i],
            stderr=subprocess.STDOUT,
        )
        self._wait_node(i)
        if self._proxy is not None:
            self.wait_proxy(i, up=True)

    def _wait_node(self, i: int) -> None:
        deadline = time.time() + self.start_timeout
        proc = self._procs[i]
        while time.time() < deadline and proc.poll() is None:
            if _healthy(self.node_url(i)):
                return
            time.sleep(0.3)
        proc.kill()
        raise ClusterError(f"app process {self.names[i]} did not start:\n{_tail(self.log_path(i))}")

    def kill(self, i: int) -> None:
        """SIGKILL app process i (no goodbye: a crash, an OOM kill) and wait until it is gone."""
        proc = self._procs[i]
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self, i: int) -> None:
        """Stop app process i the polite way (SIGTERM, then SIGKILL after 20 s)."""
        proc = self._procs[i]
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def proxy_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TK_")}
        env |= {"TK_BIND": f"127.0.0.1:{self.port}", "TK_LOG_STDOUT": "1", "TK_STATS_SOCKET": str(self.stats_socket)}
        for i, port in enumerate(self.node_ports):
            env[f"TK_APP{i + 1}"] = f"127.0.0.1:{port}"
        return env

    def start_proxy(self) -> None:
        binary = haproxy_bin()
        env = self.proxy_env()
        check = subprocess.run([binary, "-c", "-q", "-f", str(HAPROXY_CFG)], env=env, capture_output=True, text=True)
        if check.returncode:
            raise ClusterError(f"{HAPROXY_CFG} is refused: {check.stdout}{check.stderr}")
        self._proxy_log = open(self.proxy_log_path, "a")
        self._proxy = subprocess.Popen(
            [binary, "-db", "-f", str(HAPROXY_CFG)],
            env=env,
            stdout=self._proxy_log,
            stderr=subprocess.STDOUT,
        )
        for i, proc in enumerate(self._procs):
            if proc is not None and proc.poll() is None:
                self.wait_proxy(i, up=True)

    def server_states(self) -> dict[str, str]:
        """What the proxy thinks of each app process now: {"app1": "UP", "app2": "DOWN", …} (its stats socket)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "streamlit" and row.get("svname") in self.names:
                states[row["svname"]] = row.get("status", "")
        return states

    def wait_proxy(self, i: int, up: bool = True, timeout: float = 30.0) -> None:
        """Wait until the proxy's health checks see app process i up (or down)."""
        deadline = time.time() + timeout
        state = ""
        while time.time() < deadline:
            if self._proxy is None or self._proxy.poll() is not None:
                raise ClusterError(f"HAProxy is not running:\n{_tail(self.proxy_log_path)}")
            try:
                state = self.server_states().get(self.names[i], "")
            except OSError:
                state = "no stats socket yet"
            if state.startswith("UP") == up:
                return
            time.sleep(0.2)
        raise ClusterError(f"the proxy did not see {self.names[i]} {'up' if up else 'down'} (it says {state!r})")

    # ------------------------------------------------------------------------------------ context manager
    def __enter__(self) -> Cluster:
        try:
            for i in range(self.processes):  # one after another: two cold starts at once on two cores are slow
                self.start(i)
            self.start_proxy()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._proxy is not None and self._proxy.poll() is None:
            self._proxy.terminate()
            try:
                self._proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proxy.kill()
        for i in range(self.processes):
            self.stop(i)
        for handle in [*self._logs, self._proxy_log]:
            if handle is not None:
                handle.close()

    def __exit__(self, *exc) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="app processes (1 … 8; default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--data-dir", default=os.environ.get("TILANNEKUVA_DATA_DIR", str(PROJECT_ROOT / "data")))
    parser.add_argument(
        "--state-url",
        default=os.environ.get("TILANNEKUVA_STATE_URL", ""),
        help="postgresql://… for the shared state (default: SQLite files in <data-dir>/state)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL server for the state (deploy.servers.LocalPostgres)",
    )
    parser.add_argument("--mode", default=os.environ.get("TILANNEKUVA_MODE", "demo"))
    args = parser.parse_args(argv)

    from contextlib import ExitStack

    def _stop(signum, frame):  # systemd, `kill`, a timeout: stop everything as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)

    with ExitStack() as stack:
        state_url = args.state_url
        if args.postgres:
            from deploy.servers import LocalPostgres

            state_url = stack.enter_context(LocalPostgres()).create_database("cluster")
        cluster = stack.enter_context(
            Cluster(args.data_dir, processes=args.processes, state_url=state_url, port=args.port, mode=args.mode)
        )
        print(
            f"Tilannekuva on {cluster.url} ({args.processes} processes: pids {cluster.pids}, "
            f"HAProxy pid {cluster.proxy_pid}; state {state_url or 'SQLite in ' + str(Path(args.data_dir) / 'state')}; "
            f"logs in {cluster.log_dir}). Ctrl-C stops it.",
            flush=True,
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
