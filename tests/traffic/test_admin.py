"""``/_sim/traffic``: the generator run inside the simulator, sending to itself over real HTTP."""

import asyncio

import pytest

from tests.helpers import admin, admin_ok


async def test_admin_starts_reports_refuses_a_second_start_and_stops(live_sim, http):
    status, body = await admin(http, live_sim, "GET", "/_sim/traffic")
    assert status == 200 and body == {"running": False, "options": None}
    status, body = await admin(
        http, live_sim, "POST", "/_sim/traffic", json={"rate": 20, "duration": 60, "seed": 4, "vendor": "kx"}
    )
    assert status == 202 and body["running"] is True
    assert body["options"]["url"] == live_sim.url and body["options"]["vendors"] == ["kx"]
    status, again = await admin(http, live_sim, "POST", "/_sim/traffic", json={})
    assert status == 409 and "already running" in again["error"] and again["traffic"]["running"]
    await asyncio.sleep(0.3)
    status, body = await admin(http, live_sim, "GET", "/_sim/traffic")
    assert body["running"] and body["sent"] >= 3
    status, body = await admin(http, live_sim, "DELETE", "/_sim/traffic")
    assert status == 200 and body["running"] is False and body["error"] is None
    assert body["accepted"] > 0 and body["vendors"]["kx"]["accepted"] == body["accepted"]
    sent = body["sent"]
    await asyncio.sleep(0.2)
    assert (await admin_ok(http, live_sim, "GET", "/_sim/traffic"))["sent"] == sent  # it did stop
    assert len(live_sim.sim.store.query_messages(vendor="kx")) == body["accepted"]


async def test_admin_run_ends_by_itself_and_can_start_again(live_sim, http):
    await admin_ok(http, live_sim, "POST", "/_sim/traffic", json={"count": 3, "rate": 100, "seed": 1})
    for _ in range(50):
        body = await admin_ok(http, live_sim, "GET", "/_sim/traffic")
        if not body["running"]:
            break
        await asyncio.sleep(0.02)
    assert body["running"] is False and body["sent"] == 3 and body["answered"] == 3
    status, _ = await admin(http, live_sim, "POST", "/_sim/traffic", json={"count": 1})
    assert status == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"duration": 1, "count": 1}, "give duration or count, not both"),
        ({"vendor": "nope"}, "unknown vendor nope"),
        ({"accounts": {"kx": "999"}}, "no kx account '999'"),
    ],
)
async def test_admin_bad_options_are_400(live_sim, http, body, message):
    status, answer = await admin(http, live_sim, "POST", "/_sim/traffic", json=body)
    assert status == 400 and message in answer["error"]
    assert (await admin_ok(http, live_sim, "GET", "/_sim/traffic"))["running"] is False
