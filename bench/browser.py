"""Browser-side measures on a real server: sign-in to first chart painted, and 30 sessions at once.

* login_to_chart: Chromium fills the login form; the clock runs from the submit click until the first
  plotly chart of the landing page has painted (its SVG is in the DOM and visible).
* load: N browser sessions (one Chromium, N contexts), each signed in as a different user, keep
  opening the pages of their menu until `seconds` have passed (they arrive spread over the first
  half, at most 60 s: 30 page loads of Streamlit's bundle in one millisecond timed out the first try); page time = menu click until the script is done
  and the main area shows no spinner. Errors = page errors, Streamlit exceptions, failed sign-ins.
  The server's peak memory is read from /proc (VmHWM).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("TILANNEKUVA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(data_dir.resolve())}
    proc = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def peak_rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


async def _sign_in(page, base: str, username: str, password: str) -> None:
    await page.goto(base, wait_until="domcontentloaded", timeout=120_000)
    await page.wait_for_selector(DONE, timeout=60_000)
    await page.get_by_label("Käyttäjätunnus", exact=True).fill(username)
    await page.get_by_label("Salasana", exact=True).fill(password)
    await page.get_by_role("button", name="Kirjaudu").click()
    try:
        await page.get_by_label("Käyttäjätunnus", exact=True).wait_for(state="detached", timeout=60_000)
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError
        refused = await page.locator('[data-testid="stAlert"]').count()
        raise RuntimeError(f"sign-in of {username} {'refused' if refused else 'did not complete'}") from exc


async def login_to_chart(base: str, username: str, password: str, runs: int = 5) -> list[float]:
    from playwright.async_api import async_playwright

    times = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(runs):
            context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="fi-FI")
            page = await context.new_page()
            await page.goto(base)
            await page.wait_for_selector(DONE, timeout=60_000)
            await page.get_by_label("Käyttäjätunnus", exact=True).fill(username)
            await page.get_by_label("Salasana", exact=True).fill(password)
            started = time.perf_counter()
            await page.get_by_role("button", name="Kirjaudu").click()
            await page.wait_for_selector(".js-plotly-plot .main-svg", state="visible", timeout=60_000)
            times.append((time.perf_counter() - started) * 1000)
            await context.close()
        await browser.close()
    return times


async def load(base: str, users: list[tuple[str, str]], seconds: float) -> dict:
    from playwright.async_api import async_playwright

    page_times: list[float] = []
    errors: list[str] = []

    async def session(browser, username: str, password: str, delay: float) -> None:
        await asyncio.sleep(delay)  # users arrive over the ramp-up, not in one millisecond
        context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="fi-FI")
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: page error {exc}"))
        try:
            await _sign_in(page, base, username, password)
            await page.wait_for_selector(DONE, timeout=60_000)
            links = page.locator('[data-testid="stSidebarNav"] a')
            count = await links.count()
            deadline = time.monotonic() + seconds - delay  # everyone stops together
            i = 0
            while time.monotonic() < deadline:
                i = (i + 1) % max(1, count - 1)  # the menu minus the accessibility statement
                started = time.perf_counter()
                await links.nth(i).click()
                await page.wait_for_timeout(50)
                await page.wait_for_selector(DONE, timeout=60_000)
                page_times.append((time.perf_counter() - started) * 1000)
                if await page.locator('[data-testid="stException"]').count():
                    errors.append(f"{username}: exception on page {i}")
                await page.wait_for_timeout(500)  # a user reads for a moment
        except Exception as exc:  # noqa: BLE001 - every failure of a session is an error of the run
            errors.append(f"{username}: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            await context.close()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        ramp = min(60.0, seconds / 2)
        await asyncio.gather(*(session(browser, u, pw, i * ramp / len(users)) for i, (u, pw) in enumerate(users)))
        await browser.close()
    page_times.sort()
    return {
        "sessions": len(users),
        "page_loads": len(page_times),
        "errors": errors,
        "p50_ms": round(statistics.median(page_times)) if page_times else None,
        "p95_ms": round(page_times[int(0.95 * (len(page_times) - 1))]) if page_times else None,
    }


def bench_users(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """The four demo accounts plus principals and teachers of other units, added once to the bench's
    own demo user files (never to data/demo), so that `count` sessions sign in as different users."""
    import duckdb

    from tilannekuva.access import load_policy, load_users
    from tilannekuva.demo import DEMO_PASSWORDS
    from tilannekuva.security import SecurityStore
    from tilannekuva.useradmin import UserAdmin
    from tilannekuva.warehouse import current_file

    config = data_dir / "demo"
    users = [(u, DEMO_PASSWORDS[u]) for u in ("johto", "rehtori", "opettaja", "admin")]
    existing = load_users(config / "users.yaml")
    admin = UserAdmin(
        config / "users.yaml",
        config / "credentials.yaml",
        load_policy(ROOT / "roles.yaml"),
        SecurityStore(data_dir / "state" / "security.sqlite"),
    )
    con = duckdb.connect(str(current_file(data_dir / "warehouse")), read_only=True)
    teachers = con.sql("""select distinct b.staff_id from brg_group_teacher b join dim_group g using (group_id)
                          join dim_school_year y using (school_year_id) where y.is_current order by 1""").fetchall()
    units = con.sql("select unit_id from dim_unit where sector = 'perusopetus' order by 1").fetchall()
    con.close()
    password = "Bench-salasana-2026"
    n = 0
    while len(users) < count:
        name = f"bench{n:02d}"
        if name not in existing:
            if n % 2 == 0:
                admin.add(name, f"Bench Rehtori {n}", "principal", password, units=[units[n % len(units)][0]])
            else:
                admin.add(name, f"Bench Opettaja {n}", "teacher", password, staff_id=teachers[n % len(teachers)][0])
        users.append((name, password))
        n += 1
    return users
