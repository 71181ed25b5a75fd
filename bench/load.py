"""`make load`: many signed-in users at once, without a browser — Streamlit's own websocket protocol
(bench/stclient.py), one asyncio process, so the load generator does not starve the server it measures.

Each session is one user's browser tab: it loads the page, signs in through the real sign-in form as a
different user (the demo director, principals and teacher, and principals and teachers of other units
added to the bench's own user files: bench/browser.py `bench_users`), then until the time is up
thinks 5–15 s (random, seeded) and does one thing: changes a filter, opens another page of its menu,
downloads a table (the deferred file, then HTTP GET /media/…) or reloads the tab (a new websocket that
the session cookie signs in again). Sessions arrive spread over a ramp; everyone stops at the end.

Measured: sessions, sign-ins ok/failed, script runs and runs/s, downloads, errors by kind (an exception
element on the screen, the sign-in form still there or back, a timeout, a disconnect, a failed download),
p50/p95/p99 from the BackMsg to the run's script_finished (all runs; sign-in separately), and from
/proc: the server's CPU (utime+stime over the run, in % of one core) and memory (RSS before the load,
peak VmHWM after it, and (peak − idle) / sessions), and the load generator's own CPU.

    .venv/bin/python bench/load.py                      # starts one app process on data/bench/s1
    .venv/bin/python bench/load.py --sessions 50 --seconds 60
    .venv/bin/python bench/load.py --find-limit         # 10, 25, 50, 100, 150, … until p95 > 1.5 s or errors
    .venv/bin/python bench/load.py --processes 2          # two app processes behind HAProxy, state in PostgreSQL
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 --server-pid 123 --server-pid 124

A server that no longer answers /_stcore/health after the run is an error of its own (server_unresponsive).
`--url` is loopback only (a load test never goes to somebody's real server) and `--server-pid` names the
processes to measure (the app processes behind a proxy). `measure(base, users, pids, …)` is the seam a
cluster harness calls. Results: bench-results/load-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import ipaddress
import json
import os
import random
import resource
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stclient import Browser, ProtocolError  # noqa: E402

MAX_SESSIONS = 1000
MAX_SECONDS = 1800
TARGET_P95_MS = 1500
LIMIT_STEPS = (10, 25, 50, 100, 150, 200, 300, 400, 600, 800, 1000)
# What a user does after the landing page, and how often (a filter change is the commonest thing).
ACTIONS = (("filter", 4), ("page", 4), ("download", 2), ("reload", 1))
NOT_FILTERS = ("tk_lang_picker", "tk_view_as")  # a language or view-as switch is no filter change
TICKS = os.sysconf("SC_CLK_TCK")
DATA_DIR = ROOT / "data" / "bench" / "s1"


@dataclass
class Tally:
    """What the sessions of one run did, as they happened."""

    runs: list[tuple[str, float]] = field(default_factory=list)  # (action, seconds) per script run
    downloads: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes)
    errors: collections.Counter = field(default_factory=collections.Counter)
    examples: list[str] = field(default_factory=list)
    signed_in: int = 0
    sign_in_failed: int = 0
    active: int = 0
    peak_active: int = 0
    bytes_received: int = 0

    def error(self, kind: str, who: str, detail: str = "") -> None:
        self.errors[kind] += 1
        if len(self.examples) < 20:
            self.examples.append(f"{who}: {kind} {detail}".strip()[:300])


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(browser: Browser, tally: Tally, who: str, action: str) -> bool:
    """After a run: an exception element or the sign-in form on the screen of a signed-in user is an error."""
    problems = browser.exceptions()
    if problems:
        tally.error("exception", who, f"{action}: {problems[0]}")
        return False
    if browser.login_form() is not None:
        tally.error("signed_out", who, f"{action}: the sign-in form is back")
        return False
    return True


async def session(
    base: str,
    user: tuple[str, str],
    start_at: float,
    end_at: float,
    think: tuple[float, float],
    rng: random.Random,
    tally: Tally,
    timeout: float,
    plan: tuple[str, ...] | None = None,
) -> None:
    """One user's tab. Without a `plan` the user does random things (ACTIONS) until `end_at`; with one, exactly
    those actions in that order (a test's script: a missing filter or download is then an error, `no_target`)."""
    username, password = user
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    browser = Browser(base, timeout=timeout)
    counted = False
    try:
        run = await browser.open("/")
        tally.runs.append(("open", run.seconds))
        if browser.login_form() is None:
            tally.sign_in_failed += 1
            tally.error("no_login_form", username, str(browser.exceptions()[:1]))
            return
        run = await browser.sign_in(username, password)
        tally.runs.append(("sign_in", run.seconds))
        if browser.login_form() is not None or browser.exceptions():
            tally.sign_in_failed += 1
            shown = (browser.exceptions() or browser.alerts() or ["the form is still there"])[0]
            tally.error("sign_in_failed", username, shown[:120])
            return
        tally.signed_in += 1
        tally.active += 1
        counted = True
        tally.peak_active = max(tally.peak_active, tally.active)
        weights = [w for _, w in ACTIONS]
        steps = iter(plan) if plan is not None else None
        while True:
            pause = rng.uniform(*think)
            if time.monotonic() + pause >= end_at:
                break
            await asyncio.sleep(pause)
            action = rng.choices([a for a, _ in ACTIONS], weights)[0] if steps is None else next(steps, None)
            if action is None:
                break
            filters = browser.filters(lambda wid: not any(wid.endswith(k) for k in NOT_FILTERS))
            downloads = browser.downloads()
            if action == "filter" and not filters or action == "download" and not downloads:
                if steps is not None:
                    tally.error("no_target", username, f"{action}: none on the screen")
                    continue
                action = "page"  # nothing to change or download here: the user goes elsewhere
            if action == "filter":
                widget = rng.choice(filters)
                current = browser.widgets.get(widget.id)
                options = [o for o in widget.options if current is None or o != current.string_value]
                if widget.DESCRIPTOR.name == "MultiSelect":
                    run = await browser.choose(widget, rng.sample(list(widget.options), k=1))
                else:
                    run = await browser.choose(widget, rng.choice(options))
            elif action == "page":
                others = [p for p in browser.menu() if p.script_hash != browser.page_hash]
                run = await browser.open_page(rng.choice(others))
            elif action == "reload":
                run = await browser.reload()
            else:
                seconds, size = await browser.download(rng.choice(downloads))
                tally.downloads.append((seconds, size))
                continue
            tally.runs.append((action, run.seconds))
            check(browser, tally, username, action)
    except ProtocolError as exc:
        if not counted:
            tally.sign_in_failed += 1
        tally.error(exc.kind, username, exc.detail[:200])
    finally:
        if counted:
            tally.active -= 1
        tally.bytes_received += browser.bytes_received
        await browser.close()


def healthy(base: str, seconds: float = 10) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base.rstrip('/')}/_stcore/health", timeout=seconds) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)


