"""The HTTP/1.1 client the dispatcher pushes with to plain-``http`` receivers.

aiohttp's ``ClientSession`` spent about 60 µs of CPU per POST (request and response objects, tracing,
cookies, timers), as much as all the simulator's own work for a report (docs/performance.md).  A push
needs little of that: one request with a known body, the status and a bounded body back, a connection
kept alive per receiver.  This client does only that, and sends what ``ClientSession`` sent, byte for
byte: the same header order, defaults (``Accept``, ``Accept-Encoding``, ``User-Agent``) and request line
(``tests/core/test_pushclient.py`` compares the two).  The answer is parsed by httptools (llhttp, the
parser aiohttp and Node use): a ``Content-Length``, chunked or close-delimited body, read whole up to
``BODY_LIMIT`` and never decompressed (the dispatcher's session had ``auto_decompress`` off too).

``https`` receivers still go through aiohttp (certificates, SNI), and so does anything else that is not
``http``.  Errors are raised as the dispatcher already records them: ``TimeoutError`` (by the caller's
``asyncio.timeout``), ``OSError`` for a failed connect, and ``aiohttp.ClientError`` subclasses for a
receiver that closed the connection or answered something that is not HTTP.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import httptools
from aiohttp.http import SERVER_SOFTWARE
from yarl import URL

BODY_LIMIT = 1 << 20  # the answer's body kept (push_accepted looks at a few bytes): the rest is not read
KEEPALIVE = 15.0  # seconds an idle connection is kept (aiohttp's TCPConnector default)
DEFAULTS = (("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"), ("User-Agent", SERVER_SOFTWARE))


class AnswerError(aiohttp.ClientError):
    """The receiver answered something that is not an HTTP/1.x response."""


def request_head(method: str, url: URL, headers: dict[str, str], length: int) -> bytes:
    """The request line and headers ``ClientSession`` sends for ``headers`` and a body of ``length``:
    ``Host`` first (the caller's, else the URL's), the caller's headers in order, the defaults the caller
    did not give, ``Content-Length``, and ``Content-Type: application/octet-stream`` when none was given."""
    given = {name.lower() for name in headers}
    host = next((v for k, v in headers.items() if k.lower() == "host"), None)
    if host is None:
        host = url.host_port_subcomponent or ""
    lines = [f"{method} {url.raw_path_qs or '/'} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "host"]
    lines += [f"{k}: {v}" for k, v in DEFAULTS if k.lower() not in given]
    lines.append(f"Content-Length: {length}")
    if "content-type" not in given:
        lines.append("Content-Type: application/octet-stream")
    head = "\r\n".join(lines)
    if head.count("\r") != len(lines) - 1 or head.count("\n") != len(lines) - 1:  # as aiohttp refuses it
        raise ValueError("Newline or carriage return character detected in HTTP status message or header")
    return (head + "\r\n\r\n").encode("utf-8")


class _Connection(asyncio.Protocol):
    """One connection to a receiver: one request at a time, its answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body = bytearray()
        self.status = 0
        self.framed = False  # the answer says where its body ends (Content-Length or chunked)
        self.headers_done = False
        self.reusable = False
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():  # nothing asked: an idle connection is not reused
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(AnswerError(f"the answer is not HTTP/1.x: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.headers_done and not self.framed:  # a body delimited by the end of the connection
                self.waiter.set_result((self.status, bytes(self.body)))
            else:
                self.waiter.set_exception(aiohttp.ServerDisconnectedError())

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, chunk: bytes) -> None:
        room = BODY_LIMIT - len(self.body)
        if len(chunk) >= room:  # enough: the rest is not read, and the connection not reused
            self.body += chunk[:room]
            self._finish(reusable=False)
        else:
            self.body += chunk

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:  # an interim answer (100 Continue…): the real one follows
            self.headers_done = self.framed = False
            self.body.clear()
            return
        self._finish(reusable=self.parser.should_keep_alive())

    # the request
    def ask(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.body = bytearray()
        self.status = 0
        self.framed = self.headers_done = self.reusable = False
        self.transport.write(data)
        return self.waiter

    def _finish(self, reusable: bool) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            self.reusable = reusable
            waiter.set_result((self.status, bytes(self.body)))
        if not reusable:
            self.close()

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


class PushClient:
    """Kept-alive connections per receiver (host, port); the caller limits how many are in use."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._sweep: asyncio.TimerHandle | None = None

    async def request(self, method: str, url: URL, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """Send one request to a plain-http URL and return the status and the body (up to
        ``BODY_LIMIT``).  The caller bounds the time (``asyncio.timeout``); cancelled, the connection
        is closed."""
        data = request_head(method, url, headers, len(body)) + body
        key = (url.raw_host or "", url.port or 80)
        conn = self._take(key)
        if conn is None:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(_Connection, key[0], key[1])
        try:
            answer = await conn.ask(data)
        except BaseException:
            conn.close()
            raise
        if conn.reusable and not conn.closed:
            self._give_back(key, conn)
        return answer

    def _take(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing():
                return conn
        return None

    def _give_back(self, key: tuple[str, int], conn: _Connection) -> None:
        conn.waiter = None
        conn.idle_since = time.monotonic()
        self._idle.setdefault(key, []).append(conn)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(KEEPALIVE, self._close_idle)

    def _close_idle(self) -> None:
        """Close the connections idle for ``KEEPALIVE`` seconds; look again while any are left."""
        self._sweep = None
        edge = time.monotonic() - KEEPALIVE
        for key, idle in list(self._idle.items()):
            for conn in [c for c in idle if c.idle_since <= edge or c.closed]:
                idle.remove(conn)
                conn.close()
            if not idle:
                del self._idle[key]
        if self._idle:
            self._sweep = asyncio.get_running_loop().call_later(KEEPALIVE, self._close_idle)

    def close(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
