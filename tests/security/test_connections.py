"""Slow and idle clients against a real ``serve`` with small timeouts (config ``server:``): slowloris heads,
idle keep-alive connections and trickled bodies are closed on time; past ``max_connections`` new
connections are closed with one log line a second at most."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import time
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from .conftest import HealthProbe


def config_file(tmp_path, **server) -> str:
    path = tmp_path / "config.yaml"
    path.write_text("server:\n" + "".join(f"  {k}: {v}\n" for k, v in server.items()))
    return str(path)


async def connect(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port)


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server closes the connection (EOF or reset) within ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(4096):
                pass
        return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def test_slowloris_heads_are_closed(serve, tmp_path):
    srv = serve("--config", config_file(tmp_path, header_timeout=1, keepalive_timeout=30))
    conns = [await connect(srv.url) for _ in range(50)]
    for _, w in conns:
        w.write(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        for _ in range(20):
            await asyncio.sleep(0.2)
            for _, w in conns:
                if not w.is_closing():
                    w.write(b"X")

    t = time.perf_counter()
    async with HealthProbe(srv.url) as probe:
        feeder = asyncio.create_task(trickle())
        results = await asyncio.gather(*(closed_within(r, 4) for r, _ in conns))
        feeder.cancel()
    assert all(results), results.count(False)
    assert time.perf_counter() - t < 4 and probe.worst < 0.5
    for _, w in conns:
        w.close()


async def test_idle_keepalive_connections_are_closed(serve, tmp_path):
    srv = serve("--config", config_file(tmp_path, keepalive_timeout=1))
    conns = [await connect(srv.url) for _ in range(50)]
    # one of them made a request first: idle after its answer
    r0, w0 = conns[0]
    w0.write(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n")
    await r0.readuntil(b"\r\n\r\n")
    results = await asyncio.gather(*(closed_within(r, 4) for r, _ in conns))
    assert all(results)
    for _, w in conns:
        w.close()


async def test_trickled_body_is_cut_off(serve, tmp_path):
    srv = serve("--config", config_file(tmp_path, read_timeout=1))
    r, w = await connect(srv.url)
    w.write(b"POST /api/sms/send HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nuserid=1")
    t = time.perf_counter()
    assert await closed_within(r, 4)
    assert time.perf_counter() - t < 3
    w.close()


async def test_connection_limit_with_quiet_log(serve, tmp_path):
    srv = serve("--config", config_file(tmp_path, max_connections=20))
    conns = [await connect(srv.url) for _ in range(60)]
    await asyncio.sleep(0.5)
    closed = await asyncio.gather(*(closed_within(r, 0.5) for r, _ in conns))
    assert closed.count(True) >= 40 - 1  # the ones past the limit
    assert closed[:20].count(True) == 0  # the first 20 are served
    lines = [line for line in srv.log().splitlines() if "connection limit reached" in line]
    assert 1 <= len(lines) <= 2, lines
    for _, w in conns:
        w.close()
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as s, s.get(srv.url + "/_sim/health") as resp:
        assert resp.status == 200  # freed connections can be used again


async def test_file_descriptor_limit_does_not_flood_the_log(serve):
    """At the descriptor limit every failed accept was logged with a traceback (2.6 MB in 5 s here)."""
    srv = serve(fds=150)
    host, port = urlsplit(srv.url).hostname, urlsplit(srv.url).port
    conns = []
    for _ in range(300):
        try:
            conns.append(await asyncio.wait_for(asyncio.open_connection(host, port), 0.3))
        except (OSError, TimeoutError):
            break
    await asyncio.sleep(1.5)
    assert len(srv.log()) < 10_000, len(srv.log())
    if importlib.util.find_spec("uvloop") is None:
        # asyncio's loop logs each failed accept: once a second at most (server.quiet_exceptions)
        assert "out of system resource" in srv.log()
    # (uvloop's libuv closes the connections it cannot take, saying nothing: no flood either)
    for _, w in conns:
        w.close()
    await asyncio.sleep(0.5)
    async with aiohttp.ClientSession() as s, s.get(srv.url + "/_sim/health") as resp:
        assert resp.status == 200  # descriptors freed: the server takes connections again


async def test_log_requests_prints_at_the_default_level(serve):
    srv = serve("--log-requests")
    async with aiohttp.ClientSession() as s, s.get(srv.url + "/api/sms/balance?userid=1") as r:
        await r.read()
    for _ in range(40):
        if "kx GET /api/sms/balance" in srv.log():
            break
        await asyncio.sleep(0.05)
    assert "kx GET /api/sms/balance -> 200" in srv.log()
    # a refused request's line ends with its diagnosis
    assert re.search(
        r"kx GET /api/sms/balance -> 200 in [\d.]+ ms: required parameter\(s\) missing or empty: ts, sign",
        srv.log(),
    )


async def test_journal_query_is_the_raw_query_string(live_sim, http):
    raw = "userid=%E4%B8%AD&msg=a+b%2Bc&x=%zz"
    async with http.get(URL(live_sim.url + "/api/sms/balance?" + raw, encoded=True)) as r:
        await r.read()
    async with http.get(live_sim.url + "/_sim/requests?limit=1") as r:
        (entry,) = (await r.json())["requests"]
    assert entry["query"] == raw