def proc_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))])


async def drive(
    base: str,
    users: list[tuple[str, str]],
    seconds: float,
    ramp: float,
    think: tuple[float, float],
    seed: int,
    timeout: float,
    plan: tuple[str, ...] | None = None,
) -> Tally:
    tally = Tally()
    start = time.monotonic()
    end_at = start + seconds
    tasks = [
        session(
            base,
            user,
            start + i * ramp / len(users),
            end_at,
            think,
            random.Random(seed * 100_003 + i),
            tally,
            timeout,
            plan,
        )
        for i, user in enumerate(users)
    ]
    # Everyone stops at end_at; a run still going then has `timeout` to finish, never longer.
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + timeout + 30)
    return tally


def measure(
    base: str,
    users: list[tuple[str, str]],
    pids: list[int],
    *,
    seconds: float = 120,
    ramp: float | None = None,
    think: tuple[float, float] = (5, 15),
    seed: int = 1,
    timeout: float = 60,
    plan: tuple[str, ...] | None = None,
) -> dict:
    """Run len(users) sessions against `base` (loopback) for `seconds` and measure the server processes `pids`
    (a cluster harness passes its proxy's address and its app processes). `plan`: see `session`."""
    if not is_loopback(base):
        raise SystemExit(f"refused: {base} is not a loopback address (a load test only goes to this machine)")
    if not 0 < len(users) <= MAX_SESSIONS or not 0 < seconds <= MAX_SECONDS:
        raise SystemExit(f"bounded: 1–{MAX_SESSIONS} sessions, at most {MAX_SECONDS} s")
    ramp = min(60.0, seconds / 2) if ramp is None else min(ramp, seconds)
    idle_kib = {pid: proc_kib(pid, "VmRSS") for pid in pids}
    load_before = os.getloadavg()[0]
    cpu_before = {pid: proc_cpu_seconds(pid) for pid in pids}
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    tally = asyncio.run(drive(base, users, seconds, ramp, think, seed, timeout, plan))
    wall = time.monotonic() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    if not healthy(base):  # a server that stopped answering is the run's worst error, whatever the runs said
        tally.error("server_unresponsive", "server", f"{base}/_stcore/health did not answer in 10 s after the run")
    servers = []
    for pid in pids:
        cpu = proc_cpu_seconds(pid) - cpu_before[pid]
        peak = proc_kib(pid, "VmHWM")
        servers.append(
            {
                "pid": pid,
                "cpu_percent": round(100 * cpu / wall, 1),
                "idle_rss_mb": round(idle_kib[pid] / 1024),
                "peak_rss_mb": round(peak / 1024),
            }
        )
    all_runs = [s for _, s in tally.runs]
    sign_ins = [s for kind, s in tally.runs if kind == "sign_in"]
    by_action = collections.defaultdict(list)
    for kind, s in tally.runs:
        by_action[kind].append(s)
    growth_mb = sum(s["peak_rss_mb"] - s["idle_rss_mb"] for s in servers)
    return {
        "base": base,
        "sessions": len(users),
        "seconds": round(wall, 1),
        "ramp_seconds": ramp,
        "think_seconds": list(think),
        "seed": seed,
        "signed_in": tally.signed_in,
        "sign_in_failed": tally.sign_in_failed,
        "peak_concurrent": tally.peak_active,
        "script_runs": len(all_runs),
        "runs_per_s": round(len(all_runs) / wall, 2),
        "runs_by_action": {k: len(v) for k, v in sorted(by_action.items())},
        "downloads": len(tally.downloads),
        "download_p95_ms": percentile([s for s, _ in tally.downloads], 0.95),
        "errors": dict(tally.errors),
        "error_examples": tally.examples,
        "p50_ms": percentile(all_runs, 0.50),
        "p95_ms": percentile(all_runs, 0.95),
        "p99_ms": percentile(all_runs, 0.99),
        "sign_in_p50_ms": percentile(sign_ins, 0.50),
        "sign_in_p95_ms": percentile(sign_ins, 0.95),
        "sign_in_p99_ms": percentile(sign_ins, 0.99),
        "p95_by_action_ms": {k: percentile(v, 0.95) for k, v in sorted(by_action.items())},
        "received_mb": round(tally.bytes_received / 2**20, 1),
        "servers": servers,
        "server_cpu_percent": round(sum(s["cpu_percent"] for s in servers), 1),
        "server_mb_per_session": round(growth_mb / max(1, tally.signed_in), 2),
        # Other work on the machine competes with the server: the 1-minute load average before and after the run.
        "machine_load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "generator_cpu_percent": round(
            100 * ((own.ru_utime + own.ru_stime) - (own_before.ru_utime + own_before.ru_stime)) / wall, 1
        ),
    }


