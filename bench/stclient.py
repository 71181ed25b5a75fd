"""A browser-free Streamlit client: what the frontend does on the wire, for load tests (bench/load.py).

One `Browser` is one user's browser tab with its own cookie jar:
  * `open()` GETs the page first (keeps every Set-Cookie: a proxy's sticky-session cookie, Streamlit's XSRF
    cookie), then connects to `ws://host:port/_stcore/stream` with subprotocols ["streamlit", <xsrf>] and the
    jar's cookies, as the frontend's WebsocketConnection does, and runs the script once (`rerun_script`);
  * every run sends a `BackMsg.rerun_script` (ClientState: query string, page script hash, the widget values
    this tab holds, context info, the hashes of messages it has cached) and reads `ForwardMsg`s until the
    run's `script_finished` (a run that ends early for a rerun — `st.rerun()` after a sign-in — is followed
    to the end of the next one); the elements of the last run are kept by delta path (`elements`);
  * the session cookie that the app writes from a script in an html element (views/signin.py
    `_cookie_script`: `document.cookie = "<name>=<secret>; Path=/…"`) goes into the jar as a browser would
    store it, and is sent on the next connect (`reload()`);
  * a download: a download button's deferred file is asked for with a `backend_operation_request`, and the
    URL the server answers (`/media/…`) is fetched over HTTP with the jar — the request must reach the
    process that holds the file, which is why a proxy needs session affinity.
Nothing here imports the app: only streamlit.proto, websockets and httpx (all installed with streamlit).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
COOKIE_WRITE = re.compile(r'document\.cookie\s*=\s*("(?:[^"\\]|\\.)*")')
XSRF_COOKIE = "_streamlit_xsrf"


class ProtocolError(Exception):
    """A run that did not end as a browser would see it end: `kind` is the error's class in the report
    (timeout, disconnect, exception, compile_error, download, http)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass
class Run:
    """One script run as the user waits for it: from the BackMsg sent to the final script_finished."""

    seconds: float
    elements: dict[tuple[int, ...], object]
    reruns: int = 0  # runs that ended early for a rerun on the way (st.rerun)


@dataclass
class Page:
    script_hash: str
    name: str
    url_path: str
    hidden: bool
    default: bool


