"""The secure interface /inter/*: transport (AES, gzip, encode), every endpoint and every error code."""

from __future__ import annotations

import gzip
import json

import pytest

from .client import DEMO_APP_ID, DEMO_SECRET, EmayClient, aes_decrypt, aes_encrypt, beijing, now_ms, seal

SECURE_ENDPOINTS = [
    "sendSingleSMS",
    "sendBatchSMS",
    "sendBatchOnlySMS",
    "sendPersonalitySMS",
    "sendPersonalityAllSMS",
    "createTemplateSMS",
    "deleteTemplateSMS",
    "queryTemplateSMS",
    "sendTemplateNormalSMS",
    "sendTemplateVariableSMS",
    "sendShortLinkSMS",
    "getReport",
    "getMo",
    "getShortLink",
    "getBalance",
]


def messages(emay: EmayClient, **f):
    return emay.http.sim.store.query_messages(vendor="emay", **f)


# -- transport ----------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
async def test_send_single_gzip_on_and_off(emay, gz):
    ans = await emay.secure(
        "sendSingleSMS",
        {"mobile": "13900000001", "content": "【清华大学】 i love you ! ", "customSmsId": "c-1"},
        gzip=gz,
    )
    assert ans.status == 200 and ans.result == "SUCCESS"
    # The answer is gzipped exactly when the request was.
    plain = aes_decrypt(ans.body, DEMO_SECRET)
    assert plain.startswith(b"\x1f\x8b") is gz
    assert ans.data["mobile"] == "13900000001"
    assert ans.data["customSmsId"] == "c-1"
    assert len(ans.data["smsId"]) == 20 and ans.data["smsId"].isdigit()
    (msg,) = messages(emay)
    assert msg.id == ans.data["smsId"] and msg.content == "【清华大学】 i love you ! "


async def test_gbk_encode_header(emay):
    content = "【亿美测试】您的验证码是1234，请勿泄露"
    ans = await emay.secure("sendSingleSMS", {"mobile": "13900000002", "content": content}, encode="GBK")
    assert ans.result == "SUCCESS"
    assert messages(emay)[0].content == content
    # The same GBK bytes read as UTF-8 would not be the content: the header really is honoured.
    assert content.encode("gbk").decode("utf-8", errors="replace") != content


async def test_gbk_answers_in_gbk(emay):
    sim = emay.http.sim
    await emay.secure("sendSingleSMS", {"mobile": "13800000006", "content": "hello"})
    sim.clock.advance(10)  # delivered at once, the phone replies TD 5 s later
    sim.engine.receive_mo("emay", "13800000006", "退订", DEMO_APP_ID)
    ans = await emay.secure("getMo", {"number": 10}, encode="GBK")
    assert ans.result == "SUCCESS"
    assert [m["content"] for m in ans.data] == ["TD", "退订"]


async def test_no_encode_header_means_utf8(emay):
    ans = await emay.secure("sendSingleSMS", {"mobile": "13900000003", "content": "中文内容"}, encode=None)
    assert ans.result == "SUCCESS"
    assert messages(emay)[0].content == "中文内容"


@pytest.mark.parametrize("secret", ["0123456789abcdef01234567", "0123456789abcdef0123456789abcdef"])
async def test_aes_192_and_256_keys(emay_with, secret):
    emay = await emay_with(secret=secret)
    ans = await emay.secure("getBalance")
    assert ans.result == "SUCCESS" and ans.data == {"balance": 1_000_000}


async def test_explicit_nulls_mean_absent(emay):
    ans = await emay.secure(
        "sendSingleSMS",
        {
            "mobile": "13900000004",
            "content": "x",
            "customSmsId": None,
            "timerTime": None,
            "extendedCode": None,
        },
    )
    assert ans.result == "SUCCESS" and ans.data["customSmsId"] is None
    assert messages(emay)[0].status == "sent"


# -- sending endpoints ----------------------------------------------------------------------
async def test_send_batch(emay):
    ans = await emay.secure(
        "sendBatchSMS",
        {
            "smses": [
                {"mobile": "13900000011", "customSmsId": "a"},
                {"mobile": 13900000012, "customSmsId": None},
            ],
            "content": "批量",
            "extendedCode": "112",
        },
    )
    assert ans.result == "SUCCESS"
    assert [(d["mobile"], d["customSmsId"]) for d in ans.data] == [
        ("13900000011", "a"),
        ("13900000012", None),
    ]
    assert len({d["smsId"] for d in ans.data}) == 2
    assert all(m.extra["extendedCode"] == "112" for m in messages(emay))


