"""smsgw push end to end over real HTTP: one JSON array mixing reports and MO, retried until `OK`."""

from __future__ import annotations

from tests.helpers import admin_ok

from .helpers import ACCOUNT, EXTNO, PASSWORD, advance, send


async def gw(http, live, **params):
    async with http.post(live.url + "/sms", data={"account": ACCOUNT, "password": PASSWORD, **params}) as r:
        assert r.status == 200
        return await r.json()


async def test_push_mixes_report_and_mo_and_is_retried_until_ok(live_sim, receiver, http):
    receiver.replies = [(200, "FAIL"), (500, "oops")]  # then OK
    receiver.reply = (200, "OK")
    await admin_ok(
        http,
        live_sim,
        "PATCH",
        f"/_sim/accounts/smsgw/{ACCOUNT}",
        json={"mode": "push", "report_url": receiver.url + "/push"},
    )
    out = await gw(http, live_sim, action="send", mobile="13800000000", content="验证码", extno=EXTNO)
    mid = out["list"][0]["mid"]
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 0})  # the report is due
    await admin_ok(
        http,
        live_sim,
        "POST",
        "/_sim/mo",
        json={"vendor": "smsgw", "mobile": "13800000000", "content": "收到", "account": ACCOUNT},
    )
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})  # batch interval
    [first] = receiver.path("/push")
    assert first.method == "POST"
    assert first.headers["Content-Type"] == "application/json; charset=UTF-8"
    items = first.json()
    assert [(i["flag"], i["mid"] if i["flag"] else "mo", i["mobile"]) for i in items] == [
        (1, mid, "13800000000"),
        (0, "mo", "13800000000"),
    ]
    report, mo = items
    assert report["stat"] == "DELIVRD" and "content" not in report
    assert report["spid"] == ACCOUNT and report["accessCode"] == EXTNO
    assert mo["content"] == "收到" and "stat" not in mo and len(mo["mid"]) == 16
    assert set(report) == {"flag", "mid", "spid", "accessCode", "mobile", "stat", "time"}
    assert set(mo) == {"flag", "mid", "spid", "accessCode", "mobile", "content", "time"}

    # FAIL is not OK: retried after 10 s; a 500 again after 60 s more; then OK ends it
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 9})
    assert len(receiver.path("/push")) == 1
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 1})
    assert len(receiver.path("/push")) == 2
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 60})
    pushes = receiver.path("/push")
    assert len(pushes) == 3 and all(p.body == first.body for p in pushes)
    await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": 7200})
    assert len(receiver.path("/push")) == 3

    cbs = (await admin_ok(http, live_sim, "GET", "/_sim/callbacks?vendor=smsgw&order=asc"))["callbacks"]
    assert [(c["attempt"], c["ok"], c["response_body"]) for c in cbs] == [
        (1, False, "FAIL"),
        (2, False, "oops"),
        (3, True, "OK"),
    ]
    assert all(c["items"] == 2 and c["stream"] == "push" for c in cbs)
    # pushed, so nothing is left to poll
    assert (await gw(http, live_sim, action="report"))["list"] == []
    assert (await gw(http, live_sim, action="mo"))["list"] == []


async def test_push_gives_up_after_the_last_retry(live_sim, receiver, http):
    receiver.reply = (200, "ok")  # only "OK" counts
    await admin_ok(
        http,
        live_sim,
        "PATCH",
        f"/_sim/accounts/smsgw/{ACCOUNT}",
        json={"mode": "push", "report_url": receiver.url + "/r"},
    )
    await gw(http, live_sim, action="send", mobile="13800000000", content="x", extno=EXTNO)
    for seconds in (1, 10, 60, 300, 900, 3600, 3600):
        await admin_ok(http, live_sim, "POST", "/_sim/clock/advance", json={"seconds": seconds})
    cbs = (await admin_ok(http, live_sim, "GET", "/_sim/callbacks?vendor=smsgw&order=asc"))["callbacks"]
    assert len(cbs) == 6 and not any(c["ok"] for c in cbs) and cbs[-1]["gave_up"]


async def test_auto_reply_and_report_share_one_array(make_client, receiver):
    receiver.reply = (200, "OK")
    client = await make_client(
        vendors={"smsgw": {"batch_interval": 10}},
        accounts=[
            {
                "vendor": "smsgw",
                "id": ACCOUNT,
                "secret": PASSWORD,
                "mode": "push",
                "report_url": receiver.url + "/cb",
                "options": {"extno": EXTNO},
            }
        ],
    )
    await send(client, "13800000006")  # delivered at once, the phone answers TD 5 s later
    await advance(client, 9)
    assert receiver.requests == []
    await advance(client, 1)
    [req] = receiver.path("/cb")
    assert [(i["flag"], i.get("stat"), i.get("content")) for i in req.json()] == [
        (1, "DELIVRD", None),
        (0, None, "TD"),
    ]


async def test_mo_url_is_used_for_mo_when_it_differs(make_client, receiver):
    receiver.reply = (200, "OK")
    client = await make_client(
        accounts=[
            {
                "vendor": "smsgw",
                "id": ACCOUNT,
                "secret": PASSWORD,
                "mode": "push",
                "report_url": receiver.url + "/reports",
                "mo_url": receiver.url + "/mo",
                "options": {"extno": EXTNO},
            }
        ],
    )
    await send(client, "13800000006")
    await advance(client, 10)
    assert [i["flag"] for r in receiver.path("/reports") for i in r.json()] == [1]
    assert [i["flag"] for r in receiver.path("/mo") for i in r.json()] == [0]
