"""SmsGetReport, SmsGetRecv, SmsGetBalance, SmsGetSign and SmsCancel (§4.2-§4.6) over HTTP."""

from datetime import datetime

import pytest

from .helpers import BEIJING, CORP_ID, auth, call

HOUR = 3600
DAY = 86400


@pytest.fixture
async def client(make_client):
    return await make_client()


def account(client):
    return client.sim.accounts.get("mobset", CORP_ID)


async def send(client, numbers, content="x", **extra):
    body = await call(client, "SmsSend", "POST", PhoneNumbers=numbers, Content=content, **extra)
    assert body["Code"] >= 0, body
    return [i["SmsId"] for i in body["SmsIdList"]]


def beijing(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


# -- SmsGetReport -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_report_shape_and_handed_out_once(client, http):
    [sms_id] = await send(client, "13912345678")
    assert await call(client, "SmsGetReport", http) == {
        "Code": 0,
        "Message": "取短信状态报告成功",
        "Details": [],
    }
    client.sim.clock.advance(2)
    body = await call(client, "SmsGetReport", http)
    assert body == {
        "Code": 1,
        "Message": "取短信状态报告成功",
        "Details": [
            {
                "SmsId": sms_id,
                "Status": 12,
                "ReportTime": beijing(client.sim.clock.now()),
                "ExStatus": "DELIVRD",
            }
        ],
    }
    assert (await call(client, "SmsGetReport", http))["Details"] == []


@pytest.mark.parametrize(
    ("mobile", "wait", "status", "ex"),
    [
        ("13800000000", 0, 12, "DELIVRD"),
        ("13800000001", 0, 13, "UNDELIV"),
        ("13800000002", 48 * HOUR, 13, "EXPIRED"),
        ("13800000003", 0, 13, "REJECTD"),
        ("13800000004", 0, 13, "DB:0141"),
        ("13800000005", 60, 12, "DELIVRD"),
    ],
)
async def test_outcomes_map_to_status_and_ex_status(client, mobile, wait, status, ex):
    [sms_id] = await send(client, mobile)
    if wait:
        client.sim.clock.advance(wait - 1)
        assert (await call(client, "SmsGetReport"))["Code"] == 0
    client.sim.clock.advance(1)
    details = (await call(client, "SmsGetReport"))["Details"]
    assert [(d["SmsId"], d["Status"], d["ExStatus"]) for d in details] == [(sms_id, status, ex)]


async def test_no_report_number_never_reports(client):
    await send(client, "13800000008")
    client.sim.clock.advance(7 * DAY)
    assert (await call(client, "SmsGetReport"))["Code"] == 0
    assert client.sim.store.query_messages(vendor="mobset")[0].status == "sent"


async def test_scenario_code_override(make_client):
    scenario = """
name: codes
rules:
  - match: {mobile: "13900000001"}
    outcome: undeliverable
    delay: 0
    code: {mobset: "MK:0005"}
  - match: {mobile: "13900000002"}
    outcome: undeliverable
    delay: 0
    code: "6:ID:0004"
"""
    client = await make_client(scenario_text=scenario)
    await send(client, "13900000001,13900000002")
    client.sim.clock.advance(0)
    details = (await call(client, "SmsGetReport"))["Details"]
    assert [(d["Status"], d["ExStatus"]) for d in details] == [(13, "MK:0005"), (6, "ID:0004")]


async def test_reports_are_paged_by_50(client):
    await send(client, ",".join(f"139{i:08d}" for i in range(50)))
    await send(client, ",".join(f"137{i:08d}" for i in range(10)))
    client.sim.clock.advance(2)
    first = await call(client, "SmsGetReport")
    second = await call(client, "SmsGetReport")
    assert (first["Code"], len(first["Details"])) == (50, 50)
    assert (second["Code"], len(second["Details"])) == (10, 10)
    ids = [d["SmsId"] for d in first["Details"] + second["Details"]]
    assert sorted(ids) == list(range(500000001, 500000061))


async def test_reports_are_kept_48_hours(client):
    await send(client, "13800000000")
    client.sim.clock.advance(48 * HOUR - 1)
    await send(client, "13800000000")
    client.sim.clock.advance(1)
    body = await call(client, "SmsGetReport")
    assert [d["SmsId"] for d in body["Details"]] == [500000002]


async def test_push_mode_changes_nothing_reports_stay_pollable(client):
    acct = account(client)
    acct.mode = "push"
    acct.report_url = "http://127.0.0.1:9/report"
    await send(client, "13800000000")
    client.sim.clock.advance(1)
    await client.sim.dispatcher.drain()
    assert (await call(client, "SmsGetReport"))["Code"] == 1
    assert client.sim.store.attempts(vendor="mobset") == []


# -- SmsGetRecv -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_recv_shape_and_handed_out_once(client, http):
    await send(client, "13912345678", AddNum="4004")
    client.sim.clock.advance(5)
    client.sim.engine.receive_mo("mobset", "13912345678", "收到!")
    body = await call(client, "SmsGetRecv", http)
    assert body == {
        "Code": 1,
        "Message": "取上行短信成功",
        "Details": [
            {
                "PhoneNumber": "13912345678",
                "RecvNumber": "10691179164004",
                "AddNum": "4004",
                "RecvTime": beijing(client.sim.clock.now()),
                "Content": "收到!",
            }
        ],
    }
    assert await call(client, "SmsGetRecv", http) == {"Code": 0, "Message": "取上行短信成功", "Details": []}


async def test_recv_with_an_explicit_extension_and_access_number(client):
    account(client).options.access_number = "106900"
    client.sim.engine.receive_mo("mobset", "13912345678", "hi", CORP_ID, extension="77")
    [item] = (await call(client, "SmsGetRecv"))["Details"]
    assert (item["RecvNumber"], item["AddNum"]) == ("10690077", "77")


async def test_auto_reply_from_the_scenario(client):
    await send(client, "13800000006")
    client.sim.clock.advance(5)
    [item] = (await call(client, "SmsGetRecv"))["Details"]
    assert (item["PhoneNumber"], item["Content"], item["AddNum"]) == ("13800000006", "TD", "")


async def test_recv_is_paged_by_20(client):
    for i in range(25):
        client.sim.engine.receive_mo("mobset", f"139{i:08d}", f"r{i}", CORP_ID)
    first = await call(client, "SmsGetRecv")
    second = await call(client, "SmsGetRecv")
    assert first["Code"] == 20 and [d["Content"] for d in first["Details"]] == [f"r{i}" for i in range(20)]
    assert second["Code"] == 5 and [d["Content"] for d in second["Details"]] == [
        f"r{i}" for i in range(20, 25)
    ]


async def test_recv_is_kept_10_days(client):
    client.sim.engine.receive_mo("mobset", "13912345678", "old", CORP_ID)
    client.sim.clock.advance(10 * DAY - 1)
    client.sim.engine.receive_mo("mobset", "13912345678", "new", CORP_ID)
    client.sim.clock.advance(1)
    assert [d["Content"] for d in (await call(client, "SmsGetRecv"))["Details"]] == ["new"]


# -- SmsGetBalance, SmsGetSign ------------------------------------------------------------------------------
@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_balance(client, http):
    assert await call(client, "SmsGetBalance", http) == {"Code": 1_000_000, "Message": "取短信余额成功"}
    await send(client, "13912345678", "字" * 100)
    assert (await call(client, "SmsGetBalance", http))["Code"] == 1_000_000 - 2


async def test_balance_never_looks_like_an_error_code(client):
    account(client).balance = -5
    assert (await call(client, "SmsGetBalance"))["Code"] == 0


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_sign(client, http):
    assert await call(client, "SmsGetSign", http) == {"Code": 0, "Message": "取签名成功", "Sign": "首易测试"}
    account(client).options.signature = ""
    assert await call(client, "SmsGetSign", http) == {"Code": -132, "Message": "无短信签名或签名不符合规范"}


# -- SmsCancel --------------------------------------------------------------------------------------------
def later(client, seconds):
    return beijing(client.sim.clock.now() + seconds)


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_cancel_scheduled_messages(client, http):
    a, b = await send(client, "13912345678,13912345679", TimerSend=later(client, HOUR))
    [c] = await send(client, "13912345670")
    assert account(client).balance == 1_000_000 - 3
    body = await call(client, "SmsCancel", http, SmsID=f"{c},{a},{b}")
    assert body == {
        "Code": 2,
        "Message": "成功取消 2 条短信",
        "Details": [
            {"SmsID": c, "Status": -142},
            {"SmsID": a, "Status": 1},
            {"SmsID": b, "Status": 1},
        ],
    }
    assert account(client).balance == 1_000_000 - 1
    # cancelling again: nothing left to cancel
    body = await call(client, "SmsCancel", http, SmsID=str(a))
    assert body == {"Code": 0, "Message": "成功取消 0 条短信", "Details": [{"SmsID": a, "Status": -142}]}


async def test_cancel_unknown_foreign_and_due_ids(make_client):
    client = await make_client(
        accounts=[{"vendor": "mobset", "id": "300200", "secret": "pw", "options": {"signature": "别家"}}]
    )
    [mine] = await send(client, "13912345678", TimerSend=later(client, 60))
    other = await call(
        client,
        "SmsSend",
        "POST",
        **auth("SmsSend", "300200", "pw"),
        PhoneNumbers="13912345678",
        Content="x",
        TimerSend=later(client, 60),
    )
    theirs = other["SmsIdList"][0]["SmsId"]
    client.sim.clock.advance(60)  # mine is now due and sent
    body = await call(client, "SmsCancel", SmsID=f"{mine},{theirs},999,abc")
    assert body["Code"] == 0
    assert body["Details"] == [
        {"SmsID": mine, "Status": -142},
        {"SmsID": theirs, "Status": -142},
        {"SmsID": 999, "Status": -142},
        {"SmsID": "abc", "Status": -142},
    ]


async def test_cancel_limits(client):
    assert await call(client, "SmsCancel") == {"Code": -102, "Message": "请求参数不完整或有误:SmsID"}
    assert await call(client, "SmsCancel", SmsID=" , ") == {
        "Code": -102,
        "Message": "请求参数不完整或有误:SmsID",
    }
    fifty = ",".join(str(500000001 + i) for i in range(50))
    assert (await call(client, "SmsCancel", SmsID=fifty))["Code"] == 0
    body = await call(client, "SmsCancel", SmsID=fifty + ",1")
    assert body == {"Code": -143, "Message": "短信 ID(SmsID) 数量超出每次处理限额"}


async def test_cancelled_message_is_never_sent_nor_reported(client):
    [sms_id] = await send(client, "13912345678", TimerSend=later(client, 600))
    assert (await call(client, "SmsCancel", smsid=str(sms_id)))["Code"] == 1
    client.sim.clock.advance(DAY)
    assert (await call(client, "SmsGetReport"))["Code"] == 0
    m = client.sim.store.query_messages(vendor="mobset")[0]
    assert m.status == "cancelled" and m.sent_at is None


async def test_cancel_gives_back_the_user_quota(client):
    account(client).options.user_quota = 5
    [sms_id] = await send(client, "13912345678", "字" * 100, TimerSend=later(client, 600))
    assert account(client).options.user_quota == 3
    await call(client, "SmsCancel", SmsID=str(sms_id))
    assert account(client).options.user_quota == 5
