"""Browser-side measures on a real server: sign-in to first chart painted (many sessions at once: bench/load.py,
without a browser), the bench's server and its users.

* login_to_chart: Chromium fills the login form; the clock runs from the submit click until the first
  plotly chart of the landing page has painted (its SVG is in the DOM and visible).
* bench_users: the demo accounts and as many more principals and teachers of other units as a load needs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("TILANNEKUVA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def bench_environ(data_dir: Path) -> dict[str, str]:
    """The bench app's environment: demo mode on `data_dir` (and the state where TILANNEKUVA_STATE_URL says)."""
    return {**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(data_dir.resolve())}


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    from deploy.servers import streamlit_command

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = bench_environ(data_dir)
    proc = subprocess.Popen(
        streamlit_command(port),
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


def bench_users(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """The four demo accounts plus principals and teachers of other units, added once to the bench's
    own demo user files (never to data/demo), so that `count` sessions sign in as different users."""
    import duckdb

    from tilannekuva.access import load_policy, load_users
    from tilannekuva.demo import DEMO_PASSWORDS
    from tilannekuva.security import SecurityStore
    from tilannekuva.settings import load_settings
    from tilannekuva.statedb import for_settings
    from tilannekuva.useradmin import UserAdmin
    from tilannekuva.warehouse import current_file

    config = data_dir / "demo"
    users = [(u, DEMO_PASSWORDS[u]) for u in ("johto", "rehtori", "rehtori2", "opettaja", "admin")]
    existing = load_users(config / "users.yaml")
    admin = UserAdmin(
        config / "users.yaml",
        config / "credentials.yaml",
        load_policy(ROOT / "roles.yaml"),
        SecurityStore(for_settings(load_settings(bench_environ(data_dir), for_app=False), "security")),
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
