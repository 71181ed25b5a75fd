"""Two app processes behind HAProxy, one state in PostgreSQL (issue 21): what one process learns, the
other knows — failed sign-ins, a logout, the access log's chain — and a new warehouse version reaches
both. Each test pins browsers to one process or the other with the proxy's affinity cookie.

On the old design (each process with its own data/state/*.sqlite) each of these fails: the throttling
counts half the attempts, the other process never heard of the session, and each process writes a
chain of its own."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import shutil
import subprocess
import time
import urllib.request
from collections import Counter

import pytest

from deploy.cluster import AFFINITY_COOKIE, HAPROXY_CFG, haproxy_bin
from tests.cluster.conftest import (
    access_log,
    access_log_verify,
    answer,
    fill_login,
    is_signed_in,
    login_form,
    logout_button,
    node_of,
    open_page,
    pinned,
    session_cookie,
    settle,
    submit,
)
from tilannekuva import duck
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t
from tilannekuva.warehouse import current_file, publish

pytestmark = [pytest.mark.xdist_group("cluster"), pytest.mark.browser]

# Three failures per username + client before the delays start: the spread attack stays short.
CLUSTER_ENV = {"TILANNEKUVA_FAILED_LOGIN_LIMIT_USER": "3"}
THROTTLED = t("login.throttled", minutes=0).split("0")[0][:20]
FAILED = t("login.failed")


def get(url: str, cookies: dict[str, str] | None = None):
    """A plain GET: (status, headers, body)."""
    request = urllib.request.Request(url)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, reply.headers, reply.read()


# --- the proxy itself ---------------------------------------------------------------------------------


def test_the_proxy_pins_a_browser_to_one_process_and_sets_the_security_headers(cluster):
    """The first answer sets the affinity cookie (HttpOnly; the app never sees it); a request that
    carries it is sent to that process and gets no new one; every answer carries the headers the app
    cannot set itself, and no HSTS over plain HTTP."""
    status, headers, body = get(cluster.url + "/")
    assert status == 200 and b"<html" in body.lower()
    jar = http.cookiejar.CookieJar()
    jar.extract_cookies(
        urllib.response.addinfourl(None, headers, cluster.url + "/"), urllib.request.Request(cluster.url + "/")
    )
    first = {c.name: c for c in jar}
    assert first[AFFINITY_COOKIE].value in cluster.names
    assert first[AFFINITY_COOKIE].has_nonstandard_attr("HttpOnly")
    for node in (0, 1):
        _, pinned_headers, body = get(cluster.url + "/_stcore/health", {AFFINITY_COOKIE: cluster.names[node]})
        assert body == b"ok"
        assert AFFINITY_COOKIE not in (pinned_headers.get("Set-Cookie") or ""), "a pinned browser stays where it is"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers
    assert "Server" not in headers


def test_the_shipped_proxy_config_passes_haproxys_check_with_tls_and_eight_processes(tmp_path):
    """deploy/haproxy.cfg as a city would run it: TLS with a certificate file, eight app processes."""
    from tests.helpers import self_signed

    cert, key = self_signed(tmp_path)
    pem = tmp_path / "tilannekuva.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    env = {"TK_TLS_CERT": str(pem), "PATH": "/usr/sbin:/usr/bin"}
    env |= {f"TK_APP{i}": f"127.0.0.1:{8500 + i}" for i in range(1, 9)}
    check = subprocess.run([haproxy_bin(), "-c", "-f", str(HAPROXY_CFG)], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert shutil.which("haproxy") or haproxy_bin()


def test_with_a_certificate_the_proxy_speaks_tls_sends_hsts_and_redirects_plain_http(cluster, tmp_path):
    """The shipped config with TK_TLS_CERT, in front of the same app processes: HTTPS answers with HSTS
    and a Secure affinity cookie, plain HTTP only redirects to HTTPS."""
    import http.client
    import ssl

    from deploy.servers import free_port
    from tests.helpers import self_signed

    cert, key = self_signed(tmp_path)
    pem = tmp_path / "tilannekuva.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    plain, secure = free_port(), free_port()
    env = cluster.proxy_env() | {
        "TK_BIND": f"127.0.0.1:{plain}",
        "TK_TLS_BIND": f"127.0.0.1:{secure}",
        "TK_TLS_CERT": str(pem),
        "TK_STATS_SOCKET": str(tmp_path / "tls.sock"),
    }
    proxy = subprocess.Popen([haproxy_bin(), "-db", "-f", str(HAPROXY_CFG)], env=env, stdout=subprocess.DEVNULL)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        deadline = time.time() + 20
        while True:
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", secure, context=context, timeout=5)
                conn.request("GET", "/_stcore/health")
                reply = conn.getresponse()
                body = reply.read()
                if reply.status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "the TLS proxy did not answer"
            time.sleep(0.3)
        cookies = [v for k, v in reply.getheaders() if k.lower() == "set-cookie" and v.startswith(AFFINITY_COOKIE)]
        redirect = http.client.HTTPConnection("127.0.0.1", plain, timeout=5)
        redirect.request("GET", "/teacher_watch?lukuvuosi=2026")
        moved = redirect.getresponse()
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
    assert body == b"ok"
    assert reply.getheader("Strict-Transport-Security", "").startswith("max-age=31536000")
    assert cookies and "Secure" in cookies[0] and "HttpOnly" in cookies[0], cookies
    assert moved.status == 301
    assert moved.getheader("Location") == f"https://127.0.0.1:{plain}/teacher_watch?lukuvuosi=2026"


# --- a. throttling counts across processes -------------------------------------------------------------


def test_failed_sign_ins_spread_over_both_processes_are_throttled_together(cluster, browser):
    """A password guesser who alternates between the processes (limit 3 per username + client here):
    the fourth guess is throttled although each process saw only two."""
    contexts = [pinned(browser, cluster, 0), pinned(browser, cluster, 1)]
    try:
        pages = [c.new_page() for c in contexts]
        answers = []
        for attempt in range(4):
            page = pages[attempt % 2]
            fill_login(page, cluster.url, "rehtori2", f"arvaus-{attempt}")
            submit(page)
            answers.append(answer(page))
        served = [node_of(c) for c in contexts]
    finally:
        for c in contexts:
            c.close()
    assert served == ["app1", "app2"], "each guess went to the process it was pinned to"
    assert all(FAILED in a for a in answers[:3]) and THROTTLED in answers[3], answers
    actions = [e.action for e in access_log(cluster).entries(username="rehtori2")]
    assert actions.count("sign_in_failed") == 3 and actions.count("sign_in_throttled") == 1, actions


# --- c. logout in one process ends the session in the other ------------------------------------------------


def test_logout_in_one_process_ends_the_session_in_the_other(cluster, browser):
    """A sign-in on app1; the same browser's cookie in a tab the proxy sends to app2 is signed in there;
    logout on app1 — app2's next run shows the login form."""
    first, second = pinned(browser, cluster, 0), pinned(browser, cluster, 1)
    try:
        page = first.new_page()
        fill_login(page, cluster.url, "rehtori", DEMO_PASSWORDS["rehtori"])
        submit(page)
        assert answer(page) == ""
        cookie = session_cookie(first)
        assert cookie, "the session cookie was written"
        second.add_cookies([cookie])
        other = second.new_page()
        other.goto(cluster.url + "/principal_support")
        signed_in_elsewhere = is_signed_in(other)
        logout_button(page).click()
        settle(page)
        signed_out_here = login_form(page).count() == 1
        open_page(other, "principal_staff")  # the other process's next run, no reload
        signed_in_after = is_signed_in(other)
        served = [node_of(first), node_of(second)]
    finally:
        first.close()
        second.close()
    assert served == ["app1", "app2"]
    assert signed_in_elsewhere, "the cookie of a sign-in on app1 signs in on app2"
    assert signed_out_here and not signed_in_after, "a logout on app1 ends the session on app2"


