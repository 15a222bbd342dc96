"""Every kx endpoint over HTTP, GET and POST, success and every reachable §12.1 code, exact shapes."""

import json
import re
import time

import pytest

from .helpers import APIKEY, USERID, auth


async def call(client, path, method="GET", **params):
    if method == "GET":
        resp = await client.get(path, params=params)
    else:
        resp = await client.post(path, data=params)
    assert resp.status == 200
    assert resp.content_type == "application/json"
    return json.loads(await resp.text())


@pytest.fixture
async def client(make_client):
    return await make_client()


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_send_success_shape(client, method):
    body = await call(
        client, "/api/sms/send", method, **auth(), mobile="13800000000,13912345678", msgcontent="hello"
    )
    assert list(body) == ["code", "msg", "data"]
    assert body["code"] == "0" and body["msg"] == "成功"
    assert re.fullmatch(r"\d{22}", body["data"]["taskid"])
    msgs = client.sim.store.query_messages(vendor="kx")
    assert [m.mobile for m in msgs] == ["13800000000", "13912345678"]
    assert {m.id for m in msgs} == {body["data"]["taskid"]}
    assert client.sim.accounts.get("kx", USERID).balance == 1_000_000 - 2


async def test_post_with_charset_utf8_trailing_ampersand_and_extra_params(client):
    a = auth()
    form = (
        f"userid={a['userid']}&ts={a['ts']}&sign={a['sign']}&mobile=13912345678"
        f"&msgcontent=%E4%BD%A0%E5%A5%BD&apikey={APIKEY}&time=&extnum=&"
    )
    resp = await client.post(
        "/api/sms/send", data=form, headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf8"}
    )
    body = await resp.json()
    assert body["code"] == "0", body
    assert client.sim.store.query_messages(vendor="kx")[0].content == "你好"


async def test_long_message_is_billed_by_segments(client):
    await call(client, "/api/sms/send", **auth(), mobile="13912345678", msgcontent="字" * 135)
    m = client.sim.store.query_messages(vendor="kx")[0]
    assert m.segments == 3
    assert client.sim.accounts.get("kx", USERID).balance == 1_000_000 - 3


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("change", "code", "msg"),
    [
        ({"mobile": ""}, "2", "参数校验失败,参数不能为空"),
        ({"msgcontent": ""}, "2", "参数校验失败,参数不能为空"),
        ({"sign": ""}, "2", "参数校验失败,参数不能为空"),
        ({"userid": "999999"}, "4", "用户不存在"),
        ({"sign": "0" * 32}, "6", "sign校验失败"),
        ({"time": "2026-01-01"}, "8", "time时间格式错误"),
        ({"time": "20261399999999"}, "8", "time时间格式错误"),
        ({"extnum": "1234567"}, "9", "扩展号格式错误"),
        ({"extnum": "12a"}, "9", "扩展号格式错误"),
        ({"msgcontent": "x" * 1001}, "11", "短信内容过长"),
        ({"ts": "1000"}, "14", "ts校验有误,要求5分钟内有效"),
        ({"messageid": "a\\b"}, "2", None),
        ({"messageid": "x" * 33}, "2", None),
    ],
)
async def test_send_errors(client, method, change, code, msg):
    params = {**auth(), "mobile": "13912345678", "msgcontent": "hello", **change}
    if "ts" in change:  # re-sign with the stale ts, so only the ts is wrong
        params.update(auth(ts=int(change["ts"])))
    if change.get("sign") == "":
        params["sign"] = ""
    body = await call(client, "/api/sms/send", method, **params)
    assert body["code"] == code, body
    assert "data" not in body
    if msg:
        assert body["msg"] == msg
    assert client.sim.store.query_messages(vendor="kx") == []


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_more_than_1000_numbers_is_15(client, method):
    mobiles = ",".join(["13912345678"] * 1001)
    body = await call(client, "/api/sms/send", method, **auth(), mobile=mobiles, msgcontent="x")
    assert body == {"code": "15", "msg": "号码个数超过限制"}


async def test_schedule_more_than_15_days_ahead_is_16(client):
    when = time.strftime("%Y%m%d%H%M%S", time.gmtime(client.sim.clock.now() + 8 * 3600 + 16 * 86400))
    body = await call(client, "/api/sms/send", **auth(), mobile="13912345678", msgcontent="x", time=when)
    assert body == {"code": "16", "msg": "超出可定时发送时间"}


