"""The simple interface /simpleinter/* (md5 sign) and /report/retrieveReport."""

from __future__ import annotations

import time

import pytest

from .client import beijing


def messages(emay):
    return emay.http.sim.store.query_messages(vendor="emay")


@pytest.mark.parametrize("post", [False, True])
async def test_send_sms(emay, post):
    sim = emay.http.sim
    ans = await emay.simple(
        "sendSMS",
        {
            "mobiles": "18001098901,18001098902",
            "content": "hello 你好",
            "extendedCode": "123",
            "customSmsId": "10001",
        },
        post=post,
    )
    assert ans["code"] == "SUCCESS"
    assert [(d["mobile"], d["customSmsId"]) for d in ans["data"]] == [
        ("18001098901", "10001"),
        ("18001098902", "10001"),
    ]
    assert {m.content for m in messages(emay)} == {"hello 你好"}
    assert sim.store.query_messages(vendor="emay")[0].extra["extendedCode"] == "123"


async def test_send_sms_timer(emay):
    sim = emay.http.sim
    when = beijing(sim.clock.now() + 600)
    ans = await emay.simple("sendSMS", {"mobiles": "18001098901", "content": "x", "timerTime": when})
    assert ans["code"] == "SUCCESS"
    assert messages(emay)[0].status == "scheduled"
    past = beijing(sim.clock.now() - 600)
    assert (await emay.simple("sendSMS", {"mobiles": "18001098901", "content": "x", "timerTime": past}))[
        "code"
    ] == "ERROR_SMS_TIME"


async def test_send_personality(emay):
    ans = await emay.simple(
        "sendPersonalitySMS",
        {
            "18001098901": "天气不错1啊",
            "18001098902": "天气不错2啊",
            "extendedCode": "123",
            "customSmsId": "9",
        },
        post=True,
    )
    assert ans["code"] == "SUCCESS" and len(ans["data"]) == 2
    assert {m.mobile: m.content for m in messages(emay)} == {
        "18001098901": "天气不错1啊",
        "18001098902": "天气不错2啊",
    }


async def test_send_personality_errors(emay):
    assert (await emay.simple("sendPersonalitySMS", {}))["code"] == "ERROR_MOBILE_EMPTY"
    assert (await emay.simple("sendPersonalitySMS", {"18001098901": ""}))["code"] == "ERROR_CONTENT_EMPTY"
    assert (await emay.simple("sendPersonalitySMS", {"123": "x"}))["code"] == "ERROR_MOBILE_ERROR"


async def test_balance_is_an_object(emay):
    ans = await emay.simple("getBalance")
    assert ans == {"code": "SUCCESS", "data": {"balance": 1_000_000}}


async def test_report_and_mo_are_arrays(emay):
    sim = emay.http.sim
    assert await emay.simple("getReport", {"number": 100}) == {"code": "SUCCESS", "data": []}
    assert await emay.simple("getMo", {"number": 100}) == {"code": "SUCCESS", "data": []}
    await emay.simple("sendSMS", {"mobiles": "13800000006", "content": "x"})
    sim.clock.advance(6)
    rep = await emay.simple("getReport")
    assert [r["state"] for r in rep["data"]] == ["DELIVRD"]
    mo = await emay.simple("getMo")
    assert [(m["mobile"], m["content"]) for m in mo["data"]] == [("13800000006", "TD")]
    assert (await emay.simple("getReport"))["data"] == []