# --- b. one access-log chain, written by both processes at once -----------------------------------------

SESSIONS = [("opettaja", "teacher_watch"), ("rehtori", "principal_support")] * 2


def test_both_processes_write_one_unbroken_access_log_chain_at_once(cluster, browser):
    """Four browsers, two on each process (each user once on each), sign in at the same moment, open a
    page at the same moment and sign out at the same moment: the log holds exactly four sign-ins and four
    sign-outs of them, each personal-data list they saw exactly once per session, and one intact chain
    (`tilannekuva access-log-verify`)."""
    log = access_log(cluster)
    start = time.time()
    before = len(log.entries(limit=1_000_000))
    contexts = [pinned(browser, cluster, i // 2) for i in range(len(SESSIONS))]  # each user on each process
    try:
        pages = [c.new_page() for c in contexts]
        for page, (user, _) in zip(pages, SESSIONS, strict=True):
            fill_login(page, cluster.url, user, DEMO_PASSWORDS[user])
        for page in pages:  # all at once
            submit(page)
        assert [answer(page) for page in pages] == [""] * len(pages)
        for page, (_, page_id) in zip(pages, SESSIONS, strict=True):
            open_page(page, page_id)
        for page in pages:
            settle(page)
        for page in pages:
            logout_button(page).click()
        for page in pages:
            settle(page)
            assert login_form(page).count() == 1
        served = [node_of(c) for c in contexts]
    finally:
        for c in contexts:
            c.close()
    assert served == ["app1", "app1", "app2", "app2"]
    new = [e for e in log.entries(limit=1_000_000) if e.logged_at >= start]
    assert len(log.entries(limit=1_000_000)) - before == len(new), "no entry dated before the test was added"
    ours = [e for e in new if e.username in {u for u, _ in SESSIONS}]
    count = {a: sum(e.action == a for e in ours) for a in ("sign_in", "sign_out")}
    assert count == {"sign_in": len(SESSIONS), "sign_out": len(SESSIONS)}, count
    # Each list a session showed (the landing page's and the opened page's) is logged once per session.
    viewed = Counter((e.username, e.page, e.target) for e in ours if e.action == "view")
    assert {(user, page) for user, page, _ in viewed} >= set(SESSIONS), viewed
    assert set(viewed.values()) == {SESSIONS.count(SESSIONS[0])}, viewed
    assert log.verify().intact, log.verify()
    verified = access_log_verify(cluster)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr


# --- e. a refresh reaches both processes -----------------------------------------------------------------


def publish_as_of(warehouse_dir, day: dt.date) -> None:
    """A new warehouse version, every source's data as of `day`, published as `tilannekuva ingest` does."""
    served = current_file(warehouse_dir)
    copy = warehouse_dir / f"tilannekuva-refresh-{day:%Y%m%d}.duckdb"
    shutil.copyfile(served, copy)
    con = duck.connect(str(copy))
    try:
        con.execute("update meta_source set data_as_of = $d", {"d": day})
    finally:
        con.close()
    publish(warehouse_dir, copy)


def test_a_new_warehouse_version_reaches_both_processes(cluster, browser):
    """Each process shows the data-as-of of the version it serves; a new version is published once, on
    the shared volume, and a signed-in user on either process sees its date on the next page."""
    caption = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
    contexts = [pinned(browser, cluster, 0), pinned(browser, cluster, 1)]
    try:
        pages = [c.new_page() for c in contexts]
        for page in pages:
            fill_login(page, cluster.url, "opettaja", DEMO_PASSWORDS["opettaja"])
            submit(page)
            assert answer(page) == ""  # the landing page, teacher_groups
        before = [" ".join(p.locator(caption).all_inner_texts()) for p in pages]
        day = dt.date(2026, 10, 16)
        publish_as_of(cluster.data_dir / "warehouse", day)
        expected = t("app.data_as_of", date="16.10.2026")
        after = []
        for page in pages:
            open_page(page, "teacher_watch")
            settle(page)
            page.locator(caption, has_text=expected).first.wait_for(timeout=20_000)
            after.append(" ".join(page.locator(caption).all_inner_texts()))
        served = [node_of(c) for c in contexts]
    finally:
        for c in contexts:
            c.close()
    assert served == ["app1", "app2"]
    assert all(expected not in b for b in before) and all("asti" in b for b in before), before
    assert all(expected in a for a in after), after