async def test_send_batch_only(emay):
    ans = await emay.secure("sendBatchOnlySMS", {"mobiles": ["13900000021", "13900000022"], "content": "hi"})
    assert ans.result == "SUCCESS"
    assert [d["mobile"] for d in ans.data] == ["13900000021", "13900000022"]
    assert all(d["customSmsId"] is None for d in ans.data)


async def test_send_personality(emay):
    ans = await emay.secure(
        "sendPersonalitySMS",
        {
            "smses": [
                {"mobile": "13900000031", "customSmsId": None, "content": "haha"},
                {"mobile": "13900000032", "customSmsId": "x", "content": "haha1"},
            ]
        },
    )
    assert ans.result == "SUCCESS"
    assert {m.mobile: m.content for m in messages(emay)} == {"13900000031": "haha", "13900000032": "haha1"}


async def test_send_personality_all_has_per_item_timer_and_code(emay):
    sim = emay.http.sim
    later = beijing(sim.clock.now() + 3600, "%Y-%m-%d %H:%M:%S")
    ans = await emay.secure(
        "sendPersonalityAllSMS",
        {
            "smses": [
                {"mobile": "13900000041", "content": "a", "timerTime": later, "extendedCode": "012"},
                {"mobile": "13900000042", "content": "b", "timerTime": None, "extendedCode": "013"},
            ]
        },
    )
    assert ans.result == "SUCCESS"
    by = {m.mobile: m for m in messages(emay)}
    assert by["13900000041"].status == "scheduled" and by["13900000041"].extra["extendedCode"] == "012"
    assert by["13900000042"].status == "sent" and by["13900000042"].extra["extendedCode"] == "013"
    sim.clock.advance(3600)
    assert by["13900000041"].status == "sent"


async def test_timer_send(emay):
    sim = emay.http.sim
    when = beijing(sim.clock.now() + 86400, "%Y-%m-%d %H:%M:%S")
    ans = await emay.secure("sendSingleSMS", {"mobile": "13900000043", "content": "x", "timerTime": when})
    assert ans.result == "SUCCESS"
    (msg,) = messages(emay)
    assert msg.status == "scheduled"
    sim.clock.advance(86400 + 2)
    assert msg.status == "delivered"


async def test_get_balance_goes_down(emay):
    before = (await emay.secure("getBalance")).data["balance"]
    await emay.secure("sendSingleSMS", {"mobile": "13900000051", "content": "x" * 71})  # 2 segments
    after = (await emay.secure("getBalance")).data["balance"]
    assert before - after == 2


# -- pull: getReport / getMo --------------------------------------------------------------------------------
async def test_get_report_hands_out_once(emay):
    sim = emay.http.sim
    ans = await emay.secure(
        "sendBatchSMS",
        {
            "smses": [{"mobile": "13800000000", "customSmsId": "ok-1"}, {"mobile": "13800000004"}],
            "content": "x",
            "extendedCode": "7",
        },
    )
    sim.clock.advance(1)
    reports = (await emay.secure("getReport", {"number": 300})).data
    ids = {d["mobile"]: d["smsId"] for d in ans.data}
    by = {r["mobile"]: r for r in reports}
    assert by["13800000000"]["state"] == "DELIVRD" and by["13800000000"]["desc"] == "成功"
    assert by["13800000000"]["customSmsId"] == "ok-1" and by["13800000000"]["extendedCode"] == "7"
    assert by["13800000000"]["smsId"] == ids["13800000000"]
    assert by["13800000004"]["state"] == "FAIL_BLACK_LIST"
    for r in reports:
        assert set(r) == {
            "mobile",
            "smsId",
            "customSmsId",
            "state",
            "desc",
            "receiveTime",
            "submitTime",
            "extendedCode",
        }
        assert len(r["receiveTime"]) == 19 and len(r["submitTime"]) == 19
    assert (await emay.secure("getReport")).data == []


async def test_get_report_number_limits(emay):
    sim = emay.http.sim
    await emay.secure("sendBatchOnlySMS", {"mobiles": [f"1390000{i:04d}" for i in range(5)], "content": "x"})
    sim.clock.advance(5)
    assert len((await emay.secure("getReport", {"number": 2})).data) == 2
    assert len((await emay.secure("getReport", {})).data) == 3


