"""What the tests share (one copy of each): reading the warehouse's truth, opening the app as a user in
AppTest — by setting session state (fast) or through the real login form — and, for the browser tests,
starting a Streamlit server and signing in through the form.

`open_as` opens a real server-side session in the SecurityStore and puts its Principal and session id
into session state, exactly what a password sign-in leaves there; the app then re-checks that session
on every run like any other. Keep a few tests on `login` (the real form): sign-in itself is tested there.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from streamlit.testing.v1 import AppTest

from deploy.servers import free_port, streamlit_command
from tilannekuva import duck
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.warehouse import current_file

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT = 60


def truth(home: Path, sql: str, **params) -> list[tuple]:
    """The rows of `sql` read straight from the published warehouse under `home` (what a page should show)."""
    con = duck.connect(str(current_file(home / "warehouse")), read_only=True)
    try:
        return con.sql(sql, params=params or None).fetchall()
    finally:
        con.close()


def truth_frame(home: Path, sql: str, **params):
    """`truth` as a polars frame."""
    con = duck.connect(str(current_file(home / "warehouse")), read_only=True)
    try:
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()


@contextlib.contextmanager
def app_env(home: Path, monkeypatch):
    """The app in demo mode on the data directory `home`, with Streamlit's caches cleared before and after
    (the cached settings and stores would otherwise still point at another directory)."""
    import streamlit as st

    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    monkeypatch.delenv("TILANNEKUVA_COOKIE_KEY", raising=False)  # ignored now; keeps the log quiet
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield home
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def app(lang: str | None = None, timeout: float = TIMEOUT) -> AppTest:
    """The real app.py in AppTest, not yet run (set session state or query parameters first)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if lang is not None:
        at.session_state["tk_lang"] = lang
    return at


def login(user: str, password: str | None = None, at: AppTest | None = None) -> AppTest:
    """Sign in through the real login form (username, password, submit), as a person would."""
    at = app() if at is None else at
    at.run()
    at.text_input[0].input(user)
    at.text_input[1].input(password if password is not None else DEMO_PASSWORDS[user])
    at.button[0].click().run()
    return at


def signed_in_state(at: AppTest, user: str) -> AppTest:
    """Put into `at`'s session state what a password sign-in of `user` leaves there: the Principal and the
    id of a server-side session opened now in the SecurityStore of the settings in the environment."""
    import yaml

    from tilannekuva.security import session_id
    from tilannekuva.settings import load_settings
    from views import stores
    from views.signin import PRINCIPAL_KEY, TOKEN_KEY

    conf = load_settings()
    creds = yaml.safe_load(conf.credentials_file.read_text(encoding="utf-8"))["credentials"]["usernames"]
    principal = stores.principal_for(conf, user, str(creds.get(user, {}).get("name") or user))
    secret = stores.security_store(conf).open_session(user, time.time() + conf.session_hours * 3600)
    at.session_state[PRINCIPAL_KEY] = principal
    at.session_state[TOKEN_KEY] = session_id(secret)
    return at


def open_as(
    user: str, page_id: str | None = None, lang: str | None = None, at: AppTest | None = None, **params
) -> AppTest:
    """The app signed in as `user` without the form (session state, see `signed_in_state`), run once and,
    with `page_id`, switched to that page of the user's navigation; `params` are then put in the URL and
    the page run again (as if the user opened a shared link to it)."""
    at = signed_in_state(app(lang) if at is None else at, user)
    at.run()
    if page_id is not None:
        at.switch_page(f"pages/{page_id}.py").run()
        if params:
            for key, value in params.items():
                at.query_params[key] = value
            at.run()
    return at


def tables_of(at: AppTest) -> list:
    """Every table on the page in page order, real tables (st.table) and grids (st.dataframe) alike; each
    has `.value`, the frame with its values (a real table's Markdown text is its formatting, not its value)."""
    return [element for element in at._tree if element.type in ("table", "dataframe")]


def table_text(element):
    """What a real table (st.table) shows: its cells' text as pandas frame (inert Markdown, numbers in the
    reader's locale), from the Styler's display values Streamlit sends."""
    import pyarrow as pa

    return pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()


def page_alone(page_id: str, user: str | None = None, lang: str | None = None) -> AppTest:
    """One page script run without app.py (as Streamlit's auto-discovery would run it), signed in as `user`
    (session state) or as no one: what its own guard lets through."""
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / f"{page_id}.py"), default_timeout=TIMEOUT)
    if lang is not None:
        at.session_state["tk_lang"] = lang
    if user is not None:
        signed_in_state(at, user)
    return at.run()


# --- a real server and the browser -----------------------------------------------------------------