async def test_scheduled_send_waits_on_the_simulated_clock(client):
    when = time.strftime("%Y%m%d%H%M%S", time.gmtime(client.sim.clock.now() + 8 * 3600 + 3600))
    body = await call(client, "/api/sms/send", **auth(), mobile="13912345678", msgcontent="x", time=when)
    assert body["code"] == "0"
    m = client.sim.store.query_messages(vendor="kx")[0]
    assert m.status == "scheduled"
    client.sim.clock.advance(3599)
    assert m.status == "scheduled"
    client.sim.clock.advance(1)
    assert m.status == "sent"
    client.sim.clock.advance(2)
    assert m.status == "delivered"


async def test_balance_too_low_is_3_and_charges_nothing(make_client):
    client = await make_client(accounts=[{"vendor": "kx", "id": "7", "secret": "k", "balance": 1}])
    body = await call(
        client, "/api/sms/send", **auth("7", "k"), mobile="13912345678,13912345679", msgcontent="x"
    )
    assert body == {"code": "3", "msg": "余额不足"}
    assert client.sim.accounts.get("kx", "7").balance == 1


async def test_http_disabled_is_5(make_client):
    client = await make_client(
        accounts=[{"vendor": "kx", "id": "7", "secret": "k", "options": {"http_enabled": False}}]
    )
    body = await call(client, "/api/sms/balance", **auth("7", "k"))
    assert body == {"code": "5", "msg": "未开通HTTP协议接口权限"}


async def test_ip_allowlist_is_7(make_client):
    client = await make_client(
        accounts=[{"vendor": "kx", "id": "7", "secret": "k", "ip_allowlist": ["10.9.9.9"]}]
    )
    body = await call(client, "/api/sms/send", **auth("7", "k"), mobile="13912345678", msgcontent="x")
    assert body == {"code": "7", "msg": "IP校验失败"}
    resp = await client.patch("/_sim/accounts/kx/7", json={"ip_allowlist": ["127.0.0.1", "::1"]})
    assert resp.status == 200
    body = await call(client, "/api/sms/send", **auth("7", "k"), mobile="13912345678", msgcontent="x")
    assert body["code"] == "0"


async def test_sensitive_word_is_10_naming_the_word(make_client):
    client = await make_client(
        accounts=[{"vendor": "kx", "id": "7", "secret": "k", "sensitive_words": ["枪支"]}]
    )
    body = await call(client, "/api/sms/send", **auth("7", "k"), mobile="13912345678", msgcontent="出售枪支")
    assert body == {"code": "10", "msg": "发送内容包含敏感词[枪支]"}


async def test_outside_sending_hours_is_17(make_client):
    client = await make_client(
        clock={"frozen": True, "start": "2026-11-22T15:00:00Z"},  # 23:00 in Beijing
        accounts=[{"vendor": "kx", "id": "7", "secret": "k", "send_window": "08:00-22:00"}],
    )
    body = await call(client, "/api/sms/send", **auth("7", "k"), mobile="13912345678", msgcontent="x")
    assert body == {"code": "17", "msg": "超出可发送时间范围"}
    client.sim.clock.advance(10 * 3600)  # 09:00 next day
    body = await call(client, "/api/sms/send", **auth("7", "k"), mobile="13912345678", msgcontent="x")
    assert body["code"] == "0"


async def test_magic_number_7_fails_the_whole_request_with_code_1(client):
    body = await call(client, "/api/sms/send", **auth(), mobile="13912345678,13800000007", msgcontent="x")
    assert body == {"code": "1", "msg": "失败"}
    assert client.sim.store.query_messages(vendor="kx") == []
    assert client.sim.accounts.get("kx", USERID).balance == 1_000_000


async def test_invalid_number_is_accepted_and_reported_F110(client):
    body = await call(client, "/api/sms/send", **auth(), mobile="12345,13912345678", msgcontent="x")
    assert body["code"] == "0"
    client.sim.clock.advance(0)
    bad = client.sim.store.query_messages(mobile="12345")[0]
    assert (bad.status, bad.code) == ("undeliverable", "F110")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_balance(client, method):
    body = await call(client, "/api/sms/balance", method, **auth())
    assert body == {"code": "0", "msg": "成功", "data": {"balance": "1000000"}}
    await call(client, "/api/sms/send", method, **auth(), mobile="13912345678", msgcontent="x" * 71)
    body = await call(client, "/api/sms/balance", method, **auth())
    assert body["data"]["balance"] == "999998"