def passed(result: dict, target_p95_ms: int = TARGET_P95_MS) -> bool:
    """The load target: every session signed in, no errors, p95 within the target."""
    return (
        not result["errors"]
        and not result["sign_in_failed"]
        and result["p95_ms"] is not None
        and result["p95_ms"] <= target_p95_ms
    )


def report(results: list[dict], cpus: int | None = None) -> str:
    """The results as a Markdown table (one row per run: a --find-limit run has one per step)."""
    lines = [
        f"Machine: {cpus or os.cpu_count()} cores. Target: every session signed in, 0 errors, "
        f"p95 ≤ {TARGET_P95_MS} ms.",
        "",
        "| sessions | signed in / failed | runs | runs/s | downloads | errors | p50 ms | p95 ms | p99 ms "
        "| sign-in p50 / p95 ms | server CPU % | server MB idle → peak (per session) | generator CPU % | verdict |",
        "|---:|---|---:|---:|---:|---|---:|---:|---:|---|---:|---|---:|---|",
    ]
    for r in results:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items())) or "0"
        idle = sum(s["idle_rss_mb"] for s in r["servers"])
        peak = sum(s["peak_rss_mb"] for s in r["servers"])
        lines.append(
            f"| {r['sessions']} | {r['signed_in']} / {r['sign_in_failed']} | {r['script_runs']} | {r['runs_per_s']} "
            f"| {r['downloads']} | {errors} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
            f"| {r['sign_in_p50_ms']} / {r['sign_in_p95_ms']} | {r['server_cpu_percent']} "
            f"| {idle} → {peak} ({r['server_mb_per_session']}) | {r['generator_cpu_percent']} "
            f"| {'PASS' if passed(r) else 'FAIL'} |"
        )
    for r in results:
        by_action = ", ".join(f"{k} {r['runs_by_action'][k]} runs p95 {v} ms" for k, v in r["p95_by_action_ms"].items())
        lines.append(
            f"  {r['sessions']} sessions: {by_action}; downloads p95 {r['download_p95_ms']} ms; machine load average "
            f"{' → '.join(map(str, r.get('machine_load', [])))} (other processes compete with the server above 1)"
        )
        lines += [f"  {r['sessions']} sessions, error: {e}" for e in r["error_examples"][:5]]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def servers(data_dir: Path, processes: int):
    """The app to measure, started here: yields (base URL, [(pid, URL of each app process)]). One process
    serves on its own port; several run behind HAProxy (deploy/cluster.Cluster) with their state in a throwaway
    PostgreSQL server (deploy/servers.LocalPostgres), as docs/DEPLOYMENT.md describes."""
    import browser

    if processes == 1:
        proc, base = browser.start_server(data_dir)
        try:
            yield base, [(proc.pid, base)]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001 - still closing websockets: not a result
                proc.kill()
                proc.wait()
        return
    from deploy.cluster import Cluster
    from deploy.servers import LocalPostgres

    with LocalPostgres() as postgres:
        state_url = postgres.create_database("load")
        with Cluster(data_dir, processes=processes, state_url=state_url) as cluster:
            yield cluster.url, [(pid, cluster.node_url(i)) for i, pid in enumerate(cluster.pids)]


