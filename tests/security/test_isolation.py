"""Noisy neighbours: a callback receiver that hangs delays nobody else's callbacks, and event-stream
readers that never read are dropped instead of slowing the simulator down."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp import web

from simulator.app import SIM_KEY
from simulator.core import dispatch
from simulator.core.plugin import OutboundRequest

from .conftest import HealthProbe


async def test_hanging_receiver_delays_nobody_else(aiohttp_server, sim_app):
    hang = asyncio.Event()

    async def hanging(request: web.Request) -> web.Response:
        await hang.wait()
        return web.Response(text="late")

    async def healthy(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    apps = []
    for handler in (hanging, healthy):
        app = web.Application()
        app.router.add_post("/cb", handler)
        apps.append(await aiohttp_server(app, host="127.0.0.1"))
    a_url, b_url = (str(s.make_url("/cb")) for s in apps)
    d = sim_app()[SIM_KEY].dispatcher
    await d.start()
    try:

        async def send(url: str, timeout: float) -> tuple[str, float]:
            t = time.perf_counter()
            req = OutboundRequest(url, b"x", {"Content-Type": "text/plain"})
            try:
                status, _ = await d._send(req, timeout)
                result = str(status)
            except TimeoutError:
                result = "timeout"
            return result, time.perf_counter() - t

        # 210 callbacks hang on A: more than the old shared pool of 200 connections
        a_tasks = [asyncio.create_task(send(a_url, 5.0)) for _ in range(210)]
        await asyncio.sleep(0.2)
        b_results = await asyncio.gather(*(send(b_url, 1.0) for _ in range(20)))
        assert all(r == "200" for r, _ in b_results), b_results  # before: B timed out waiting for A
        assert max(t for _, t in b_results) < 0.5, b_results
        hang.set()
        await asyncio.gather(*a_tasks)
        hang.clear()
        # A's timeout counts from when each callback is sent: with 40 queued on A's 20 connections,
        # the second 20 wait for the first to time out (0.25 s) and then get their own 0.25 s
        a_results = await asyncio.gather(*(send(a_url, 0.25) for _ in range(40)))
        assert all(r == "timeout" for r, _ in a_results)
        took = sorted(t for _, t in a_results)
        assert all(0.2 < t < 0.45 for t in took[: dispatch.PER_DESTINATION]), took
        assert all(0.45 < t < 1.0 for t in took[dispatch.PER_DESTINATION :]), took
    finally:
        hang.set()
        await d.close()


async def test_event_stream_readers_that_never_read_are_dropped(live_sim, http):
    """Readers that never read: their queue fills and they are dropped; health stays fast."""
    sim = live_sim.sim
    readers = []
    for _ in range(20):
        r, w = await asyncio.open_connection("127.0.0.1", int(live_sim.url.rsplit(":", 1)[1]))
        w.write(b"GET /_sim/events HTTP/1.1\r\nHost: x\r\n\r\n")
        readers.append((r, w))
    await asyncio.sleep(0.3)
    assert len(sim.bus._queues) == 20
    async with HealthProbe(live_sim.url) as probe:
        for i in range(1500):  # more than a queue holds
            sim.bus.publish("test", n=i, pad="x" * 2000)
            if i % 100 == 0:
                await asyncio.sleep(0)
        await asyncio.sleep(0.5)
    assert len(sim.bus._queues) == 0  # every never-reading reader was dropped
    assert probe.worst < 0.5
    # a reader that does read still gets its events
    async with (
        aiohttp.ClientSession() as s,
        s.get(live_sim.url + "/_sim/events", timeout=aiohttp.ClientTimeout(total=5)) as resp,
    ):
        await asyncio.sleep(0.1)
        sim.bus.publish("hello", n=1)
        line = await resp.content.readline()
        assert line.startswith(b"event: hello")
    for _, w in readers:
        w.close()
