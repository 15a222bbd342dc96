"""mobset end to end over real HTTP: a listening simulator, a client that polls, the admin API for time."""

from datetime import datetime

from tests.helpers import admin, advance

from .helpers import BEIJING, CORP_ID, PATH, auth


async def sms(http, live, method, http_method="POST", **params):
    """Like the real clients: every parameter in the query string of a POST with an empty body."""
    query = {**auth(method), **params}
    async with http.request(http_method, live.url + PATH, params=query) as r:
        assert r.status == 200 and r.content_type == "application/json"
        return await r.json()


def beijing(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


async def test_scheduled_send_cancelled_before_due_is_never_reported(live_sim, http):
    sim = live_sim.sim
    due = beijing(sim.clock.now() + 600)
    out = await sms(
        http, live_sim, "SmsSend", PhoneNumbers="13912345678,13912345679", Content="定时", TimerSend=due
    )
    first, second = (i["SmsId"] for i in out["SmsIdList"])
    assert (await sms(http, live_sim, "SmsGetBalance"))["Code"] == 1_000_000 - 2
    await advance(http, live_sim, 300)
    out = await sms(http, live_sim, "SmsCancel", "GET", SmsID=str(first))
    assert out == {"Code": 1, "Message": "成功取消 1 条短信", "Details": [{"SmsID": first, "Status": 1}]}
    assert (await sms(http, live_sim, "SmsGetBalance"))["Code"] == 1_000_000 - 1
    await advance(http, live_sim, 600)
    report = await sms(http, live_sim, "SmsGetReport")
    assert [d["SmsId"] for d in report["Details"]] == [second]
    # after it is due the other one can no longer be cancelled
    out = await sms(http, live_sim, "SmsCancel", SmsID=str(second))
    assert out["Details"] == [{"SmsID": second, "Status": -142}]
    status, msgs = await admin(http, live_sim, "GET", "/_sim/messages?vendor=mobset")
    assert status == 200
    assert sorted(m["status"] for m in msgs["messages"]) == ["cancelled", "delivered"]


async def test_send_advance_report_once_only(live_sim, http):
    out = await sms(http, live_sim, "SmsSend", PhoneNumbers="13912345678,13800000001", Content="验证码1234")
    ids = [i["SmsId"] for i in out["SmsIdList"]]
    assert out["Code"] == 2
    await advance(http, live_sim, 2)
    report = await sms(http, live_sim, "SmsGetReport", "GET")
    assert report["Code"] == 2
    assert sorted((d["SmsId"], d["Status"], d["ExStatus"]) for d in report["Details"]) == [
        (ids[0], 12, "DELIVRD"),
        (ids[1], 13, "UNDELIV"),
    ]
    assert await sms(http, live_sim, "SmsGetReport") == {
        "Code": 0,
        "Message": "取短信状态报告成功",
        "Details": [],
    }


async def test_recv_after_injected_mo(live_sim, http):
    await sms(http, live_sim, "SmsSend", PhoneNumbers="13912345678", Content="回复1确认", AddNum="12")
    status, out = await admin(
        http, live_sim, "POST", "/_sim/mo", json={"vendor": "mobset", "mobile": "13912345678", "content": "1"}
    )
    assert status == 201 and out["mo"]["account"] == CORP_ID
    recv = await sms(http, live_sim, "SmsGetRecv")
    assert recv["Code"] == 1
    [item] = recv["Details"]
    assert (item["PhoneNumber"], item["Content"], item["AddNum"], item["RecvNumber"]) == (
        "13912345678",
        "1",
        "12",
        "106911791612",
    )
    assert (await sms(http, live_sim, "SmsGetRecv"))["Code"] == 0


async def test_retention_on_the_simulated_clock(live_sim, http):
    await sms(http, live_sim, "SmsSend", PhoneNumbers="13800000000", Content="x")
    await admin(
        http,
        live_sim,
        "POST",
        "/_sim/mo",
        json={"vendor": "mobset", "mobile": "13912345678", "content": "hi", "account": CORP_ID},
    )
    await advance(http, live_sim, 48 * 3600 + 1)
    assert (await sms(http, live_sim, "SmsGetReport"))["Code"] == 0  # reports: 48 hours
    assert (await sms(http, live_sim, "SmsGetRecv"))["Code"] == 1  # MO: still there after 2 days
    await admin(
        http,
        live_sim,
        "POST",
        "/_sim/mo",
        json={"vendor": "mobset", "mobile": "13912345678", "content": "late", "account": CORP_ID},
    )
    await advance(http, live_sim, 10 * 86400)
    assert (await sms(http, live_sim, "SmsGetRecv"))["Code"] == 0  # MO: 10 days


async def test_patching_push_mode_has_no_effect(live_sim, http, receiver):
    status, body = await admin(
        http,
        live_sim,
        "PATCH",
        f"/_sim/accounts/mobset/{CORP_ID}",
        json={"mode": "push", "report_url": receiver.url + "/report", "mo_url": receiver.url + "/mo"},
    )
    assert status == 200 and body["mode"] == "push"
    await sms(http, live_sim, "SmsSend", PhoneNumbers="13800000000", Content="x")
    await advance(http, live_sim, 5)
    assert receiver.requests == []
    assert (await sms(http, live_sim, "SmsGetReport"))["Code"] == 1


async def test_account_options_can_be_patched(live_sim, http):
    status, body = await admin(
        http, live_sim, "PATCH", f"/_sim/accounts/mobset/{CORP_ID}", json={"options": {"status": "expired"}}
    )
    assert status == 200 and body["options"]["status"] == "expired"
    out = await sms(http, live_sim, "SmsSend", PhoneNumbers="13912345678", Content="x")
    assert out == {"Code": -125, "Message": "企业已过期"}