def serve(home: Path, extra_env: dict | None = None, port: int | None = None, args: tuple[str, ...] = ()):
    """Start `streamlit run app.py` in demo mode on `home` (a data directory), on loopback (`port`, else a
    free one; `args` more server options); yields {"base", "home", "log", "pid"} once /_stcore/health
    answers, and stops the server after."""
    import pytest

    port = port or free_port()
    env = {**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home), **(extra_env or {})}
    log_path = home / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        streamlit_command(port, *args),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        log.close()
        pytest.fail("the Streamlit server did not start: " + log_path.read_text()[-2000:])
    try:
        yield {"base": base, "home": home, "log": log_path, "pid": proc.pid}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


CHROMIUM = os.environ.get("TILANNEKUVA_CHROMIUM", "/usr/bin/chromium")


def chromium():
    """Debian's Chromium driven by Playwright: yields the browser and closes it after (for a fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit is connected, no script is running (twice: reruns follow logins) and every
    element is drawn. Streamlit loads an element's code the first time a page shows that kind of element
    (download buttons, styled tables, charts): until it arrives the element is a `stSkeleton` placeholder,
    and on a loaded machine that came 1.4 s after the script had finished (CI of e59a304: no download
    button on the watch list yet, a download never started)."""
    for _ in range(2):
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout)
        page.wait_for_timeout(400)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
        page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)


def browser_sign_in(page, base: str, username: str, password: str, lang: str = "fi") -> None:
    """Fill and submit the login form (labelled in `lang`, the language the browser's locale asks
    for). Nothing reruns the login page by itself (no cookie component), so one click must do: a
    form still there with no message after it fails the wait below."""
    from tilannekuva.i18n import t

    page.goto(base)
    settle(page)
    page.get_by_label(t("login.username", lang), exact=True).fill(username)
    page.get_by_label(t("login.password", lang), exact=True).fill(password)
    page.get_by_role("button", name=t("login.submit", lang)).click()
    settle(page)
    # Signed in (the form is gone) or a real answer (wrong password, throttled, no role) for the test.
    page.locator(
        '[data-testid="stSidebar"] [data-testid="stButton"], [data-testid="stMain"] [data-testid="stAlert"]'
    ).first.wait_for(timeout=30_000)
    settle(page)


def warehouse_with_as_of(home: Path, target: Path, **as_of) -> Path:
    """A data directory `target` with `home`'s demo accounts and a copy of its served warehouse in which
    `meta_source.data_as_of` is set per source (`poissaolot=dt.date(2026, 9, 30)`; None: the source's row is
    removed, as if never loaded): a warehouse whose sources are as fresh or stale as a test needs. Returns
    `target`."""
    import shutil

    from tilannekuva.warehouse import publish

    shutil.copytree(home / "demo", target / "demo", dirs_exist_ok=True)
    (target / "warehouse").mkdir(parents=True, exist_ok=True)
    copy = target / "warehouse" / f"tilannekuva-as-of-{len(list((target / 'warehouse').glob('*.duckdb')))}.duckdb"
    shutil.copyfile(current_file(home / "warehouse"), copy)
    con = duck.connect(str(copy))
    try:
        for source, day in as_of.items():
            if day is None:  # never loaded
                con.execute("delete from meta_source where source = $s", {"s": source})
            else:
                con.execute("update meta_source set data_as_of = $d where source = $s", {"d": day, "s": source})
    finally:
        con.close()
    publish(target / "warehouse", copy)
    return target


# --- real local servers for the digests' deliveries (issue 20) ----------------------------------------


def self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate and its key for `host` (an IP address) in `directory`: (cert, key) paths,
    for `smtp_server(tls=…)`; a client trusts it with `ssl.create_default_context(cafile=cert)`."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "relay-cert.pem", directory / "relay-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextlib.contextmanager
def smtp_server(
    rcpt: str = "250 OK",
    tls: tuple[Path, Path] | None = None,
    users: dict[str, str] | None = None,
    implicit_tls: bool = False,
    delay: float = 0.0,
    control: dict | None = None,
):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port: yields (host, port, received), where
    `received` is a list the server appends one dict per accepted message to: {"mail_from", "rcpt_tos",
    "data" (the bytes as received), "login" (the user signed in, or None), "at" (time.time() on
    acceptance)}. `delay`: seconds it takes over each message before accepting it (a slow relay);
    `control`: a dict the test may change while it runs — with control["stall_after"] = n the server
    accepts n messages and then holds every further one unanswered (setting control["stalled"] = True)
    until the key is removed: a relay a client can die in front of. `rcpt` is its answer to every
    RCPT TO ("550 5.1.1 No such user", "451 4.3.0 Try again later" to test refusals); `tls` a (cert, key)
    pair (`self_signed`) to offer STARTTLS (without it, STARTTLS is not offered) — or, with `implicit_tls`,
    to speak TLS from the first byte (smtp_security = ssl, port 465 style); `users` user -> password
    to offer AUTH (allowed without TLS, for the tests only). The server stops when the block ends."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    received: list[dict] = []

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's)
            if not rcpt.startswith("250"):
                return rcpt
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            import asyncio

            login = session.auth_data.login.decode() if getattr(session.auth_data, "login", None) else None
            if delay:
                await asyncio.sleep(delay)
            while (
                control is not None
                and control.get("stall_after") is not None
                and len(received) >= control["stall_after"]
            ):
                control["stalled"] = True
                await asyncio.sleep(0.05)
                if server.transport is None or server.transport.is_closing():
                    return "421 4.4.2 the client went away"  # never accepted: not received
            received.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "data": envelope.original_content,
                    "login": login,
                    "at": time.time(),
                }
            )
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = users is not None and users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    options: dict = {}
    if tls is not None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        options["ssl_context" if implicit_tls else "tls_context"] = context
    if users is not None:
        options |= {"authenticator": authenticator, "auth_require_tls": False}
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield "127.0.0.1", port, received
    finally:
        controller.stop()


