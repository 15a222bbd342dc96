"""The dispatcher's plain-http push client (core/pushclient.py) against raw socket receivers: what it sends
is what aiohttp's ClientSession sent, byte for byte, and every way a receiver can answer (or not) ends in
a status and body or in one of the errors the dispatcher records."""

from __future__ import annotations

import asyncio
import contextlib
import gzip

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from simulator.core import pushclient
from simulator.core.pushclient import AnswerError, PushClient

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nSUCCESS"


class Raw:
    """A receiver on a raw socket: records each request's bytes and answers with ``answers`` in turn
    (the last one repeated); an answer of None closes the connection without a word."""

    def __init__(self, *answers: bytes | None, close_after: bool = False) -> None:
        self.answers = list(answers) or [OK]
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Raw:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.server is not None
        self.server.close()

    def url(self, path: str = "/report") -> URL:
        return URL(f"http://127.0.0.1:{self.port}{path}")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


HEADER_SETS = [
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "application/json; charset=UTF-8"},
    {"appId": "EUCP-EMY-SMS1-DEMO1", "Content-Type": "application/octet-stream"},
    # huawei's signed pushes carry their own Host (signed), which goes first
    {
        "Content-Type": "application/json",
        "X-Sdk-Date": "20261130T120000Z",
        "Host": "example.com:8443",
        "Authorization": "SDK-HMAC-SHA256 Access=a",
    },
    {"User-Agent": "mine", "accept": "text/plain"},
    {},
]


@pytest.mark.parametrize("headers", HEADER_SETS)
@pytest.mark.parametrize("path", ["/report", "/cb/path?a=1&b=%E4", "/p a/ü?q=ü x#frag", ""])
async def test_a_push_is_sent_byte_for_byte_as_aiohttp_sent_it(headers, path):
    body = "sequence=1&status=DELIVRD&中=文".encode()
    async with Raw(OK) as theirs, Raw(OK) as ours:
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            url = str(theirs.url(path))
            async with session.request("POST", url, data=body, headers=headers, allow_redirects=False) as r:
                await r.read()
        client = PushClient()
        assert await client.request("POST", ours.url(path), headers, body) == (200, b"SUCCESS")
        client.close()
    expected = theirs.requests[0].replace(f":{theirs.port}".encode(), f":{ours.port}".encode())
    assert ours.requests[0] == expected


def test_a_header_with_a_line_break_is_refused_as_aiohttp_refused_it():
    with pytest.raises(ValueError, match="Newline or carriage return"):
        pushclient.request_head("POST", URL("http://h/x"), {"appId": "a\r\nX-Injected: 1"}, 0)
    with pytest.raises(ValueError):
        pushclient.request_head("POST", URL("http://h/x"), {"a\nb": "1"}, 0)


@pytest.mark.parametrize(
    "answer, expected",
    [
        (OK, (200, b"SUCCESS")),
        (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nnope", (500, b"nope")),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nSUC\r\n4\r\nCESS\r\n0\r\n\r\n",
            (200, b"SUCCESS"),
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", (200, b"OK")),
        (b"HTTP/1.1 204 No Content\r\n\r\n", (204, b"")),
        # not decompressed: the receiver's bytes as they came (the session had auto_decompress off)
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 27\r\n\r\n"
            + gzip.compress(b"SUCCESS", mtime=0),
            (200, gzip.compress(b"SUCCESS", mtime=0)),
        ),
    ],
)
async def test_every_framing_of_an_answer_gives_its_status_and_body(answer, expected):
    async with Raw(answer) as rec:
        client = PushClient()
        assert await client.request("POST", rec.url(), {}, b"x") == expected
        client.close()


async def test_a_body_ended_by_closing_the_connection_is_read_whole():
    async with Raw(b"HTTP/1.0 200 OK\r\n\r\nSUCC" + b"ESS", close_after=True) as rec:
        client = PushClient()
        assert await client.request("POST", rec.url(), {}, b"x") == (200, b"SUCCESS")
        assert await client.request("POST", rec.url(), {}, b"y") == (200, b"SUCCESS")
        assert rec.connections == 2  # nothing kept of a closed connection
        client.close()


async def test_connections_are_kept_alive_and_reused_until_the_receiver_closes_them():
    async with Raw(OK) as rec:
        client = PushClient()
        for _ in range(5):
            assert await client.request("POST", rec.url(), {}, b"x") == (200, b"SUCCESS")
        assert rec.connections == 1
        client.close()
    async with Raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK") as rec:
        client = PushClient()
        for _ in range(3):
            assert await client.request("POST", rec.url(), {}, b"x") == (200, b"OK")
        assert rec.connections == 3
        client.close()


async def test_an_idle_connection_the_receiver_closed_is_not_used_again():
    async with Raw(OK, close_after=True) as rec:
        client = PushClient()
        assert await client.request("POST", rec.url(), {}, b"x") == (200, b"SUCCESS")
        for _ in range(20):  # the receiver's close arrives
            await asyncio.sleep(0.005)
        assert await client.request("POST", rec.url(), {}, b"y") == (200, b"SUCCESS")
        assert rec.connections == 2
        client.close()