async def test_errors(emay):
    sim = emay.http.sim
    assert (await emay.simple("getBalance", {"sign": "0" * 32}))["code"] == "ERROR_SIGN"
    stale = beijing(sim.clock.wall() - 3600)
    assert (await emay.simple("getBalance", timestamp=stale))["code"] == "ERROR_TIMESTAMP"
    assert (await emay.simple("getBalance", timestamp="2017"))["code"] == "ERROR_TIMESTAMP"
    assert (await emay.simple("getBalance", {"appId": "NOPE"}))["code"] == "ERROR_APPID"
    assert (await emay.simple("sendSMS", {"content": "x"}))["code"] == "ERROR_MOBILE_EMPTY"
    assert (await emay.simple("sendSMS", {"mobiles": "1"}))["code"] == "ERROR_MOBILE_ERROR"
    assert (await emay.simple("sendSMS", {"mobiles": "18001098901"}))["code"] == "ERROR_CONTENT_EMPTY"
    many = ",".join(f"139{i:08d}" for i in range(501))
    assert (await emay.simple("sendSMS", {"mobiles": many, "content": "x"}))["code"] == "ERROR_MOBILE_NUMBER"
    assert (await emay.simple("sendSMS", {"mobiles": "13800000007", "content": "x"}))[
        "code"
    ] == "ERROR_SYSTEM"
    assert messages(emay) == []


async def test_uppercase_sign_accepted(emay):
    q = emay.signed()
    q["sign"] = q["sign"].upper()
    resp = await emay.http.get("/simpleinter/getBalance", params=q)
    assert (await resp.json())["code"] == "SUCCESS"


async def test_timestamp_window_setting(emay_with):
    emay = await emay_with(settings={"timestamp_window": 7200})
    stale = beijing(emay.http.sim.clock.wall() - 3600)
    assert (await emay.simple("getBalance", timestamp=stale))["code"] == "SUCCESS"


async def test_simple_ip_and_rate(emay_with):
    emay = await emay_with(ip_allowlist=["10.0.0.0/8"])
    assert (await emay.simple("getBalance"))["code"] == "ERROR_CLIENT_IP"
    emay = await emay_with(options={"rate_limit": 0.001, "rate_burst": 1})
    assert (await emay.simple("getBalance"))["code"] == "SUCCESS"
    assert (await emay.simple("getBalance"))["code"] == "ERROR_OVER_SPEED"


# -- retrieveReport ----------------------------------------------------------------------
async def test_retrieve_report_requeues_matching_reports(emay):
    sim = emay.http.sim
    t0 = sim.clock.now()
    sent = await emay.simple("sendSMS", {"mobiles": "13900000001,13900000002", "content": "x"})
    ids = [d["smsId"] for d in sent["data"]]
    sim.clock.advance(5)
    assert len((await emay.simple("getReport"))["data"]) == 2
    assert (await emay.simple("getReport"))["data"] == []
    window = {"startTime": beijing(t0 - 60), "endTime": beijing(sim.clock.now())}
    assert await emay.retrieve({**window, "smsId": ids[1]}) == "SUCCESS"
    again = (await emay.simple("getReport"))["data"]
    assert [r["smsId"] for r in again] == [ids[1]]
    assert await emay.retrieve(window) == "SUCCESS"
    assert sorted(r["smsId"] for r in (await emay.simple("getReport"))["data"]) == sorted(ids)
    # Outside the window: nothing.
    assert await emay.retrieve({"startTime": beijing(t0 - 600), "endTime": beijing(t0 - 300)}) == "SUCCESS"
    assert (await emay.simple("getReport"))["data"] == []


async def test_retrieve_report_errors(emay_with, emay):
    now = emay.http.sim.clock.now()
    ok = {"startTime": beijing(now - 300), "endTime": beijing(now)}
    cases = [
        ({}, "ERROR_REPORT_TIME"),
        ({"startTime": "2017", "endTime": beijing(now)}, "ERROR_REPORT_TIME"),
        ({"startTime": beijing(now), "endTime": beijing(now - 60)}, "ERROR_REPORT_TIME"),  # end before start
        ({"startTime": beijing(now - 601), "endTime": beijing(now)}, "ERROR_REPORT_TIME"),  # > 10 minutes
        (
            {"startTime": beijing(now - 31 * 86400), "endTime": beijing(now - 31 * 86400 + 60)},
            "ERROR_REPORT_TIME",
        ),
        ({"startTime": beijing(now + 3600), "endTime": beijing(now + 3660)}, "ERROR_REPORT_TIME"),  # future
        ({**ok, "smsId": ",".join(str(i) for i in range(1001))}, "ERROR_TOO_MUCH_SMSIDS"),
        ({**ok, "sign": "x"}, "ERROR_SIGN"),
        ({**ok, "appId": "NOPE"}, "ERROR_APPID"),
    ]
    for params, code in cases:
        assert await emay.retrieve(params) == code, params
    assert await emay.retrieve({**ok, "smsId": ",".join(str(i) for i in range(1000))}) == "SUCCESS"
    assert await emay.retrieve(ok, timestamp=beijing(now - 7200)) == "ERROR_TIMESTAMP"
    off = await emay_with(options={"retrieve_enabled": False})
    assert await off.retrieve(ok) == "ERROR_NO_RETRIEVE_SERVICE"


