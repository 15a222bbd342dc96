"""Scenario faults on the API itself, over real HTTP: bare HTTP status, dropped connection, latency."""

import time

import aiohttp
import pytest

from tests.vendors.kx.helpers import auth


async def put_scenario(http, url, text):
    async with http.put(url + "/_sim/scenario", data=text, headers={"Content-Type": "application/yaml"}) as r:
        assert r.status == 200, await r.text()


async def test_http_status_fault(live_sim, http):
    await put_scenario(
        http, live_sim.url, "rules:\n  - match: {mobile: '13911110000'}\n    fault: {http_status: 503}\n"
    )
    async with http.post(
        live_sim.url + "/api/sms/send", data={**auth(), "mobile": "13911110000", "msgcontent": "x"}
    ) as r:
        assert r.status == 503
    assert live_sim.sim.store.query_messages() == []


async def test_dropped_connection_fault(live_sim, http):
    await put_scenario(http, live_sim.url, "rules:\n  - fault: {drop: true}\n")
    with pytest.raises(aiohttp.ClientError):
        async with http.post(
            live_sim.url + "/api/sms/send", data={**auth(), "mobile": "13911110000", "msgcontent": "x"}
        ) as r:
            await r.read()
    async with http.get(live_sim.url + "/_sim/health") as r:  # the server is fine
        assert r.status == 200


async def test_latency_fault_delays_the_answer(live_sim, http):
    await put_scenario(http, live_sim.url, "rules:\n  - fault: {latency: 0.2}\n    outcome: delivered\n")
    start = time.perf_counter()
    async with http.post(
        live_sim.url + "/api/sms/send", data={**auth(), "mobile": "13911110000", "msgcontent": "x"}
    ) as r:
        assert (await r.json())["code"] == "0"
    assert time.perf_counter() - start >= 0.2


async def test_an_unexpected_exception_becomes_the_vendors_system_error(live_sim, http, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("bug")

    monkeypatch.setattr(live_sim.sim.engine, "accept", boom)
    async with http.post(
        live_sim.url + "/api/sms/send", data={**auth(), "mobile": "13911110000", "msgcontent": "x"}
    ) as r:
        assert r.status == 200
        assert await r.json() == {"code": "1", "msg": "失败"}
