"""Shared fixtures: an in-process simulator on a frozen clock, a real listening one, and a receiver.

- ``sim_app(**config)``: build an app (frozen clock unless ``frozen=False``), returns (app, sim).
- ``sim_client``: an aiohttp test client on the default config with a frozen clock; ``.sim`` is the Sim.
- ``make_client(**config)``: the same with config overrides (``scenario_text=`` for inline YAML).
- ``receiver``: a real HTTP server on 127.0.0.1 that records every request and answers ``.reply``.
- ``live_sim``: a real listening simulator (TCP on 127.0.0.1, random port); ``.url`` and ``.sim``.
- ``http``: an aiohttp ClientSession (admin helpers for it are in ``tests/helpers.py``).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from simulator.app import SIM_KEY, build_sim, create_app
from simulator.config import config_from_dict
from simulator.core.scenarios import parse_scenario
from simulator.core.sim import Sim

from .redisserver import new_prefix, session_redis


def make_app(frozen: bool = True, scenario_text: str | None = None, **overrides: Any) -> web.Application:
    """Seeded (ids repeat run to run, as with ``--seed``) unless ``seed=None`` is given.

    ``SIM_TEST_STORE=sqlite pytest`` runs every in-process simulator on an SQLite file (``--db``), and
    ``SIM_TEST_STORE=redis`` on a real Redis (``--redis``, one key prefix each), so the whole suite checks
    that the durable stores behave like the memory store."""
    data: dict[str, Any] = {"clock": {"frozen": frozen}, "seed": 0, **overrides}
    backend = os.environ.get("SIM_TEST_STORE")
    chosen = {"db", "redis"} & set(data.get("store", {}))  # a test that names its store keeps it
    if backend == "sqlite" and not chosen:
        folder = tempfile.mkdtemp(prefix="sim-test-db-")
        data["store"] = {**data.get("store", {}), "db": os.path.join(folder, "sim.db")}
    elif backend == "redis" and not chosen:
        data["store"] = {**data.get("store", {}), "redis": session_redis(), "redis_prefix": new_prefix()}
    config = config_from_dict(data)
    scenario = parse_scenario(scenario_text) if scenario_text is not None else None
    return create_app(config, build_sim(config, scenario))


@pytest.fixture
def sim_app():
    return make_app


@pytest.fixture
async def make_client(aiohttp_client):
    async def factory(**kwargs: Any):
        app = make_app(**kwargs)
        client = await aiohttp_client(app)
        client.sim = app[SIM_KEY]
        return client

    return factory


@pytest.fixture
async def sim_client(make_client):
    return await make_client()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str]

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    replies: list[tuple[int, str]] = field(default_factory=list)  # answered in order, then `reply`
    reply: tuple[int, str] = (200, "SUCCESS")
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def path(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait(self, count: int = 1, timeout: float = 3.0) -> list[Received]:
        """Wait (real time, bounded) until ``count`` requests have arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.requests) < count and loop.time() < deadline:
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                break
        return self.requests


@pytest.fixture
async def receiver(aiohttp_server):
    rec = Receiver()

    async def handle(request: web.Request) -> web.Response:
        rec.requests.append(
            Received(
                request.method, request.path, dict(request.headers), await request.read(), dict(request.query)
            )
        )
        rec.event.set()
        status, text = rec.replies.pop(0) if rec.replies else rec.reply
        return web.Response(status=status, text=text)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    rec.url = str(server.make_url("")).rstrip("/")
    return rec


@pytest.fixture
async def http():
    """A plain aiohttp client session, as a customer's code would use."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class LiveSim:
    url: str
    sim: Sim


@pytest.fixture
async def live_sim(aiohttp_server):
    app = make_app()
    server = await aiohttp_server(app, host="127.0.0.1")
    return LiveSim(str(server.make_url("")).rstrip("/"), app[SIM_KEY])