@dataclass
class Browser:
    base: str  # http://127.0.0.1:8501 (or the proxy's address)
    locale: str = "fi-FI"
    timeout: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)
    page_hash: str = ""  # the page this tab shows
    query_string: str = ""
    widgets: dict[str, WidgetState] = field(default_factory=dict)  # the values this tab holds
    elements: dict[tuple[int, ...], object] = field(default_factory=dict)
    session_id: str = ""
    bytes_received: int = 0
    _ws: object = None
    _http: httpx.AsyncClient | None = None
    _cache: dict[str, ForwardMsg] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=itertools.count)

    # -- connection ---------------------------------------------------------------------------------------
    async def open(self, path: str = "/") -> Run:
        """Load the page (HTTP GET, cookies kept), connect the websocket and run the script once."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        response = await self._get(path)
        if response.status_code != 200:
            raise ProtocolError("http", f"GET {path}: {response.status_code}")
        await self._connect()
        self.elements = {}
        return await self.rerun(page_name=path.strip("/").split("?")[0])

    async def reload(self) -> Run:
        """What a browser reload does: a new websocket (a new Streamlit session) with the cookies stored."""
        await self._close_ws()
        self.widgets.clear()
        page = next((p.url_path for p in self.pages if p.script_hash == self.page_hash), "")
        query = f"?{self.query_string}" if self.query_string else ""
        return await self.open(f"/{page}{query}")

    async def close(self) -> None:
        await self._close_ws()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _close_ws(self) -> None:
        if self._ws is not None:
            try:
                await self._ws.close()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass
            self._ws = None

    async def _connect(self) -> None:
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        protocols = ["streamlit", self.cookies[XSRF_COOKIE]] if XSRF_COOKIE in self.cookies else ["streamlit"]
        headers = {"Origin": f"{parts.scheme}://{parts.netloc}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self._ws = await asyncio.wait_for(
                connect(
                    f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream",
                    subprotocols=protocols,
                    additional_headers=headers,
                    max_size=None,
                    open_timeout=self.timeout,
                    ping_interval=None,
                    compression=None,
                ),
                self.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - a refusal, a timeout, a reset: no connection
            raise ProtocolError("disconnect", f"connect: {type(exc).__name__}: {exc}") from exc

    async def _get(self, path: str) -> httpx.Response:
        try:
            response = await self._http.get(self.base.rstrip("/") + path, headers=self._cookie_header())
        except httpx.HTTPError as exc:
            raise ProtocolError("http", f"GET {path}: {type(exc).__name__}") from exc
        for header in response.headers.get_list("set-cookie"):
            self._store_cookie(header)
        self._http.cookies.clear()  # the jar is ours (self.cookies), one per tab
        return response

    def _cookie_header(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _store_cookie(self, text: str) -> None:
        """Store one Set-Cookie header or `document.cookie = …` string as a browser does (Max-Age=0 deletes)."""
        jar = SimpleCookie()
        try:
            jar.load(text)
        except Exception:  # noqa: BLE001 - a cookie a browser would ignore
            return
        for name, morsel in jar.items():
            if morsel["max-age"] in ("0", 0) or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    # -- runs ---------------------------------------------------------------------------------------------
    async def rerun(self, *, page_hash: str | None = None, page_name: str = "", triggers: dict | None = None) -> Run:
        """Send one rerun_script (with this tab's widget values plus one-shot `triggers`) and wait for the end
        of the run the user waits for."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        for widget in itertools.chain(self.widgets.values(), (triggers or {}).values()):
            state.widget_states.widgets.add().CopyFrom(widget)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "Europe/Helsinki", -120, self.locale
        info.url = self.base.rstrip("/") + "/"
        state.cached_message_hashes.extend(self._cache)
        started = time.perf_counter()
        await self._send(msg)
        elements: dict[tuple[int, ...], object] = {}
        reruns = 0
        while True:
            fwd = await self._receive(started)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                elements = {}
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
                if fwd.new_session.HasField("initialize"):
                    self.session_id = fwd.new_session.initialize.session_id
            elif kind == "delta":
                path = tuple(fwd.metadata.delta_path)
                if fwd.delta.WhichOneof("type") == "new_element":
                    elements[path] = fwd.delta.new_element
            elif kind == "navigation":
                self.pages = [
                    Page(p.page_script_hash, p.page_name, p.url_pathname, p.is_hidden, p.is_default)
                    for p in fwd.navigation.app_pages
                ]
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                raise ProtocolError("page_not_found", fwd.page_not_found.page_name)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    reruns += 1
                    continue
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("compile_error")
                if status in FINISHED_OK:
                    break
        seconds = time.perf_counter() - started
        self.elements = elements
        self._take_cookies()
        self._keep_widgets()
        return Run(seconds, elements, reruns)

    async def _send(self, msg: BackMsg) -> None:
        try:
            await self._ws.send(msg.SerializeToString())
        except Exception as exc:  # noqa: BLE001 - a closed socket
            raise ProtocolError("disconnect", f"send: {type(exc).__name__}") from exc

    async def _receive(self, started: float) -> ForwardMsg:
        left = self.timeout - (time.perf_counter() - started)
        if left <= 0:
            raise ProtocolError("timeout", f"no script_finished in {self.timeout:g} s")
        try:
            data = await asyncio.wait_for(self._ws.recv(), left)
        except TimeoutError as exc:
            raise ProtocolError("timeout", f"no script_finished in {self.timeout:g} s") from exc
        except Exception as exc:  # noqa: BLE001 - ConnectionClosed and its kin
            raise ProtocolError("disconnect", f"{type(exc).__name__}: {exc}") from exc
        self.bytes_received += len(data)
        fwd = ForwardMsg()
        fwd.ParseFromString(data)
        if fwd.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(fwd.ref_hash)
            if cached is None:
                raise ProtocolError("protocol", f"ref_hash {fwd.ref_hash} not cached")
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(fwd.metadata)
            return full
        if fwd.metadata.cacheable and fwd.hash:
            self._cache[fwd.hash] = fwd
        return fwd

    def _take_cookies(self) -> None:
        """The cookie the page writes with a script, stored as the browser would run that script."""
        for element in self.elements.values():
            if element.WhichOneof("type") == "html" and "document.cookie" in element.html.body:
                for literal in COOKIE_WRITE.findall(element.html.body):
                    self._store_cookie(json.loads(literal))

    def _keep_widgets(self) -> None:
        """Widget values the tab holds are those of widgets still on the screen (the frontend drops the rest)."""
        alive = {self.widget_id(e) for e in self.elements.values()}
        for wid in list(self.widgets):
            if wid not in alive:
                del self.widgets[wid]

    # -- what is on the screen ----------------------------------------------------------------------------
    @staticmethod
    def widget_id(element) -> str | None:
        kind = element.WhichOneof("type")
        inner = getattr(element, kind) if kind else None
        return getattr(inner, "id", None) if inner is not None else None

    def of_type(self, *kinds: str) -> list:
        return [
            getattr(e, e.WhichOneof("type")) for _, e in sorted(self.elements.items()) if e.WhichOneof("type") in kinds
        ]

    def exceptions(self) -> list[str]:
        return [f"{x.type}: {x.message[:200]}" for x in self.of_type("exception") if not x.is_warning]

    def alerts(self) -> list[str]:
        return [a.body for a in self.of_type("alert")]

    def login_form(self) -> tuple | None:
        """(username input, password input, submit button) when the sign-in form is on the screen."""
        inputs = self.of_type("text_input")
        password = next((i for i in inputs if i.type == i.PASSWORD), None)
        username = next((i for i in inputs if i.type != i.PASSWORD and i.form_id), None)
        submit = next((b for b in self.of_type("button") if b.is_form_submitter), None)
        if password is None or username is None or submit is None:
            return None
        return username, password, submit

    # -- what a user does ---------------------------------------------------------------------------------
    async def sign_in(self, username: str, password: str) -> Run:
        """Fill and submit the sign-in form: a form submit sends every widget value of the form plus the
        submit button's trigger."""
        form = self.login_form()
        if form is None:
            raise ProtocolError("no_login_form")
        user_input, password_input, submit = form
        values = {
            user_input.id: WidgetState(id=user_input.id, string_value=username),
            password_input.id: WidgetState(id=password_input.id, string_value=password),
        }
        self.widgets.update(values)
        run = await self.rerun(triggers={submit.id: WidgetState(id=submit.id, trigger_value=True)})
        for wid in values:  # a submitted form is cleared (clear_on_submit is off, but the form is gone)
            self.widgets.pop(wid, None)
        return run

    def menu(self) -> list[Page]:
        """The pages a user can click in the menu (not hidden)."""
        return [p for p in self.pages if not p.hidden]

    async def open_page(self, page: Page) -> Run:
        """A menu click: another page script, the URL's query string left behind."""
        self.query_string = ""
        self.widgets.clear()
        return await self.rerun(page_hash=page.script_hash)

    def filters(self, allowed=lambda wid: True) -> list:
        """The selectboxes and multiselects on the screen a user could change (enabled, two options or more)."""
        return [
            w
            for w in self.of_type("selectbox", "multiselect")
            if not w.disabled and len(w.options) >= 2 and allowed(w.id)
        ]

    async def choose(self, widget, option: str | list[str]) -> Run:
        """Pick `option` (a selectbox's label, or a multiselect's list of labels) and rerun, as a change does."""
        if isinstance(option, list):
            state = WidgetState(id=widget.id)
            state.string_array_value.data.extend(option)
        else:
            state = WidgetState(id=widget.id, string_value=option)
        self.widgets[widget.id] = state
        return await self.rerun()

    def downloads(self) -> list:
        return self.of_type("download_button")

    async def download(self, button) -> tuple[float, int]:
        """Click a download button: the deferred file is made by the server (a backend operation), then its
        URL fetched over HTTP. Returns (seconds, bytes)."""
        started = time.perf_counter()
        content = await self.fetch(await self.make_file(button))
        return time.perf_counter() - started, len(content)

    async def make_file(self, button) -> str:
        """The first half of a click: the server makes the deferred file; returns its URL (/media/…)."""
        started = time.perf_counter()
        url = button.url
        if button.deferred_file_id:
            msg = BackMsg()
            request_id = f"load-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
            msg.backend_operation_request.request_id = request_id
            msg.backend_operation_request.session_id = self.session_id
            msg.backend_operation_request.deferred_file.file_id = button.deferred_file_id
            await self._send(msg)
            while True:
                fwd = await self._receive(started)
                if fwd.WhichOneof("type") != "backend_operation_response":
                    continue
                answer = fwd.backend_operation_response
                if answer.request_id != request_id:
                    continue
                if answer.error_msg:
                    raise ProtocolError("download", answer.error_msg)
                url = answer.deferred_file.url
                break
        if not url:
            raise ProtocolError("download", "no URL")
        return url if url.startswith("/") else "/" + url.split("/", 3)[-1] if "://" in url else "/" + url

    async def fetch(self, path: str) -> bytes:
        """The second half of a click: the browser GETs the file's URL."""
        response = await self._get(path)
        if response.status_code != 200 or not response.content:
            raise ProtocolError("download", f"GET {path}: {response.status_code}")
        return response.content
