"""Attack on issue 21 (deploy/haproxy.cfg): one unauthenticated client locks every user out.

The proxy has `maxconn 1000` per app process, `timeout tunnel 1h` for websockets and no limit per
client address (no stick table, no `conn_cur`/`conn_rate` rule). A Streamlit websocket needs no sign-in:
GET /_stcore/health gives the XSRF cookie, then `/_stcore/stream` with subprotocols ["streamlit", xsrf]
opens a session (the sign-in page). Found by hand on the real two-process cluster
(`python -m deploy.cluster --processes 2 --port 8650 --postgres`): one client at 127.0.0.1 opened 2 000
such websockets in a few seconds (1 000 pinned to each process with a forged `TK_NODE=app1/app2`, no
errors, all still open 20 s later; app memory +50 MB); every other request then got HAProxy's 503 after
5 s (`GET /` and `GET /_stcore/health`: 503 in 5.0 s) — for up to an hour, as long as the tunnels
are idle-pinged. Here a stub backend that answers an upgrade with 101 and keeps the tunnel stands in
for Streamlit (one process: 1 000 slots), so the test needs no app; the behaviour is the shipped
configuration's.
"""

from __future__ import annotations

import asyncio
import resource
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import shipped_proxy

ATTACKER_TUNNELS = 1000  # the shipped maxconn of one app process


async def _stub(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"upgrade: websocket" in head.lower():
                writer.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                )
                await writer.drain()
                while await reader.read(65536):
                    pass
                return
            body = b"ok"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 8192), hard), hard))
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(_stub, "127.0.0.1", 0, backlog=4096))
    threading.Thread(target=loop.run_forever, daemon=True).start()
    with shipped_proxy(server.sockets[0].getsockname()[1]) as (_, port):
        yield port
    loop.call_soon_threadsafe(loop.stop)


async def _tunnels(port: int, count: int) -> list:
    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"GET /_stcore/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            b"Cookie: TK_NODE=app1\r\n\r\n"
        )
        await writer.drain()
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        return writer

    opened = []
    for _ in range(count // 100):
        opened += [
            w
            for w in await asyncio.gather(*(one() for _ in range(100)), return_exceptions=True)
            if not isinstance(w, BaseException)
        ]
    return opened


def test_one_client_cannot_take_every_connection_slot(proxy):
    port = proxy

    async def attack():
        held = await _tunnels(port, ATTACKER_TUNNELS)
        started = time.time()
        try:
            status = await asyncio.to_thread(_status, f"http://127.0.0.1:{port}/_stcore/health")
        finally:
            for w in held:
                w.close()
        return len(held), status, time.time() - started

    held, status, seconds = asyncio.run(attack())
    assert held >= ATTACKER_TUNNELS - 5, f"the attack itself did not get going: {held} tunnels"
    assert status == 200, (
        f"one unauthenticated client holds {held} websocket tunnels (timeout tunnel 1h); another user's "
        f"request got {status} after {seconds:.1f} s"
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
