"""More scenario chaos over real HTTP: a report before the send is answered, a report after the message
was marked expired, a slow push, and chaos on replies (MO); each survives a --db restart."""

from tests.e2e.test_chaos import callbacks, send, timeline
from tests.e2e.test_faults import put_scenario
from tests.helpers import admin_ok, advance, kx_push_to
from tests.vendors.kx.helpers import auth

SCENARIO = """
seed: 5
rules:
  - match: {mobile: "13911120001"}
    delay: 30
    chaos: {before_answer: 1}
  - match: {mobile: "13911120002"}
    outcome: delivered
    delay: 10
    chaos: {after_expiry: {delay: 600}}
  - match: {mobile: "13911120003"}
    delay: 0
    chaos: {slow_push: {delay: 45}}
  - match: {mobile: "13911120004"}
    delay: 0
    mo: [{content: 你好, delay: 5}]
    chaos: {mo: {drop: 1}}
  - match: {mobile: "13911120005"}
    delay: 0
    mo: [{content: 你好, delay: 5}]
    chaos: {mo: {duplicate: 1, duplicate_after: 20}}
  - match: {mobile: "13911120006"}
    delay: 0
    mo: [{content: 先发, delay: 5}, {content: 后发, delay: 10}]
    chaos: {mo: {late: {delay: 100}}}
  - match: {mobile: "13911120007"}
    chaos: {before_answer: 1, fail_first: 1, slow_push: {delay: 500}}
"""
KX_VALIDITY = 48 * 3600


async def setup_more(http, live, receiver=None, mo: bool = False) -> None:
    await put_scenario(http, live.url, SCENARIO)
    if receiver is not None:
        await kx_push_to(http, live, receiver.url + "/r")
        if mo:
            await admin_ok(
                http, live, "PATCH", "/_sim/accounts/kx/100001", json={"mo_url": receiver.url + "/mo"}
            )


async def poll(http, live, path: str = "/api/v2/sms/query") -> list[dict]:
    async with http.post(live.url + path, data=auth()) as r:
        return (await r.json()).get("data", [])