async def test_get_report_hands_out_at_most_500(emay):
    sim = emay.http.sim
    for block in range(2):
        mobiles = [f"139{block}{i:07d}" for i in range(300)]
        assert (
            await emay.secure("sendBatchOnlySMS", {"mobiles": mobiles, "content": "x"})
        ).result == "SUCCESS"
    sim.clock.advance(5)
    assert len((await emay.secure("getReport", {"number": 1000})).data) == 500
    assert len((await emay.secure("getReport")).data) == 100


@pytest.mark.parametrize(
    ("mobile", "state"),
    [
        ("13800000000", "DELIVRD"),
        ("13800000001", "FAIL_MOBILE"),
        ("13800000002", "TIMEOUT"),
        ("13800000003", "FAIL_RESPONSE"),
        ("13800000004", "FAIL_BLACK_LIST"),
    ],
)
async def test_scenario_outcomes_map_to_report_states(emay, mobile, state):
    sim = emay.http.sim
    await emay.secure("sendSingleSMS", {"mobile": mobile, "content": "x"})
    sim.clock.advance(sim.vendors["emay"].validity_seconds + 1)
    (report,) = (await emay.secure("getReport")).data
    assert report["state"] == state


async def test_no_report_number(emay):
    sim = emay.http.sim
    assert (await emay.secure("sendSingleSMS", {"mobile": "13800000008", "content": "x"})).result == "SUCCESS"
    sim.clock.advance(3600)
    assert (await emay.secure("getReport")).data == []


async def test_duplicate_number_reported_as_repeat(emay):
    sim = emay.http.sim
    ans = await emay.secure("sendBatchOnlySMS", {"mobiles": ["13900000061", "13900000061"], "content": "x"})
    assert ans.result == "SUCCESS" and len(ans.data) == 2
    sim.clock.advance(5)
    states = sorted(r["state"] for r in (await emay.secure("getReport")).data)
    assert states == ["DELIVRD", "FAIL_MOBILE_REPEAT"]


async def test_sensitive_word_reported_as_black_dict(emay_with):
    emay = await emay_with(sensitive_words=["赌博"])
    await emay.secure("sendSingleSMS", {"mobile": "13900000062", "content": "网上赌博"})
    emay.http.sim.clock.advance(5)
    (r,) = (await emay.secure("getReport")).data
    assert r["state"] == "FAIL_BLACK_DICT" and r["desc"] == "黑字典失败"


async def test_get_mo(emay):
    sim = emay.http.sim
    await emay.secure("sendSingleSMS", {"mobile": "13800000006", "content": "x", "extendedCode": "99"})
    sim.clock.advance(6)
    (mo,) = (await emay.secure("getMo")).data
    assert mo["mobile"] == "13800000006" and mo["content"] == "TD" and mo["extendedCode"] == "99"
    assert len(mo["moTime"]) == 19
    assert (await emay.secure("getMo")).data == []


# -- errors ----------------------------------------------------------------------
async def errors_only(ans):
    assert ans.status == 200
    assert ans.body == b""  # §2.1: no body unless SUCCESS
    return ans.result


async def test_error_appid(emay):
    ans = await emay.secure("getBalance", app_id="EUCP-NOPE")
    assert await errors_only(ans) == "ERROR_APPID"
    resp = await emay.http.post("/inter/getBalance", data=seal({"requestTime": now_ms()}, DEMO_SECRET))
    assert resp.headers["result"] == "ERROR_APPID" and await resp.read() == b""


async def test_disabled_account_is_error_appid(emay_with):
    emay = await emay_with(enabled=False)
    assert (await emay.secure("getBalance")).result == "ERROR_APPID"


@pytest.mark.parametrize(
    "body",
    [
        b"",  # empty
        b"not encrypted at all",  # not whole blocks
        b"\x00" * 32,  # whole blocks, bad padding
        b"base64==" * 4,  # text instead of bytes
    ],
)
async def test_error_encryption_garbage(emay, body):
    ans = await emay.post_raw("getBalance", body, {"appId": DEMO_APP_ID, "gzip": "on"})
    assert await errors_only(ans) == "ERROR_ENCRYPTION"


async def test_error_encryption_wrong_key(emay):
    ans = await emay.secure("getBalance", secret_key="FEDCBA9876543210")
    assert await errors_only(ans) == "ERROR_ENCRYPTION"