async def test_non_ascii_digits_are_refused(emay):
    # str.isdigit() and \d accept "²" and Arabic-Indic digits; int("²") raised → ERROR_SYSTEM.
    assert (await emay.simple("getReport", {"number": "²"}))["code"] == "ERROR_PARAMS"
    assert (await emay.simple("getMo", {"number": "١٢"}))["code"] == "ERROR_PARAMS"
    assert (await emay.simple("sendSMS", {"mobiles": "1٣٩٠٠٠٠٠٠٠١", "content": "x"}))[
        "code"
    ] == "ERROR_MOBILE_ERROR"
    assert (await emay.simple("sendPersonalitySMS", {"1٣٩٠٠٠٠٠٠٠١": "x"}))["code"] == "ERROR_MOBILE_ERROR"
    assert (await emay.simple("getBalance", timestamp="٢٠٢٤٠١٠١١٢٠٠٠٠"))["code"] == "ERROR_TIMESTAMP"
    assert messages(emay) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"content": "x", "customSmsId": "c" * 33}, "ERROR_CUSTOM_SMSID"),
        ({"content": "x", "extendedCode": "1234567890123"}, "ERROR_EXTENDED_CODE"),
        ({"content": "x", "extendedCode": "12a"}, "ERROR_EXTENDED_CODE"),
        ({"content": "x" * 1001}, "ERROR_LONG_CONTENT"),
        ({"content": "x", "timerTime": "2017-12-11 02:20:00"}, "ERROR_PARAMS"),  # not yyyyMMddHHmmss
        ({"content": "x", "timerTime": "201712110220"}, "ERROR_PARAMS"),  # 12 digits
    ],
)
async def test_send_sms_field_errors(emay, params, code):
    assert (await emay.simple("sendSMS", {"mobiles": "18001098901", **params}))["code"] == code
    assert (await emay.simple("sendPersonalitySMS", {"18001098901": params.pop("content"), **params}))[
        "code"
    ] == code
    assert messages(emay) == []


async def test_send_sms_timer_beyond_90_days(emay):
    now = emay.http.sim.clock.now()
    base = {"mobiles": "18001098901", "content": "x"}
    assert (await emay.simple("sendSMS", {**base, "timerTime": beijing(now + 91 * 86400)}))[
        "code"
    ] == "ERROR_SMS_TIME"
    assert (await emay.simple("sendSMS", {**base, "timerTime": beijing(now + 89 * 86400)}))[
        "code"
    ] == "SUCCESS"


async def test_simple_error_balance(emay_with):
    emay = await emay_with(balance=1)
    ans = await emay.simple("sendSMS", {"mobiles": "18001098901,18001098902", "content": "x"})
    assert ans == {"code": "ERROR_BALANCE"}
    assert messages(emay) == []
    assert (await emay.simple("getBalance"))["data"] == {"balance": 1}


async def test_retrieve_report_ip_and_rate(emay_with):
    now = beijing(time.time())
    window = {"startTime": now, "endTime": now}
    emay = await emay_with(ip_allowlist=["10.0.0.0/8"])
    assert await emay.retrieve(window) == "ERROR_CLIENT_IP"
    emay = await emay_with(options={"rate_limit": 0.001, "rate_burst": 1})
    assert await emay.retrieve(window) == "ERROR_REPORT_TIME"  # passed appId, IP and rate
    assert await emay.retrieve(window) == "ERROR_OVER_SPEED"
