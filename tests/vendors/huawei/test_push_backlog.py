"""A backlog of statusCallback reports (one POST each) to one receiver: the dispatcher's workers take
them in turn, never more than its per-destination limit at a time, each pushed once."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from aiohttp import web

from simulator.core import dispatch

from .send_helpers import batch, settle, verify_form


async def test_a_backlog_goes_out_through_at_most_the_destination_limit_each_once(sim_client, aiohttp_server):
    seen: list[str] = []
    in_flight = peak = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            seen.append(dict(parse_qsl((await request.read()).decode()))["smsMsgId"])
            await asyncio.sleep(0.01)  # slower than the dispatcher: the backlog waits for workers
            return web.Response(text="ok")
        finally:
            in_flight -= 1

    app = web.Application()
    app.router.add_post("/status", slow)
    server = await aiohttp_server(app, host="127.0.0.1")
    cb = str(server.make_url("/status"))
    numbers = ",".join(f"139{n:08d}" for n in range(150))
    _status, body = await batch(sim_client, verify_form(to=numbers, statusCallback=cb))
    assert body["code"] == "000000"
    sent = [r["smsMsgId"] for r in body["result"]]
    await settle(sim_client)
    d = sim_client.sim.dispatcher
    assert sorted(seen) == sorted(sent)  # every report once
    assert peak == dispatch.PER_DESTINATION  # the limit, used in full
    assert not d._queues and not d._workers and not d._tasks  # workers end with their queue
    attempts = sim_client.sim.store.attempts(vendor="huawei")
    assert len(attempts) == 150 and all(a.ok and a.attempt == 1 for a in attempts)
