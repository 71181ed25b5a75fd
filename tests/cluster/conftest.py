"""Several app processes behind HAProxy with one state in PostgreSQL (deploy/cluster.py), driven by
Debian's Chromium: one cluster per test module (real servers: PostgreSQL, HAProxy, two `streamlit run`).

A browser context is pinned to one app process with the proxy's affinity cookie (`pinned`), as a
browser that the proxy once sent there would be; the proxy keeps it there while that process lives.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import CHROMIUM, chromium, settle
from tilannekuva.i18n import t

SESSION_COOKIE = "tilannekuva_session"


@pytest.fixture(scope="module")
def cluster(demo_home, pg_server, tmp_path_factory, request):
    """Two app processes on a copy of the demo city, their state in a fresh PostgreSQL database, HAProxy
    with deploy/haproxy.cfg in front; a module may set CLUSTER_ENV (TILANNEKUVA_* settings for every
    process)."""
    from deploy.cluster import Cluster

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    home = tmp_path_factory.mktemp("cluster-home")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    url = pg_server.create_database("cluster")
    env = getattr(request.module, "CLUSTER_ENV", {})
    with Cluster(home, processes=2, state_url=url, env=env, log_dir=home / "logs") as running:
        yield running
    pg_server.drop_database(url)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def pinned(browser, cluster, node: int):
    """A new browser context (Finnish) that the proxy sends to app process `node`."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fi-FI")
    context.add_cookies([cluster.affinity(node)])
    return context


def node_of(context) -> str | None:
    """The app process the proxy's affinity cookie in `context` names now ("app1", …)."""
    from deploy.cluster import AFFINITY_COOKIE

    return next((c["value"] for c in context.cookies() if c["name"] == AFFINITY_COOKIE), None)


def session_cookie(context, wait: float = 15.0) -> dict | None:
    """The app's session cookie once the page's script has written it (None if it never appears)."""
    deadline = time.time() + wait
    while True:
        found = [c for c in context.cookies() if c["name"] == SESSION_COOKIE and c["value"]]
        if found or time.time() > deadline:
            return found[0] if found else None
        time.sleep(0.2)


def login_form(page):
    return page.get_by_label(t("login.username"), exact=True)


def logout_button(page):
    return page.get_by_role("button", name=t("login.logout"))


def is_signed_in(page, timeout: float = 60_000) -> bool:
    """True once the page shows the logout button, False once it shows the login form."""
    settle(page, timeout=timeout)
    expect(logout_button(page).or_(login_form(page)).first).to_be_visible(timeout=timeout)
    return logout_button(page).count() > 0


def fill_login(page, base: str, username: str, password: str) -> None:
    """Open the login form and fill it, without submitting (`submit` does: many at once)."""
    page.goto(base)
    settle(page, timeout=60_000)
    login_form(page).fill(username)
    page.get_by_label(t("login.password"), exact=True).fill(password)


def submit(page) -> None:
    page.get_by_role("button", name=t("login.submit")).click()


def answer(page) -> str:
    """After a submit: "" when signed in, else the message the login page shows (several sign-ins at once
    on a busy machine take a while: bcrypt, then each landing page's first run)."""
    settle(page, timeout=90_000)
    alert = page.locator('[data-testid="stMain"] [data-testid="stAlert"]')
    expect(alert.or_(logout_button(page)).first).to_be_visible(timeout=60_000)
    return "" if logout_button(page).count() else " ".join(alert.all_inner_texts())


def open_page(page, page_id: str) -> None:
    """Click the page's link in the sidebar (a script run in the same Streamlit session); no waiting."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{page_id}"]').click()


def settings_of(cluster):
    """The settings every app process of `cluster` runs with (read as the command line would)."""
    from tilannekuva.settings import load_settings

    return load_settings(environ=cluster.app_env(0), for_app=False)


def access_log(cluster):
    """The cluster's access log, opened as `tilannekuva access-log-verify` opens it."""
    from tilannekuva.cli import _access_log

    return _access_log(settings_of(cluster))


def access_log_verify(cluster) -> subprocess.CompletedProcess:
    """`tilannekuva access-log-verify` run with the cluster's settings (exit 0: the chain is intact)."""
    return subprocess.run(
        [sys.executable, "-m", "tilannekuva.cli", "access-log-verify"],
        env=cluster.app_env(0),
        capture_output=True,
        text=True,
        timeout=120,
    )
