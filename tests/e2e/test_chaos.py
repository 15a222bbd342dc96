"""Scenario `chaos` on reports over real HTTP: dropped, duplicated, late, a failing first push, and a
long message's lost segment report."""

from tests.e2e.test_faults import put_scenario
from tests.helpers import admin_ok, advance, kx_push_to, kx_send_live
from tests.vendors.huawei.send_helpers import LONG_ACCOUNT, batch, long_form, settle, verify_form, wsse
from tests.vendors.kx.helpers import auth

SCENARIO = """
seed: 1
rules:
  - match: {mobile: "13911110001"}
    delay: 0
    chaos: {duplicate: 1, duplicate_after: 5}
  - match: {mobile: "13911110002"}
    delay: 0
    chaos: {drop: 1}
  - match: {mobile: "13911110003"}
    delay: 0
    chaos: {late: {delay: 30}}
  - match: {mobile: "13911110004"}
    delay: 0
    chaos: {fail_first: 1}
"""


async def setup(http, live, receiver=None) -> None:
    await put_scenario(http, live.url, SCENARIO)
    if receiver is not None:
        await kx_push_to(http, live, receiver.url + "/r")


async def send(http, live, mobile: str) -> str:
    await kx_send_live(http, live, mobile)
    found = await admin_ok(http, live, "GET", "/_sim/messages", params={"mobile": mobile, "limit": 1})
    return found["messages"][0]["sim_id"]


async def timeline(http, live, sim_id: str) -> list[tuple[str, str]]:
    msg = await admin_ok(http, live, "GET", f"/_sim/messages/{sim_id}")
    return [(e["status"], e["note"]) for e in msg["timeline"]]


async def callbacks(http, live, sim_id: str) -> list[dict]:
    return (await admin_ok(http, live, "GET", "/_sim/callbacks", params={"message": sim_id}))["callbacks"]


async def test_a_duplicated_report_is_pushed_twice(live_sim, http, receiver):
    await setup(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911110001")
    await advance(http, live_sim, 2)
    assert len(receiver.path("/r")) == 1
    await advance(http, live_sim, 5)
    assert len(receiver.path("/r")) == 2
    assert receiver.path("/r")[0].body == receiver.path("/r")[1].body
    assert [c["ok"] for c in await callbacks(http, live_sim, sim_id)] == [True, True]
    notes = await timeline(http, live_sim, sim_id)
    assert ("chaos", f"report {sim_id}/1 will be delivered again in 5 s") in notes
    assert any(s == "report" and n.startswith("chaos (duplicate): queued for push") for s, n in notes)


async def test_a_dropped_report_never_arrives(live_sim, http, receiver):
    await setup(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911110002")
    await advance(http, live_sim, 600)
    assert receiver.path("/r") == [] and await callbacks(http, live_sim, sim_id) == []
    msg = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{sim_id}")
    assert msg["status"] == "delivered"  # the carrier delivered it; only the report is lost
    assert ("chaos", f"report {sim_id}/1 dropped: it is never delivered") in await timeline(
        http, live_sim, sim_id
    )


async def test_a_late_report_is_pushed_after_its_delay(live_sim, http, receiver):
    await setup(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911110003")
    await advance(http, live_sim, 20)
    assert receiver.path("/r") == []
    await advance(http, live_sim, 15)
    assert len(receiver.path("/r")) == 1
    assert ("chaos", f"report {sim_id}/1 held back 30 s") in await timeline(http, live_sim, sim_id)


async def test_the_first_push_attempt_fails_then_the_retry_arrives(live_sim, http, receiver):
    await setup(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911110004")
    await advance(http, live_sim, 2)
    assert receiver.path("/r") == []
    [first] = await callbacks(http, live_sim, sim_id)
    assert first["ok"] is False and first["error"].startswith(
        "chaos: the carrier's first push attempt failed"
    )
    assert first["next_retry_at"] is not None
    await advance(http, live_sim, 60)
    assert len(receiver.path("/r")) == 1
    assert [(c["attempt"], c["ok"]) for c in await callbacks(http, live_sim, sim_id)] == [
        (2, True),
        (1, False),
    ]


async def test_pull_a_late_report_shows_up_only_in_a_later_poll(live_sim, http):
    await setup(http, live_sim)

    async def poll() -> list[dict]:
        async with http.post(live_sim.url + "/api/v2/sms/query", data=auth()) as r:
            return (await r.json()).get("data", [])

    await send(http, live_sim, "13911110003")
    await advance(http, live_sim, 10)
    assert await poll() == []
    await advance(http, live_sim, 25)
    assert [r["mobile"] for r in await poll()] == ["13911110003"]


LOSE_SEGMENT = "seed: 3\nrules:\n  - match: {vendor: huawei}\n    chaos: {lose_segment: 1}\n"


async def test_huawei_a_long_message_loses_one_segments_report(make_client, receiver):
    client = await make_client(accounts=[LONG_ACCOUNT], scenario_text=LOSE_SEGMENT)
    _status, body = await batch(
        client, long_form(statusCallback=receiver.url + "/r"), wsse("hwlongapp", "hwlongsecret")
    )
    assert body["result"][0]["total"] == 2
    await settle(client)
    [push] = receiver.path("/r")  # one of the two segments' reports never comes
    assert "total=2" in push.text()
    [msg] = client.sim.store.query_messages()
    assert msg.status == "delivered" and len(msg.reports) == 1
    lost = 3 - msg.reports[0].segment
    assert ("chaos", f"the report of segment {lost} of 2 is lost: never made") in [
        (e.status, e.note) for e in msg.timeline
    ]


async def test_huawei_a_one_segment_message_keeps_its_report(make_client, receiver):
    client = await make_client(scenario_text=LOSE_SEGMENT)
    _status, body = await batch(client, verify_form(to="13912345678", statusCallback=receiver.url + "/r"))
    assert body["code"] == "000000"
    await settle(client)
    assert len(receiver.path("/r")) == 1