async def test_balance_errors(client):
    a = auth()
    a["sign"] = "f" * 32
    assert await call(client, "/api/sms/balance", **a) == {"code": "6", "msg": "sign校验失败"}
    assert await call(client, "/api/sms/balance", userid="1") == {
        "code": "2",
        "msg": "参数校验失败,参数不能为空",
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_report_query_hands_out_once_max_200(client, method):
    mobiles = ",".join(f"139{i:08d}" for i in range(250))
    send = await call(client, "/api/sms/send", **auth(), mobile=mobiles, msgcontent="x", messageid="abc-1")
    taskid = send["data"]["taskid"]
    empty = await call(client, "/api/v2/sms/query", method, **auth())
    assert empty == {"code": "0", "msg": "成功"}  # no data key when empty
    client.sim.clock.advance(2)
    first = await call(client, "/api/v2/sms/query", method, **auth())
    assert len(first["data"]) == 200
    item = first["data"][0]
    assert item == {
        "time": item["time"],
        "taskid": taskid,
        "messageid": "abc-1",
        "code": "DELIVRD",
        "msg": "成功",
        "mobile": "13900000000",
    }
    assert re.fullmatch(r"\d{14}", item["time"])
    second = await call(client, "/api/v2/sms/query", method, **auth())
    assert len(second["data"]) == 50
    assert await call(client, "/api/v2/sms/query", method, **auth()) == {"code": "0", "msg": "成功"}


async def test_report_codes_for_magic_numbers(client):
    mobiles = "13800000000,13800000001,13800000003,13800000004"
    await call(client, "/api/sms/send", **auth(), mobile=mobiles, msgcontent="x")
    client.sim.clock.advance(0)
    got = {r["mobile"]: r["code"] for r in (await call(client, "/api/v2/sms/query", **auth()))["data"]}
    assert got == {
        "13800000000": "DELIVRD",
        "13800000001": "UNDELIV",
        "13800000003": "REJECTD",
        "13800000004": "F1120",
    }


async def test_expired_after_validity_and_no_report_for_8(client):
    await call(client, "/api/sms/send", **auth(), mobile="13800000002,13800000008", msgcontent="x")
    client.sim.clock.advance(47 * 3600)
    assert await call(client, "/api/v2/sms/query", **auth()) == {"code": "0", "msg": "成功"}
    client.sim.clock.advance(3600)
    data = (await call(client, "/api/v2/sms/query", **auth()))["data"]
    assert [(r["mobile"], r["code"]) for r in data] == [("13800000002", "EXPIRED")]
    silent = client.sim.store.query_messages(mobile="13800000008")[0]
    assert silent.status == "sent"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_moquery(client, method):
    await call(client, "/api/sms/send", **auth(), mobile="13800000006", msgcontent="x", extnum="01")
    client.sim.clock.advance(0)
    assert await call(client, "/api/v2/sms/moquery", method, **auth()) == {"code": "0", "msg": "成功"}
    client.sim.clock.advance(5)
    body = await call(client, "/api/v2/sms/moquery", method, **auth())
    [mo] = body["data"]
    assert list(mo) == ["id", "time", "msgcontent", "srcid", "mobile"]
    assert re.fullmatch(r"[0-9a-f]{32}", mo["id"])
    assert (mo["msgcontent"], mo["mobile"], mo["srcid"]) == ("TD", "13800000006", "106901888900101")
    assert await call(client, "/api/v2/sms/moquery", method, **auth()) == {"code": "0", "msg": "成功"}


async def test_query_errors(client):
    assert await call(client, "/api/v2/sms/query", **auth(userid="4")) == {"code": "4", "msg": "用户不存在"}
    assert await call(client, "/api/v2/sms/moquery", **auth(ts=1)) == {
        "code": "14",
        "msg": "ts校验有误,要求5分钟内有效",
    }


# -- p2psend -----------------------------------------------------------------------------------------
async def p2p(client, body):
    resp = await client.post("/api/sms/p2psend", json=body)
    assert resp.status == 200
    return await resp.json()


async def test_p2psend_success_and_per_item_results(client):
    body = {
        **auth(),
        "list": [
            {"mobile": "18600000001", "msgcontent": "【邦邦快递】您的快递已到,取件号:1234"},
            {"mobile": "18600000002", "msgcontent": "x" * 1001},
            {"mobile": "18600000003", "msgcontent": ""},
        ],
    }
    out = await p2p(client, body)
    assert out["code"] == "0" and out["msg"] == "成功"
    assert re.fullmatch(r"\d{22}", out["data"]["taskid"])
    assert out["data"]["result"] == [
        {"mobile": "18600000001", "code": "0", "msg": "提交成功"},
        {"mobile": "18600000002", "code": "11", "msg": "短信内容过长"},
        {"mobile": "18600000003", "code": "2", "msg": "参数校验失败,参数不能为空"},
    ]
    [m] = client.sim.store.query_messages(vendor="kx")
    assert (m.mobile, m.id) == ("18600000001", out["data"]["taskid"])


async def test_p2psend_tolerates_the_documents_stray_spaces(client):
    a = auth()
    body = {
        "userid": a["userid"] + " ",
        "ts": a["ts"],
        "sign": a["sign"],
        "list": [{"mobile ": "18600000001 ", "msgcontent": "hi"}],
    }
    out = await p2p(client, body)
    assert out["code"] == "0", out
    assert client.sim.store.query_messages(vendor="kx")[0].mobile == "18600000001"


async def test_p2psend_auth_failure_has_the_documents_shape(client):
    a = auth()
    a["sign"] = "0" * 32
    out = await p2p(
        client,
        {
            **a,
            "list": [
                {"mobile": "18600000001", "msgcontent": "a"},
                {"mobile": "18600000002", "msgcontent": "b"},
            ],
        },
    )
    assert out == {
        "code": "6",
        "msg": "sign校验失败",
        "data": {
            "taskid": "",
            "result": [
                {"mobile": "18600000001", "code": "6", "msg": "sign校验失败"},
                {"mobile": "18600000002", "code": "6", "msg": "sign校验失败"},
            ],
        },
    }


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"list": []}, "2"),
        ({"list": "nope"}, "2"),
        ({"list": [{"mobile": "18600000001", "msgcontent": "x"}] * 1001}, "15"),
        ({"extnum": "abcdefg"}, "9"),
        ({"time": "tomorrow"}, "8"),
    ],
)
async def test_p2psend_request_errors(client, extra, code):
    body = {**auth(), "list": [{"mobile": "18600000001", "msgcontent": "x"}], **extra}
    out = await p2p(client, body)
    assert out["code"] == code
    assert out["data"]["taskid"] == ""