def users_for(data_dir: Path, count: int) -> list[tuple[str, str]]:
    import browser

    return browser.bench_users(data_dir, count)[:count]


def run_once(args, count: int) -> dict:
    users = users_for(args.data_dir, count)
    if args.url:
        return measure(
            args.url,
            users,
            args.server_pid,
            seconds=args.seconds,
            ramp=args.ramp,
            think=(args.think_min, args.think_max),
            seed=args.seed,
            timeout=args.timeout,
        )
    with servers(args.data_dir, args.processes) as (base, nodes):
        # One sign-in per app process before the clock: the first runs compile the pages and open the
        # warehouse, which is no user's cost; the idle memory is read after it.
        for _, node in nodes:
            asyncio.run(_warm(Browser(node), users[0]))
        return measure(
            base,
            users,
            [pid for pid, _ in nodes],
            seconds=args.seconds,
            ramp=args.ramp,
            think=(args.think_min, args.think_max),
            seed=args.seed,
            timeout=args.timeout,
        )


async def _warm(browser: Browser, user: tuple[str, str]) -> None:
    try:
        await browser.open("/")
        await browser.sign_in(*user)
    finally:
        await browser.close()


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="arrivals spread over this many seconds (default: half the run, at most 60 s)",
    )
    parser.add_argument("--think-min", type=float, default=5)
    parser.add_argument("--think-max", type=float, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60, help="seconds one run may take before it is an error")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="the bench data directory (built by make bench; its demo users get the bench users)",
    )
    parser.add_argument("--url", help="an already running server or proxy (loopback only)")
    parser.add_argument(
        "--server-pid",
        type=int,
        action="append",
        default=[],
        help="with --url: a process to measure (repeat for each app process)",
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument(
        "--find-limit",
        action="store_true",
        help="step the sessions up "
        f"({', '.join(map(str, LIMIT_STEPS[:5]))}, …) until p95 > {TARGET_P95_MS} ms or errors",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    if args.url and not is_loopback(args.url):
        parser.error(f"--url {args.url}: loopback only (127.0.0.1, ::1, localhost)")
    if not 0 < args.sessions <= MAX_SESSIONS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"bounded: --sessions 1–{MAX_SESSIONS}, --seconds at most {MAX_SECONDS}")
    if not args.url and not (args.data_dir / "warehouse" / "CURRENT").exists():
        if args.data_dir.resolve() != DATA_DIR:
            parser.error(f"--data-dir {args.data_dir}: no published warehouse there")
        from run import ensure_warehouse

        ensure_warehouse(1)  # data/bench/s1, as make bench builds it
    results = []
    steps = [n for n in LIMIT_STEPS if n <= MAX_SESSIONS] if args.find_limit else [args.sessions]
    for count in steps:
        print(
            f"{count} sessions for {args.seconds:g} s against "
            f"{args.url or f'{args.processes} app process(es) on {args.data_dir}'}",
            flush=True,
        )
        result = run_once(args, count)
        results.append(result)
        print(report([result]).splitlines()[-1] if not result["error_examples"] else report([result]), flush=True)
        if args.find_limit and not passed(result):
            break
    if args.find_limit:
        good = [r["sessions"] for r in results if passed(r)]
        last = results[-1]["sessions"]
        broke = f"breaks at {last}" if not passed(results[-1]) else f"held every step up to {last}"
        print(f"holds {max(good)} sessions; {broke}" if good else f"no step held the target; {broke}")
    args.out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (args.out / f"load-{stamp}.json").write_text(json.dumps({"results": results}, indent=1))
    (args.out / f"load-{stamp}.md").write_text(report(results))
    print(report(results))
    print(f"written: {args.out}/load-{stamp}.json, .md")
    return results


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    main()