async def test_error_encryption_garbage_gzip(emay):
    body = aes_encrypt(b"\x1f\x8b\x08\x00garbage-not-deflate", DEMO_SECRET)
    ans = await emay.post_raw("getBalance", body, {"appId": DEMO_APP_ID, "gzip": "on"})
    assert await errors_only(ans) == "ERROR_ENCRYPTION"
    truncated = aes_encrypt(gzip.compress(b'{"requestTime":1}')[:-6], DEMO_SECRET)
    ans = await emay.post_raw("getBalance", truncated, {"appId": DEMO_APP_ID, "gzip": "on"})
    assert await errors_only(ans) == "ERROR_ENCRYPTION"


async def test_gzip_bomb_is_refused_cheaply(emay):
    bomb = gzip.compress(b"{" + b" " * (64 << 20) + b"}")  # 64 MiB of JSON whitespace, ~64 KiB gzipped
    ans = await emay.post_raw(
        "getBalance", aes_encrypt(bomb, DEMO_SECRET), {"appId": DEMO_APP_ID, "gzip": "on"}
    )
    assert await errors_only(ans) == "ERROR_PARAMS"


async def test_gzip_header_missing_for_gzipped_body(emay):
    body = seal(emay.payload({}), DEMO_SECRET, gzip=True)
    ans = await emay.post_raw("getBalance", body, {"appId": DEMO_APP_ID})
    assert await errors_only(ans) == "ERROR_PARAMS"


@pytest.mark.parametrize(
    "plaintext",
    [
        b"not json",
        b"[1,2,3]",
        b'{"requestValidPeriod":60}',
        b'{"requestTime":"soon","requestValidPeriod":60}',
    ],
)
async def test_error_params_bad_json(emay, plaintext):
    ans = await emay.post_raw("getBalance", aes_encrypt(plaintext, DEMO_SECRET), {"appId": DEMO_APP_ID})
    assert await errors_only(ans) == "ERROR_PARAMS"


async def test_unknown_encode_is_error_params(emay):
    body = seal(emay.payload({}), DEMO_SECRET, gzip=False)
    ans = await emay.post_raw("getBalance", body, {"appId": DEMO_APP_ID, "encode": "NO-SUCH-CHARSET"})
    assert await errors_only(ans) == "ERROR_PARAMS"


async def test_error_request_no_valid_expired(emay):
    old = now_ms() - 120_000
    ans = await emay.secure("getBalance", request_time=old, valid=60)
    assert await errors_only(ans) == "ERROR_REQUEST_NO_VALID"
    ans = await emay.secure("getBalance", request_time=old, valid=5000)  # long validity: fine
    assert ans.result == "SUCCESS"


async def test_requests_are_checked_on_the_wall_clock_not_the_simulated_one(emay):
    emay.http.sim.clock.advance(7 * 86400)
    assert (await emay.secure("getBalance")).result == "SUCCESS"


async def test_replayed_request_is_refused(emay):
    payload = emay.payload({"mobile": "13900000071", "content": "once"})
    assert (await emay.secure("sendSingleSMS", payload=payload)).result == "SUCCESS"
    again = await emay.secure("sendSingleSMS", payload=payload)
    assert await errors_only(again) == "ERROR_REQUEST_NO_VALID"
    assert len(messages(emay)) == 1
    # The same plaintext to another endpoint is a different request.
    assert (
        await emay.secure(
            "getBalance", payload={k: payload[k] for k in ("requestTime", "requestValidPeriod")}
        )
    ).result == "SUCCESS"


async def test_error_client_ip(emay_with):
    emay = await emay_with(ip_allowlist=["10.9.9.9"])
    assert await errors_only(await emay.secure("getBalance")) == "ERROR_CLIENT_IP"
    emay = await emay_with(ip_allowlist=["127.0.0.0/8"])
    assert (await emay.secure("getBalance")).result == "SUCCESS"


