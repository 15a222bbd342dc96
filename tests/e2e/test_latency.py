"""Scenario `latency`: real time before a vendor endpoint answers, per vendor and path, over real HTTP."""

import time

from tests.e2e.test_faults import put_scenario
from tests.helpers import admin_ok
from tests.vendors.kx.helpers import auth

SEND = "/api/sms/send"


async def timed(http, url, path, **kw) -> float:
    start = time.perf_counter()
    async with http.post(url + path, **kw) as r:
        assert r.status == 200
        await r.read()
    return time.perf_counter() - start


async def test_fixed_latency_on_one_endpoint_only(live_sim, http):
    await put_scenario(http, live_sim.url, f"latency:\n  - {{vendor: kx, path: {SEND}, delay: 0.05}}\n")
    send = await timed(http, live_sim.url, SEND, data={**auth(), "mobile": "13911110000", "msgcontent": "x"})
    balance = await timed(http, live_sim.url, "/api/sms/balance", data=auth())
    other_vendor = await timed(http, live_sim.url, "/sms", data={"x": "1"})  # smsgw: an error, not delayed
    assert 0.05 <= send < 1.0
    assert balance < 0.05 and other_vendor < 0.05
    # the request journal's latency includes the wait
    journal = await admin_ok(http, live_sim, "GET", "/_sim/requests", params={"vendor": "kx"})
    assert [r["latency_ms"] >= 50 for r in journal["requests"] if r["path"] == SEND] == [True]


async def test_uniform_latency_for_every_endpoint_of_a_vendor_and_errors_too(live_sim, http):
    await put_scenario(http, live_sim.url, "latency:\n  - {vendor: [kx], delay: {min: 0.03, max: 0.06}}\n")
    bad_auth = {**auth(), "sign": "0" * 32}
    times = [await timed(http, live_sim.url, "/api/sms/balance", data=bad_auth) for _ in range(4)]
    assert all(0.03 <= t < 1.0 for t in times), times


async def test_first_matching_entry_wins_and_lognormal_is_bounded(live_sim, http):
    await put_scenario(
        http,
        live_sim.url,
        "seed: 7\nlatency:\n"
        f"  - {{path: {SEND}, delay: {{lognormal: {{median: 0.03, sigma: 0.3}}}}}}\n"
        "  - {delay: 0}\n",
    )
    start = time.perf_counter()
    sends = [
        await timed(http, live_sim.url, SEND, data={**auth(), "mobile": "13911110000", "msgcontent": "x"})
        for _ in range(5)
    ]
    assert time.perf_counter() - start < 3.0
    assert min(sends) >= 0.01  # exp(-0.3 * 4) * 0.03 ≈ 0.009 is about the lowest a 4σ draw gives
    assert await timed(http, live_sim.url, "/api/sms/balance", data=auth()) < 0.03