async def test_a_report_is_pushed_before_the_send_is_answered(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911120001")  # returns once the answer was read
    [push] = receiver.path("/r")  # no clock advance: it came while the send was being answered
    assert push.json()[0]["mobile"] == "13911120001" and push.json()[0]["code"] == "DELIVRD"
    [attempt] = await callbacks(http, live_sim, sim_id)
    assert attempt["ok"] is True and attempt["attempt"] == 1
    notes = await timeline(http, live_sim, sim_id)
    assert ("chaos", "the report is made at once and delivered before the send is answered") in notes
    assert any(s == "report" and "before the send is answered" in n for s, n in notes)
    msg = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{sim_id}")
    assert msg["status"] == "delivered"  # at once, not after the rule's 30 s
    await advance(http, live_sim, 60)
    assert len(receiver.path("/r")) == 1  # and only once


async def test_before_the_answer_the_first_attempt_fails_and_the_retry_delivers(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911120007")
    [first] = await callbacks(http, live_sim, sim_id)  # attempted (and failed) before the answer
    assert first["ok"] is False and first["held_back"] == 0  # before_answer wins over slow_push
    assert receiver.path("/r") == []
    await advance(http, live_sim, 10)  # kx's first retry delay
    assert len(receiver.path("/r")) == 1


async def test_pull_a_report_is_queued_before_the_send_is_answered(live_sim, http):
    await setup_more(http, live_sim)
    await send(http, live_sim, "13911120001")
    assert [r["mobile"] for r in await poll(http, live_sim)] == ["13911120001"]  # no clock advance


async def test_a_report_after_the_message_was_marked_expired(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911120002")
    await advance(http, live_sim, 60)
    assert receiver.path("/r") == []  # not after the rule's 10 s
    await advance(http, live_sim, KX_VALIDITY)
    msg = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{sim_id}")
    assert msg["status"] == "expired" and receiver.path("/r") == []
    await advance(http, live_sim, 600)
    [push] = receiver.path("/r")
    assert push.json()[0]["code"] == "DELIVRD"  # the carrier's word, after the expiry
    msg = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{sim_id}")
    assert msg["status"] == "delivered"
    statuses = [e["status"] for e in msg["timeline"]]
    assert statuses.index("expired") < statuses.index("delivered")
    notes = [(e["status"], e["note"]) for e in msg["timeline"]]
    assert ("expired", "the validity elapsed with no report: marked expired (chaos)") in notes
    assert ("chaos", "the carrier's report arrives after the message was marked expired") in notes


async def test_a_slow_push_is_sent_late_and_the_attempt_says_so(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver)
    sim_id = await send(http, live_sim, "13911120003")
    await advance(http, live_sim, 40)
    assert receiver.path("/r") == [] and await callbacks(http, live_sim, sim_id) == []
    await advance(http, live_sim, 10)
    assert len(receiver.path("/r")) == 1
    [attempt] = await callbacks(http, live_sim, sim_id)
    assert attempt["ok"] is True and attempt["held_back"] == 45 and attempt["attempt"] == 1
    notes = await timeline(http, live_sim, sim_id)
    assert any(s == "report" and "(chaos: a slow push, held back 45 s)" in n for s, n in notes)
    assert any(s == "callback" and n.endswith("ok (chaos: a slow push, sent 45 s late)") for s, n in notes)


async def test_a_dropped_reply_is_kept_but_never_delivered(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver, mo=True)
    sim_id = await send(http, live_sim, "13911120004")
    await advance(http, live_sim, 600)
    assert receiver.path("/mo") == []
    [mo] = (await admin_ok(http, live_sim, "GET", "/_sim/mo"))["mo"]
    assert mo["content"] == "你好"
    assert ("chaos", f"reply {mo['id']} dropped: it is never delivered") in await timeline(
        http, live_sim, sim_id
    )


async def test_a_duplicated_reply_is_pushed_twice(live_sim, http, receiver):
    await setup_more(http, live_sim, receiver, mo=True)
    sim_id = await send(http, live_sim, "13911120005")
    await advance(http, live_sim, 10)
    assert len(receiver.path("/mo")) == 1
    await advance(http, live_sim, 20)
    first, second = receiver.path("/mo")
    assert first.body == second.body and first.json()[0]["msgcontent"] == "你好"
    [mo] = (await admin_ok(http, live_sim, "GET", "/_sim/mo"))["mo"]  # one reply, delivered twice
    notes = await timeline(http, live_sim, sim_id)
    assert ("chaos", f"reply {mo['id']} will be delivered again in 20 s") in notes


async def test_pull_a_late_reply_comes_after_the_next_one(live_sim, http):
    await setup_more(http, live_sim)
    await send(http, live_sim, "13911120006")
    await advance(http, live_sim, 50)
    assert await poll(http, live_sim, "/api/v2/sms/moquery") == []  # both held back 100 s
    await advance(http, live_sim, 60)  # 先发 (sent at 5 s) is due at 105 s, 后发 at 110 s
    assert [m["msgcontent"] for m in await poll(http, live_sim, "/api/v2/sms/moquery")] == ["先发", "后发"]


async def test_chaos_timers_survive_a_db_restart(make_client, tmp_path, receiver):
    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db}, scenario_text=SCENARIO)
    await client.patch(
        "/_sim/accounts/kx/100001",
        json={"mode": "push", "report_url": receiver.url + "/r", "mo_url": receiver.url + "/mo"},
    )
    for mobile in ("13911120002", "13911120003", "13911120005"):
        r = await client.post("/api/sms/send", data={**auth(), "mobile": mobile, "msgcontent": "x"})
        assert (await r.json())["code"] == "0"
    await client.post("/_sim/clock/advance", json={"seconds": 12})  # the reply was pushed once
    assert len(receiver.path("/mo")) == 1 and receiver.path("/r") == []
    await client.close()

    again = await make_client(store={"db": db}, scenario_text=SCENARIO)
    kinds = {t.kind for t in again.sim.clock.timers()}
    assert {"engine.expire", "engine.mo_again", "push.retry"} <= kinds
    await again.post("/_sim/clock/advance", json={"seconds": 40})
    await again.sim.dispatcher.drain()
    assert len(receiver.path("/r")) == 1  # the slow push, 45 s after its flush
    assert len(receiver.path("/mo")) == 2  # the duplicated reply
    await again.post("/_sim/clock/advance", json={"seconds": KX_VALIDITY + 600})
    await again.sim.dispatcher.drain()
    late = next(m for m in again.sim.store.query_messages() if m.mobile == "13911120002")
    assert late.status == "delivered" and "expired" in [e.status for e in late.timeline]
    assert len(receiver.path("/r")) == 2


async def test_bad_chaos_is_a_clear_400_naming_the_key(live_sim, http):
    for text, where in [
        ("rules:\n  - chaos: {before_answer: 2}\n", "rules.0.chaos.before_answer"),
        ("rules:\n  - chaos: {after_expiry: {delay: validity}}\n", "rules.0.chaos.after_expiry.delay"),
        ("rules:\n  - chaos: {slow_push: {delay: -1}}\n", "rules.0.chaos.slow_push.delay"),
        ("rules:\n  - chaos: {mo: {lose_segment: 1}}\n", "rules.0.chaos.mo.lose_segment"),
    ]:
        async with http.put(
            live_sim.url + "/_sim/scenario", data=text, headers={"Content-Type": "application/yaml"}
        ) as r:
            body = await r.json()
        assert r.status == 400 and body["error"] == "invalid scenario", text
        assert any(where in p for p in body["problems"]), (where, body["problems"])