async def test_error_over_speed(emay_with):
    emay = await emay_with(options={"rate_limit": 0.001, "rate_burst": 2})
    results = [(await emay.secure("getBalance")).result for _ in range(3)]
    assert results == ["SUCCESS", "SUCCESS", "ERROR_OVER_SPEED"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"content": "x"}, "ERROR_MOBILE_EMPTY"),
        ({"mobile": "", "content": "x"}, "ERROR_MOBILE_EMPTY"),
        ({"mobile": "1390000", "content": "x"}, "ERROR_MOBILE_ERROR"),
        ({"mobile": "abc13900000000", "content": "x"}, "ERROR_MOBILE_ERROR"),
        ({"mobile": "13900000000"}, "ERROR_CONTENT_EMPTY"),
        ({"mobile": "13900000000", "content": "  "}, "ERROR_CONTENT_EMPTY"),
        ({"mobile": "13900000000", "content": "x" * 1001}, "ERROR_LONG_CONTENT"),
        ({"mobile": "13900000000", "content": "x", "customSmsId": "c" * 33}, "ERROR_CUSTOM_SMSID"),
        ({"mobile": "13900000000", "content": "x", "extendedCode": "1234567890123"}, "ERROR_EXTENDED_CODE"),
        ({"mobile": "13900000000", "content": "x", "extendedCode": "12a"}, "ERROR_EXTENDED_CODE"),
        ({"mobile": "13900000000", "content": "x", "timerTime": "2017-03-15 12:00:00"}, "ERROR_SMS_TIME"),
        ({"mobile": "13900000000", "content": "x", "timerTime": "tomorrow"}, "ERROR_PARAMS"),
    ],
)
async def test_send_single_errors(emay, fields, code):
    assert await errors_only(await emay.secure("sendSingleSMS", fields)) == code
    assert messages(emay) == []


async def test_limits_that_pass(emay):
    ans = await emay.secure(
        "sendSingleSMS",
        {"mobile": "13900000000", "content": "x" * 1000, "customSmsId": "c" * 32, "extendedCode": "1" * 12},
    )
    assert ans.result == "SUCCESS"


async def test_timer_beyond_90_days(emay):
    now = emay.http.sim.clock.now()
    far = beijing(now + 91 * 86400, "%Y-%m-%d %H:%M:%S")
    near = beijing(now + 89 * 86400, "%Y-%m-%d %H:%M:%S")
    base = {"mobile": "13900000000", "content": "x"}
    assert (await emay.secure("sendSingleSMS", {**base, "timerTime": far})).result == "ERROR_SMS_TIME"
    assert (await emay.secure("sendSingleSMS", {**base, "timerTime": near})).result == "SUCCESS"


async def test_error_mobile_number_over_500(emay):
    mobiles = [f"139{i:08d}" for i in range(501)]
    ans = await emay.secure("sendBatchOnlySMS", {"mobiles": mobiles, "content": "x"})
    assert await errors_only(ans) == "ERROR_MOBILE_NUMBER"
    ans = await emay.secure("sendBatchSMS", {"smses": [{"mobile": m} for m in mobiles], "content": "x"})
    assert ans.result == "ERROR_MOBILE_NUMBER"
    ans = await emay.secure("sendBatchOnlySMS", {"mobiles": mobiles[:500], "content": "x"})
    assert ans.result == "SUCCESS" and len(ans.data) == 500


async def test_batch_errors(emay):
    assert (await emay.secure("sendBatchSMS", {"smses": [], "content": "x"})).result == "ERROR_MOBILE_EMPTY"
    assert (await emay.secure("sendBatchOnlySMS", {"content": "x"})).result == "ERROR_MOBILE_EMPTY"
    bad = {"smses": [{"mobile": "13900000000"}, {"mobile": "12"}], "content": "x"}
    assert (await emay.secure("sendBatchSMS", bad)).result == "ERROR_MOBILE_ERROR"
    assert (await emay.secure("sendBatchSMS", {"smses": "nope", "content": "x"})).result == "ERROR_PARAMS"
    per = {"smses": [{"mobile": "13900000000", "content": ""}]}
    assert (await emay.secure("sendPersonalitySMS", per)).result == "ERROR_CONTENT_EMPTY"
    assert messages(emay) == []


async def test_error_balance(emay_with):
    emay = await emay_with(balance=1)
    ans = await emay.secure("sendBatchOnlySMS", {"mobiles": ["13900000001", "13900000002"], "content": "x"})
    assert await errors_only(ans) == "ERROR_BALANCE"
    assert (await emay.secure("getBalance")).data == {"balance": 1}
    assert (await emay.secure("sendSingleSMS", {"mobile": "13900000001", "content": "x"})).result == "SUCCESS"
    assert (await emay.secure("getBalance")).data == {"balance": 0}


async def test_scenario_system_error(emay):
    ans = await emay.secure("sendSingleSMS", {"mobile": "13800000007", "content": "x"})
    assert await errors_only(ans) == "ERROR_SYSTEM"
    assert messages(emay) == []


@pytest.mark.parametrize("name", SECURE_ENDPOINTS)
async def test_every_endpoint_authenticates(emay, name):
    assert (await emay.secure(name, {}, app_id="NOPE")).result == "ERROR_APPID"
    assert (await emay.secure(name, {}, secret_key="FEDCBA9876543210")).result == "ERROR_ENCRYPTION"
    assert (await emay.secure(name, {}, request_time=now_ms() - 3_600_000)).result == "ERROR_REQUEST_NO_VALID"


