"""``/_sim/traffic``: start, watch and stop the traffic generator inside the simulator process.

The generator sends to this very server over real HTTP (the address the admin request came in on), with
the server's own accounts, so the messages, timelines and replies it makes are exactly those a client
would.  One run at a time; the last run's counters stay readable after it ends.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from ..core.sim import Sim
from ..traffic import OptionError, Traffic, parse_options, pick_credentials
from ..vendors.base import own_url
from .routes import AdminError, admin, answer, json_body

STOP_WAIT = 5.0  # seconds DELETE waits for the requests in flight


def setup_traffic(app: web.Application, sim: Sim, admin_token: str | None = None) -> None:
    current: dict[str, Traffic | asyncio.Task[None] | None] = {"traffic": None, "task": None}

    def state() -> dict:
        traffic = current["traffic"]
        if isinstance(traffic, Traffic):
            return traffic.status()
        return {"running": False, "options": None}

    @admin
    async def start(request: web.Request) -> web.Response:
        body = await json_body(request, required=False)
        running = current["traffic"]
        if isinstance(running, Traffic) and running.running:
            raise AdminError(409, "traffic is already running (DELETE /_sim/traffic)", traffic=state())
        own = "url" not in body or body["url"] is None
        try:
            options = parse_options({**body, "url": own_url(request) if own else body["url"]})
            creds = pick_credentials(sim.accounts.list(), options)
        except OptionError as e:
            raise AdminError(400, str(e)) from None
        traffic = Traffic(options, creds, verify_tls=not own, admin_token=admin_token if own else None)
        current["traffic"] = traffic
        current["task"] = asyncio.create_task(traffic.run())
        await asyncio.sleep(0)  # let it start, so the answer already says running
        return answer(traffic.status(), 202)

    @admin
    async def status(request: web.Request) -> web.Response:
        return answer(state())

    @admin
    async def stop(request: web.Request) -> web.Response:
        await halt(STOP_WAIT)
        return answer(state())

    async def halt(wait: float) -> None:
        traffic, task = current["traffic"], current["task"]
        if isinstance(traffic, Traffic):
            traffic.stop()
        if isinstance(task, asyncio.Task) and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), wait)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def on_shutdown(app: web.Application) -> None:
        await halt(0.5)

    app.on_shutdown.append(on_shutdown)
    app.router.add_post("/_sim/traffic", start)
    app.router.add_get("/_sim/traffic", status)
    app.router.add_delete("/_sim/traffic", stop)