async def test_p2psend_all_items_failed_is_not_0(client):
    out = await p2p(client, {**auth(), "list": [{"mobile": "18600000001", "msgcontent": ""}]})
    assert out["code"] == "2" and out["data"]["taskid"] == ""


async def test_p2psend_balance_and_system_error(make_client):
    client = await make_client(accounts=[{"vendor": "kx", "id": "7", "secret": "k", "balance": 0}])
    out = await p2p(client, {**auth("7", "k"), "list": [{"mobile": "18600000001", "msgcontent": "x"}]})
    assert out["code"] == "3"
    out = await p2p(client, {**auth(), "list": [{"mobile": "13800000007", "msgcontent": "x"}]})
    assert out["code"] == "1"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b"\xff\xfe", b'{"userid": null}'])
async def test_p2psend_garbage_is_code_2_never_a_crash(client, raw):
    resp = await client.post("/api/sms/p2psend", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 200
    assert (await resp.json())["code"] == "2"


async def test_p2psend_deep_json_is_code_2(client):
    resp = await client.post(
        "/api/sms/p2psend", data=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert (await resp.json())["code"] == "2"


async def test_lone_surrogates_are_stored_as_question_marks_and_everything_still_renders(client, receiver):
    body = {
        **auth(),
        "messageid": "id\ud800",
        "list": [{"mobile": "13912345678", "msgcontent": "hi\ud800there"}],
    }
    raw = json.dumps(body).encode()  # ascii JSON with a \\ud800 escape, as a Java client could send
    resp = await client.post("/api/sms/p2psend", data=raw, headers={"Content-Type": "application/json"})
    assert (await resp.json())["code"] == "0"
    [m] = client.sim.store.query_messages(vendor="kx")
    assert (m.content, m.extra["messageid"]) == ("hi?there", "id?")
    listed = await client.get("/_sim/messages")
    assert listed.status == 200 and (await listed.json())["messages"][0]["content"] == "hi?there"
    await client.patch(
        f"/_sim/accounts/kx/{USERID}", json={"mode": "push", "report_url": receiver.url + "/r"}
    )
    client.sim.clock.advance(3)
    await client.sim.dispatcher.drain()
    [req] = receiver.requests
    assert req.json()[0]["messageid"] == "id?"