async def test_request_log_records_result(emay):
    await emay.secure("getBalance", app_id="NOPE")
    (log,) = emay.http.sim.store.requests("emay")
    assert log.path == "/inter/getBalance" and log.status == 200


def test_client_helpers_are_independent():
    # The client's own round trip, to make sure the tests' reference implementation is right.
    from .client import unseal

    obj = {"a": "中文", "requestTime": 1}
    assert unseal(seal(obj, DEMO_SECRET, True, "GBK"), DEMO_SECRET, True, "GBK") == obj
    assert json.loads(gzip.decompress(gzip.compress(b"{}"))) == {}


async def test_outside_send_window_reported_as_intercept(emay_with):
    from datetime import datetime

    from .client import BEIJING

    emay = await emay_with()
    now = datetime.fromtimestamp(emay.http.sim.clock.now(), BEIJING)
    # A one-minute window twelve hours away from now: the send is outside it.
    h = (now.hour + 12) % 24
    acct = emay.http.sim.accounts.get("emay", emay.app_id)
    from simulator.config import parse_window

    acct.send_window = parse_window(f"{h:02d}:00-{h:02d}:01")
    assert (await emay.secure("sendSingleSMS", {"mobile": "13900000063", "content": "x"})).result == "SUCCESS"
    emay.http.sim.clock.advance(5)
    (r,) = (await emay.secure("getReport")).data
    assert r["state"] == "FAIL_INTERCEPT"


# -- hardening: inputs that once crashed the handler (ERROR_SYSTEM) or were wrongly accepted --------------
@pytest.mark.parametrize(
    "charset",
    ["base64", "rot13", "hex", "zlib", "idna", "punycode", "undefined", "unicode_escape", "charmap"],
)
async def test_encode_that_is_not_a_charset_is_error_params(emay, charset):
    # Python codecs that are not character sets (bytes→bytes, or refusing errors="replace") once
    # made the handler crash; Java knows none of them, so they are unknown charsets.
    body = seal(emay.payload({}), DEMO_SECRET, gzip=False)
    ans = await emay.post_raw("getBalance", body, {"appId": DEMO_APP_ID, "encode": charset})
    assert await errors_only(ans) == "ERROR_PARAMS"


@pytest.mark.parametrize("charset", ["GB2312", "GB18030", "ISO-8859-1", "UTF-16"])
async def test_java_charsets_are_honoured(emay, charset):
    ans = await emay.secure("getBalance", encode=charset)
    assert ans.result == "SUCCESS" and ans.data == {"balance": 1_000_000}


@pytest.mark.parametrize("value", ["²", "9" * 5000, "١٢٣"])
async def test_request_time_that_is_not_a_java_long_is_error_params(emay, value):
    payload = {"requestTime": value, "requestValidPeriod": 60}
    assert await errors_only(await emay.secure("getBalance", payload=payload)) == "ERROR_PARAMS"


@pytest.mark.parametrize("value", ["²", "١٢", 10.5, [1], {"n": 1}])
async def test_number_that_is_not_an_int_is_error_params(emay, value):
    assert await errors_only(await emay.secure("getReport", {"number": value})) == "ERROR_PARAMS"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"mobile": "1٣٩٠٠٠٠٠٠٠١", "content": "x"}, "ERROR_MOBILE_ERROR"),  # Arabic-Indic digits
        ({"mobile": "13900000000", "content": "x", "extendedCode": "١٢٣"}, "ERROR_EXTENDED_CODE"),
        ({"mobile": "13900000000", "content": {"a": 1}}, "ERROR_PARAMS"),
        ({"mobile": "13900000000", "content": ["x"]}, "ERROR_PARAMS"),
        ({"mobile": ["13900000000"], "content": "x"}, "ERROR_PARAMS"),
        ({"mobile": "13900000000", "content": "x", "customSmsId": {"id": 1}}, "ERROR_PARAMS"),
        ({"mobile": "13900000000", "content": "x", "timerTime": ["2030-01-01 00:00:00"]}, "ERROR_PARAMS"),
    ],
)
async def test_wrong_types_and_non_ascii_digits(emay, fields, code):
    assert await errors_only(await emay.secure("sendSingleSMS", fields)) == code
    assert messages(emay) == []