async def test_idle_connections_are_closed_after_the_keepalive(monkeypatch):
    monkeypatch.setattr(pushclient, "KEEPALIVE", 0.05)
    async with Raw(OK) as rec:
        client = PushClient()
        await client.request("POST", rec.url(), {}, b"x")
        (conn,) = client._idle[("127.0.0.1", rec.port)]
        for _ in range(40):
            await asyncio.sleep(0.01)
            if conn.closed:
                break
        assert conn.closed and not client._idle
        assert await client.request("POST", rec.url(), {}, b"y") == (200, b"SUCCESS")
        assert rec.connections == 2
        client.close()


async def test_a_long_answer_is_cut_at_the_limit_and_its_connection_dropped(monkeypatch):
    monkeypatch.setattr(pushclient, "BODY_LIMIT", 10)
    async with Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n" + b"x" * 30) as rec:
        client = PushClient()
        assert await client.request("POST", rec.url(), {}, b"x") == (200, b"x" * 10)
        assert not client._idle
        client.close()


async def test_a_receiver_that_closes_without_answering_is_a_disconnect():
    async with Raw(None) as rec:
        client = PushClient()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await client.request("POST", rec.url(), {}, b"x")
        client.close()
    async with Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close_after=True) as rec:
        client = PushClient()
        with pytest.raises(aiohttp.ServerDisconnectedError):  # the body was cut short
            await client.request("POST", rec.url(), {}, b"x")
        client.close()


async def test_an_answer_that_is_not_http_is_an_answer_error():
    async with Raw(b"SUCCESS\r\n\r\n") as rec:
        client = PushClient()
        with pytest.raises(AnswerError, match="not HTTP"):
            await client.request("POST", rec.url(), {}, b"x")
        assert not client._idle
        client.close()


async def test_a_refused_connection_is_an_os_error():
    async with Raw() as rec:
        port = rec.port
    client = PushClient()
    with pytest.raises(OSError):
        await client.request("POST", URL(f"http://127.0.0.1:{port}/x"), {}, b"x")


async def test_a_receiver_that_never_answers_times_out_and_its_connection_is_closed():
    got: list[asyncio.StreamWriter] = []

    async def silent(reader, writer):
        got.append(writer)
        await reader.read(1)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = PushClient()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await client.request("POST", URL(f"http://127.0.0.1:{port}/x"), {}, b"x")
    assert not client._idle
    for _ in range(50):  # the receiver sees the connection closed
        await asyncio.sleep(0.01)
        if got and got[0].transport.is_closing():
            break
    server.close()
    with contextlib.suppress(Exception):
        got[0].close()


async def test_the_dispatcher_pushes_http_with_this_client_and_https_through_aiohttp(sim_client, receiver):
    """An http statusCallback goes out on a kept-alive connection of the push client; an https one
    through aiohttp's session, with its certificate checks: a self-signed receiver is refused."""
    from aiohttp import web

    from simulator.tls import server_context
    from tests.vendors.huawei.send_helpers import batch, settle, verify_form

    app = web.Application()
    app.router.add_post("/status", lambda request: web.Response(text="ok"))
    runner = web.AppRunner(app)
    await runner.setup()
    ctx, _cert = server_context(None, None, "127.0.0.1")
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        for cb in (f"{receiver.url}/status", f"https://127.0.0.1:{port}/status"):
            _status, body = await batch(sim_client, verify_form(statusCallback=cb))
            assert body["code"] == "000000"
        await settle(sim_client)
    finally:
        await runner.cleanup()
    plain, tls = sorted(sim_client.sim.store.attempts(vendor="huawei"), key=lambda a: a.url)
    assert plain.url.startswith("http://") and plain.ok and len(receiver.requests) == 1
    assert tls.url.startswith("https://") and not tls.ok and "certificate" in (tls.error or "").lower()
    client = sim_client.sim.dispatcher._client
    assert client is not None and sum(len(idle) for idle in client._idle.values()) == 1


def _framed(body: bytes, framing: str, sizes: list[int]) -> bytes:
    """An answer carrying ``body``: by Content-Length, chunked (chunks of ``sizes``), or to the close."""
    if framing == "length":
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    if framing == "close":
        return b"HTTP/1.0 200 OK\r\n\r\n" + body
    out, i = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"], 0
    for size in [*sizes, len(body)]:
        piece = body[i : i + max(1, size)]
        if piece:
            out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        i += len(piece)
    out.append(b"0\r\n\r\n")
    return b"".join(out)


@settings(max_examples=60, deadline=None)
@given(
    body=st.integers(0, 3000).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    framing=st.sampled_from(["length", "chunked", "close"]),
    sizes=st.lists(st.integers(1, 700), max_size=8),
    cuts=st.lists(st.integers(1, 4000), max_size=12),
)
def test_an_answer_in_any_framing_cut_anywhere_gives_its_body_whole(body, framing, sizes, cuts):
    """However the receiver frames its answer and however TCP cuts it, the body comes back whole."""
    answer = _framed(body, framing, sizes)
    edges = sorted({c for c in cuts if c < len(answer)})

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\nx")
        for a, b in zip([0, *edges], [*edges, len(answer)], strict=True):
            writer.write(answer[a:b])
            await writer.drain()
            await asyncio.sleep(0.001)  # a separate segment each
        if framing == "close":
            writer.close()
        else:
            await reader.read(1)  # held open until the client goes

    async def run() -> tuple[int, bytes]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = PushClient()
        try:
            async with asyncio.timeout(5):
                return await client.request("POST", URL(f"http://127.0.0.1:{port}/r"), {}, b"x")
        finally:
            client.close()
            server.close()

    assert asyncio.run(run()) == (200, body)
