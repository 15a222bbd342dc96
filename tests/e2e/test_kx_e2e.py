"""kx end to end over real HTTP: a listening simulator, a real client, a real callback receiver."""

from tests.helpers import admin
from tests.vendors.kx.helpers import USERID, auth


async def send(http, live, **params):
    async with http.post(live.url + "/api/sms/send", data={**auth(), **params}) as r:
        return await r.json()


async def push_mode(http, live, receiver):
    status, body = await admin(
        http,
        live,
        "PATCH",
        f"/_sim/accounts/kx/{USERID}",
        json={"mode": "push", "report_url": receiver.url + "/report", "mo_url": receiver.url + "/mo"},
    )
    assert status == 200 and body["mode"] == "push"


async def test_send_advance_receiver_gets_the_report_array(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    out = await send(
        http, live_sim, mobile="13912345678,13800000001", msgcontent="验证码1234", messageid="order-9"
    )
    taskid = out["data"]["taskid"]
    status, clock = await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 3})
    assert status == 200 and clock["fired"] >= 3
    # 13800000001 fails at once (pushed after the 1 s batch interval), the other is delivered at 2 s
    first, second = receiver.path("/report")
    assert first.headers["Content-Type"] == "application/json; charset=UTF-8"
    items = first.json() + second.json()
    assert [(i["taskid"], i["messageid"], i["mobile"], i["code"]) for i in items] == [
        (taskid, "order-9", "13800000001", "UNDELIV"),
        (taskid, "order-9", "13912345678", "DELIVRD"),
    ]
    # in push mode nothing is left for the query endpoint
    async with http.get(live_sim.url + "/api/v2/sms/query", params=auth()) as r:
        assert await r.json() == {"code": "0", "msg": "成功"}
    status, cbs = await admin(http, live_sim, "GET", "/_sim/callbacks?vendor=kx")
    for attempt in cbs["callbacks"]:
        assert attempt["ok"] and attempt["status"] == 200 and attempt["response_body"] == "SUCCESS"
        assert attempt["latency_ms"] is not None and attempt["items"] == 1


async def test_reports_due_together_are_batched_in_one_array(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    mobiles = ",".join(f"1391234{i:04d}" for i in range(30))
    await send(http, live_sim, mobile=mobiles, msgcontent="x")
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 3})
    [req] = receiver.path("/report")
    assert len(req.json()) == 30


async def test_receiver_not_answering_success_is_retried_on_schedule(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    receiver.replies = [(200, "FAIL"), (500, "oops")]  # then SUCCESS
    await send(http, live_sim, mobile="13800000000", msgcontent="x")
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    assert len(receiver.path("/report")) == 1
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 9})
    assert len(receiver.path("/report")) == 1  # first retry after 10 s
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    assert len(receiver.path("/report")) == 2
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 60})
    assert len(receiver.path("/report")) == 3
    bodies = [r.json() for r in receiver.path("/report")]
    assert bodies[0] == bodies[1] == bodies[2]
    _, cbs = await admin(http, live_sim, "GET", "/_sim/callbacks?order=asc")
    assert [(a["attempt"], a["ok"], a["error"]) for a in cbs["callbacks"]] == [
        (1, False, "unexpected answer"),
        (2, False, "unexpected answer"),
        (3, True, None),
    ]
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 7200})
    assert len(receiver.path("/report")) == 3  # delivered: no more attempts


async def test_retries_are_bounded_then_given_up(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    receiver.reply = (200, "no")
    await send(http, live_sim, mobile="13800000000", msgcontent="x")
    for _ in range(8):
        await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 3600})
    assert len(receiver.path("/report")) == 6  # 1 + 5 retries
    _, cbs = await admin(http, live_sim, "GET", "/_sim/callbacks?order=asc")
    assert cbs["callbacks"][-1]["gave_up"] is True


async def test_unreachable_receiver_is_recorded(live_sim, http):
    await admin(
        http,
        live_sim,
        "PATCH",
        f"/_sim/accounts/kx/{USERID}",
        json={"mode": "push", "report_url": "http://127.0.0.1:9/nothing"},
    )
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    await send(http, live_sim, mobile="13800000000", msgcontent="x")
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    _, cbs = await admin(http, live_sim, "GET", "/_sim/callbacks?order=asc")
    [a] = cbs["callbacks"]
    assert a["status"] is None and a["error"] and a["next_retry_at"] is not None


async def test_mo_injection_reaches_the_mo_url(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    await send(http, live_sim, mobile="13912345678", msgcontent="x", extnum="88")
    status, out = await admin(
        http, live_sim, "POST", "/_sim/mo", json={"vendor": "kx", "mobile": "13912345678", "content": "好的"}
    )
    assert status == 201 and out["mo"]["account"] == USERID
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    [req] = receiver.path("/mo")
    [item] = req.json()
    assert (item["mobile"], item["msgcontent"], item["srcid"], item["id"]) == (
        "13912345678",
        "好的",
        "106901888900188",
        out["mo"]["id"],
    )


async def test_auto_reply_TD_from_the_magic_number(live_sim, receiver, http):
    await push_mode(http, live_sim, receiver)
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    await send(http, live_sim, mobile="13800000006", msgcontent="x")
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 6})
    assert [i["msgcontent"] for r in receiver.path("/mo") for i in r.json()] == ["TD"]


async def test_pull_mode_hands_out_once(live_sim, http):
    await admin(http, live_sim, "POST", "/_sim/clock/freeze")
    await send(http, live_sim, mobile="13800000000", msgcontent="x")
    await admin(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    async with http.get(live_sim.url + "/api/v2/sms/query", params=auth()) as r:
        first = await r.json()
    async with http.get(live_sim.url + "/api/v2/sms/query", params=auth()) as r:
        second = await r.json()
    assert [i["mobile"] for i in first["data"]] == ["13800000000"]
    assert second == {"code": "0", "msg": "成功"}