@contextlib.contextmanager
def http_receiver(responses=(202,), delay: float = 0.0):
    """A real HTTP server (http.server.ThreadingHTTPServer) on 127.0.0.1 in a thread, standing in for a Teams
    webhook / Workflows address: yields (base, requests) — base 'http://127.0.0.1:<port>', requests a list of
    {"method", "path", "headers", "body" (bytes)} appended per request. It answers the requests in turn with
    `responses` (the last one repeats): a status (202), or (status, headers, body) such as
    (302, {"Location": base + "/elsewhere"}, b""); `delay` seconds before each answer (a slow receiver)."""
    import http.server
    import threading

    requests: list[dict] = []
    answers = list(responses)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
            answer = answers[min(len(requests), len(answers)) - 1]
            status, headers, content = (answer, {}, b"1") if isinstance(answer, int) else answer
            time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value.replace("{base}", base))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except OSError:  # the client gave up (a timeout test)
                pass

        do_GET = do_POST  # noqa: N815 (a followed redirect would arrive as GET: recorded, to be seen)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Clock:
    """A clock a test moves by hand (`clock.now += 301`): pass it where a store takes `clock=`."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def raw_state(state, name: str, sql: str) -> list[tuple]:
    """`sql` straight on the store `name`'s own database, past the store's code (what someone with database
    access sees or does): the SQLite file under `state.directory`, or the schema tk_<name> at `state.url`
    (tests/conftest.py's `state`; tests.rawstate.Raw). Returns the rows (none for a statement without them)."""
    from tests.rawstate import Raw

    with Raw(state.db(name)) as raw:
        cur = raw.execute(sql)
        return cur.fetchall() if cur.description else []


@contextlib.contextmanager
def main_not_rerun():
    """Start multiprocessing's spawned processes inside this: a spawned child re-runs the parent's `__main__` from
    its file, and after an AppTest in this test process that file is app.py (the child then died running the app
    before the test's function; seen in CI only, depending on which tests the worker ran first)."""
    import sys

    main = sys.modules["__main__"]
    saved = vars(main).pop("__file__", None)
    try:
        yield
    finally:
        if saved is not None:
            main.__file__ = saved


@contextlib.contextmanager
def shipped_proxy(backend_port: int, log_path: Path | None = None):
    """HAProxy with the shipped deploy/haproxy.cfg in front of one backend on 127.0.0.1:`backend_port` (a stub
    standing in for Streamlit); yields (url, port) once /_stcore/health answers through it, its request log in
    `log_path` (else discarded)."""
    import pytest

    from deploy.cluster import HAPROXY_CFG, haproxy_bin

    try:
        binary = haproxy_bin()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    port = free_port()
    env = {**os.environ, "TK_BIND": f"127.0.0.1:{port}", "TK_APP1": f"127.0.0.1:{backend_port}", "TK_LOG_STDOUT": "1"}
    out = open(log_path, "w") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([binary, "-db", "-f", str(HAPROXY_CFG)], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"HAProxy did not come up: {log_path.read_text() if log_path else ''}")
        yield url, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if log_path:
            out.close()


def access_log_down(monkeypatch, action: str, page: str | None = None):
    """AccessLog.record raises StateUnavailable for `action` (on `page`), as statedb does when PostgreSQL
    fails, and writes every other entry; returns a function that brings the database back."""
    from tilannekuva.audit import AccessLog
    from tilannekuva.statedb import StateUnavailable

    real = AccessLog.record

    def down(self, username, role, act, target, on_page, filters, rows, subjects=()):
        if act == action and (page is None or on_page == page):
            raise StateUnavailable("the state database postgresql://tilannekuva@127.0.0.1/state failed")
        return real(self, username, role, act, target, on_page, filters, rows, subjects)

    monkeypatch.setattr(AccessLog, "record", down)
    return lambda: monkeypatch.setattr(AccessLog, "record", real)
