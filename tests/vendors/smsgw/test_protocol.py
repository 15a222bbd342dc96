"""smsgw protocol: every action, GET and POST, plain and MD5 passwords, every reachable status/result."""

from __future__ import annotations

import asyncio
import re

import pytest

from .helpers import (
    ACCOUNT,
    EXTNO,
    PASSWORD,
    PRICE,
    START_BALANCE,
    call,
    md5,
    p2p_password,
    send,
    send_password,
)

MID = re.compile(r"[0-9A-F]{16}")
METHODS = pytest.mark.parametrize("method", ["GET", "POST"])


def smsgw_account(**kw):
    base = {"vendor": "smsgw", "id": "700001", "secret": "pw700001", "options": {"extno": "1069700"}}
    options = kw.pop("options", {})
    return {**base, **kw, "options": {**base["options"], **options}}


async def client_with(make_client, **account):
    return await make_client(accounts=[smsgw_account(**account)])


# -- send ------------------------------------------------------------------------------------------------
@METHODS
async def test_send_answers_like_the_document(sim_client, method):
    out = await send(sim_client, "13912345678,13912345679", method=method)
    assert list(out) == ["status", "balance", "list"]
    assert out["status"] == "0"  # a string in send responses
    assert out["balance"] == START_BALANCE - 2 * PRICE
    assert [(i["mobile"], i["result"]) for i in out["list"]] == [("13912345678", 0), ("13912345679", 0)]
    mids = [i["mid"] for i in out["list"]]
    assert all(MID.fullmatch(m) for m in mids)
    assert int(mids[1], 16) == int(mids[0], 16) + 1  # consecutive within a request, as in the examples
    msgs = sim_client.sim.store.query_messages(vendor="smsgw")
    assert [(m.id, m.mobile, m.cost, m.extra["extno"]) for m in msgs] == [
        (mids[0], "13912345678", PRICE, EXTNO),
        (mids[1], "13912345679", PRICE, EXTNO),
    ]


async def test_send_mids_are_unique_across_requests(sim_client):
    a = await send(sim_client, "13912345678")
    b = await send(sim_client, "13912345678")
    assert a["list"][0]["mid"] != b["list"][0]["mid"]


@pytest.mark.parametrize("case", [str.lower, str.upper])
async def test_send_accepts_md5_password_in_either_case(sim_client, case):
    mobile, content = "13912345678,13912345679", "您好 world【测试】"
    out = await send(sim_client, mobile, content, password=case(send_password(mobile, content)))
    assert out["status"] == "0" and [i["result"] for i in out["list"]] == [0, 0]


async def test_send_md5_must_cover_extno_content_and_mobile(sim_client):
    # MD5(password) is the balance/report/mo form, not send's
    out = await send(sim_client, "13912345678", password=md5(PASSWORD))
    assert out == {"status": "3", "balance": 0, "list": []}
    out = await send(sim_client, "13912345678", "other", password=send_password("13912345678", "x"))
    assert out["status"] == "3"
    assert sim_client.sim.store.query_messages(vendor="smsgw") == []


async def test_plus_in_content_is_decoded_as_a_space_like_the_real_gateway(sim_client):
    # a client using encodeURI leaves "+" unescaped; form decoding turns it into a space
    resp = await sim_client.get(
        f"/sms?action=send&account={ACCOUNT}&password={PASSWORD}&mobile=13912345678"
        f"&content=a+b%E3%80%90%E6%B5%8B%E8%AF%95%E3%80%91&extno={EXTNO}&rt=json"
    )
    assert (await resp.json())["status"] == "0"
    [msg] = sim_client.sim.store.query_messages(vendor="smsgw")
    assert msg.content == "a b【测试】"


async def test_long_content_is_billed_per_segment(sim_client):
    out = await send(sim_client, "13912345678", "字" * 71)  # 71 characters: two segments of 67
    assert out["balance"] == START_BALANCE - 2 * PRICE


@METHODS
async def test_send_with_too_many_numbers_is_status_102(sim_client, method):
    mobiles = ",".join(f"139{i:08d}" for i in range(501))
    out = await send(sim_client, mobiles, method=method)
    assert out == {"status": "102", "balance": START_BALANCE, "list": []}
    ok = await send(sim_client, ",".join(f"139{i:08d}" for i in range(500)))
    assert ok["status"] == "0" and len(ok["list"]) == 500


@pytest.mark.parametrize(
    "params",
    [
        {"mobile": "", "content": "x"},
        {"mobile": " , ", "content": "x"},
        {"mobile": "13912345678", "content": ""},
        {"mobile": "13912345678", "content": "   "},
        {"mobile": None, "content": "x"},
    ],
)
async def test_send_without_numbers_or_content_is_status_1(sim_client, params):
    out = await call(sim_client, action="send", extno=EXTNO, **params)
    assert out == {"status": "1", "balance": START_BALANCE, "list": []}


async def test_send_with_wrong_extno_is_result_10_for_every_number(sim_client):
    out = await send(sim_client, "13912345678,13912345679", extno="10690999")
    assert out["status"] == "0" and out["balance"] == START_BALANCE
    assert [i["result"] for i in out["list"]] == [10, 10]
    assert all(MID.fullmatch(i["mid"]) for i in out["list"])
    assert sim_client.sim.store.query_messages(vendor="smsgw") == []
    assert (await send(sim_client, "13912345678", extno=None))["list"][0]["result"] == 10


async def test_extno_may_carry_an_extension(sim_client):
    out = await send(sim_client, "13912345678", extno=EXTNO + "1234")
    assert out["list"][0]["result"] == 0
    [msg] = sim_client.sim.store.query_messages(vendor="smsgw")
    assert msg.extra["extno"] == EXTNO + "1234"
    assert (await send(sim_client, "13912345678", extno=EXTNO + "1234567"))["list"][0]["result"] == 10
    assert (await send(sim_client, "13912345678", extno=EXTNO + "12a"))["list"][0]["result"] == 10


async def test_signature_required_is_result_17(make_client):
    client = await client_with(make_client, options={"require_signature": True, "signatures": ["测试"]})
    kw = {"account": "700001", "password": "pw700001", "extno": "1069700"}
    assert (await send(client, "13912345678", "no signature", **kw))["list"][0]["result"] == 17
    assert (await send(client, "13912345678", "【别人】内容", **kw))["list"][0]["result"] == 17
    assert (await send(client, "13912345678", "【测试】内容", **kw))["list"][0]["result"] == 0
    assert (await send(client, "13912345678", "内容【测试】", **kw))["list"][0]["result"] == 0
    assert len(client.sim.store.query_messages(vendor="smsgw")) == 2


async def test_any_signature_is_enough_when_none_is_registered(make_client):
    client = await client_with(make_client, options={"require_signature": True})
    kw = {"account": "700001", "password": "pw700001", "extno": "1069700"}
    assert (await send(client, "13912345678", "内容", **kw))["list"][0]["result"] == 17
    assert (await send(client, "13912345678", "【任意】内容", **kw))["list"][0]["result"] == 0


async def test_submit_system_error_is_status_100_and_nothing_is_charged(sim_client):
    out = await send(sim_client, "13912345678,13800000007")
    assert out == {"status": "100", "balance": START_BALANCE, "list": []}
    assert sim_client.sim.store.query_messages(vendor="smsgw") == []


async def test_unexpected_crash_is_status_100_not_a_500(sim_client, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("bug")

    monkeypatch.setattr(sim_client.sim.engine, "accept", boom)
    out = await send(sim_client, "13912345678")
    assert out["status"] == "100" and out["list"] == []


# -- p2p -------------------------------------------------------------------------------------------------
@METHODS
@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n"])
async def test_p2p_lines_split_on_cr_lf_and_crlf(sim_client, method, brk):
    lines = brk.join(f"1380000000{i}#下发内容{i}" for i in range(1, 5)) + brk  # a trailing break too
    out = await call(sim_client, method, action="p2p", extno=EXTNO, mobileContentList=lines)
    assert out["status"] == "0" and out["balance"] == START_BALANCE - 4 * PRICE
    assert [(i["mobile"], i["result"]) for i in out["list"]] == [(f"1380000000{i}", 0) for i in range(1, 5)]
    msgs = sim_client.sim.store.query_messages(vendor="smsgw")
    assert [(m.mobile, m.content) for m in msgs] == [(f"1380000000{i}", f"下发内容{i}") for i in range(1, 5)]
    assert [m.id for m in msgs] == [i["mid"] for i in out["list"]]


async def test_p2p_document_example_url(sim_client):
    resp = await sim_client.get(
        "/sms?action=p2p&rt=json&account=922011&password=123456&mobileContentList=13800000001%23%e4%b8%8b"
        "%e5%8f%91%e5%86%85%e5%ae%b91%0d13800000002%23%e4%b8%8b%e5%8f%91%e5%86%85%e5%ae%b92%0d13800000003"
        "%23%e4%b8%8b%e5%8f%91%e5%86%85%e5%ae%b93%0d13800000004%23%e4%b8%8b%e5%8f%91%e5%86%85%e5%ae%b94"
        f"%0d&extno={EXTNO}"
    )
    out = await resp.json()
    assert out["status"] == "0" and [i["result"] for i in out["list"]] == [0, 0, 0, 0]


@pytest.mark.parametrize("case", [str.lower, str.upper])
async def test_p2p_md5_password_without_line_breaks(sim_client, case):
    lines = "13912345678#第一条\r\n13912345679#第二条\n"
    out = await call(
        sim_client, action="p2p", extno=EXTNO, mobileContentList=lines, password=case(p2p_password(lines))
    )
    assert out["status"] == "0" and len(out["list"]) == 2
    wrong = md5(PASSWORD + EXTNO + lines)  # line breaks kept: not the documented digest
    out = await call(sim_client, action="p2p", extno=EXTNO, mobileContentList=lines, password=wrong)
    assert out["status"] == "3"


@pytest.mark.parametrize("lines", ["13912345678 no hash", "#content", "13912345678#", "", "\r\n\n"])
async def test_p2p_malformed_list_is_status_1(sim_client, lines):
    out = await call(sim_client, action="p2p", extno=EXTNO, mobileContentList=lines)
    assert out == {"status": "1", "balance": START_BALANCE, "list": []}


async def test_p2p_content_may_contain_hash(sim_client):
    out = await call(sim_client, action="p2p", extno=EXTNO, mobileContentList="13912345678#订单#42")
    assert out["list"][0]["result"] == 0
    assert sim_client.sim.store.query_messages(vendor="smsgw")[0].content == "订单#42"


async def test_p2p_more_than_500_lines_is_status_102(sim_client):
    lines = "\n".join(f"139{i:08d}#x" for i in range(501))
    out = await call(sim_client, action="p2p", extno=EXTNO, mobileContentList=lines)
    assert out["status"] == "102"


async def test_p2p_signature_is_checked_per_line(make_client):
    client = await client_with(make_client, options={"require_signature": True})
    out = await call(
        client,
        account="700001",
        password="pw700001",
        action="p2p",
        extno="1069700",
        mobileContentList="13912345678#【签名】好\n13912345679#没有签名",
    )
    assert [i["result"] for i in out["list"]] == [0, 17]
    assert [m.mobile for m in client.sim.store.query_messages(vendor="smsgw")] == ["13912345678"]


# -- balance and charging ------------------------------------------------------------------------------
@METHODS
@pytest.mark.parametrize("password", [PASSWORD, md5(PASSWORD), md5(PASSWORD).upper()])
async def test_balance(sim_client, method, password):
    out = await call(sim_client, method, action="balance", password=password)
    assert out == {"status": 0, "balance": START_BALANCE, "chargeType": "PRECHARGE"}


async def test_balance_errors_keep_a_numeric_status(sim_client):
    out = await call(sim_client, action="balance", password="wrong")
    assert out == {"status": 3, "balance": 0}


async def test_precharge_refuses_what_the_balance_does_not_cover(make_client):
    client = await client_with(make_client, balance=150, options={"charge_type": "PRECHARGE"})
    kw = {"account": "700001", "password": "pw700001", "extno": "1069700"}
    out = await send(client, "13912345678,13912345679,13912345670", "x", **kw)
    assert [i["result"] for i in out["list"]] == [0, 0, 15]  # numbers are charged in order
    assert out["balance"] == 150 - 2 * PRICE
    assert len(client.sim.store.query_messages(vendor="smsgw")) == 2
    balance = await call(client, action="balance", account="700001", password="pw700001")
    assert balance == {"status": 0, "balance": 30, "chargeType": "PRECHARGE"}


async def test_postcharge_goes_negative(make_client):
    client = await client_with(make_client, balance=100, options={"charge_type": "POSTCHARGE"})
    kw = {"account": "700001", "password": "pw700001", "extno": "1069700"}
    out = await send(client, "13912345678,13912345679,13912345670", "x", **kw)
    assert [i["result"] for i in out["list"]] == [0, 0, 0]
    assert out["balance"] == 100 - 3 * PRICE
    balance = await call(client, action="balance", account="700001", password="pw700001")
    assert balance == {"status": 0, "balance": -80, "chargeType": "POSTCHARGE"}


async def test_charge_type_follows_allow_negative_when_not_set(make_client):
    client = await client_with(make_client, balance=0, allow_negative=True, options={"price_per_segment": 7})
    kw = {"account": "700001", "password": "pw700001"}
    assert (await call(client, action="balance", **kw))["chargeType"] == "POSTCHARGE"
    out = await send(client, "13912345678", "x", extno="1069700", **kw)
    assert out["list"][0]["result"] == 0 and out["balance"] == -7


# -- authentication and account state -------------------------------------------------------------------
@METHODS
@pytest.mark.parametrize(
    "creds",
    [
        {"account": "999999"},
        {"password": "wrong"},
        {"password": None},
        {"account": None},
        {"password": md5("wrong")},
    ],
)
async def test_bad_credentials_are_status_3(sim_client, method, creds):
    out = await call(sim_client, method, action="report", **creds)
    assert out == {"status": "3", "balance": 0, "list": []}


async def test_ip_allowlist_is_status_2(make_client):
    client = await client_with(make_client, ip_allowlist=["10.9.9.9"])
    out = await call(client, action="balance", account="700001", password="pw700001")
    assert out == {"status": 2, "balance": 0}
    ok = await make_client(accounts=[smsgw_account(ip_allowlist=["127.0.0.1"])])
    assert (await call(ok, action="balance", account="700001", password="pw700001"))["status"] == 0


async def test_disabled_account_is_status_7(make_client):
    client = await client_with(make_client, enabled=False)
    out = await send(client, "13912345678", account="700001", password="pw700001", extno="1069700")
    assert out == {"status": "7", "balance": 0, "list": []}


async def test_account_without_http_access_is_status_6(make_client):
    client = await client_with(make_client, options={"http_enabled": False})
    out = await call(client, action="mo", account="700001", password="pw700001")
    assert out == {"status": "6", "balance": 0, "list": []}


async def test_outside_the_send_window_is_status_5(make_client):
    client = await make_client(
        accounts=[smsgw_account(send_window="08:00-20:00")],
        clock={"frozen": True, "start": "2024-01-01T22:00:00+08:00"},
    )
    out = await send(client, "13912345678", account="700001", password="pw700001", extno="1069700")
    assert out["status"] == "5"


async def test_too_many_concurrent_requests_is_status_21(make_client, monkeypatch):
    client = await client_with(make_client, options={"max_connections": 1})
    vendor = client.sim.vendors["smsgw"]
    release = asyncio.Event()
    entered = asyncio.Event()
    original = client.sim.engine.apply_faults

    async def held(decisions):  # keeps the first send in flight until released
        entered.set()
        await release.wait()
        await original(decisions)

    monkeypatch.setattr(client.sim.engine, "apply_faults", held)
    kw = {"account": "700001", "password": "pw700001"}
    first = asyncio.create_task(send(client, "13912345678", extno="1069700", **kw))
    await asyncio.wait_for(entered.wait(), 5)
    assert vendor.inflight("700001") == 1
    busy = await call(client, action="balance", **kw)
    assert busy == {"status": 21, "balance": 1_000_000}
    assert (await call(client, action="balance"))["status"] == 0  # another account is not limited
    release.set()
    assert (await asyncio.wait_for(first, 5))["status"] == "0"
    assert vendor.inflight("700001") == 0
    assert (await call(client, action="balance", **kw))["status"] == 0


# -- request format -------------------------------------------------------------------------------------
@pytest.mark.parametrize("action", [None, "", "statis", "sendx"])
async def test_unknown_or_missing_action_is_status_1(sim_client, action):
    out = await call(sim_client, action=action)
    assert out == {"status": "1", "balance": 0, "list": []}


async def test_query_string_and_body_merge_and_a_json_body_is_ignored(sim_client):
    resp = await sim_client.post(f"/sms?action=balance&account={ACCOUNT}", data={"password": PASSWORD})
    assert (await resp.json())["status"] == 0
    resp = await sim_client.post("/sms", json={"action": "balance", "account": ACCOUNT, "password": PASSWORD})
    assert await resp.json() == {"status": "1", "balance": 0, "list": []}


async def test_undecodable_body_gets_an_answer(sim_client):
    resp = await sim_client.post(
        "/sms",
        data=b"action=send&account=922011&password=123456&mobile=13912345678&content=\xff\xfe&extno=10690123",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf8"},
    )
    assert resp.status == 200
    out = await resp.json()
    assert out["status"] == "0" and out["list"][0]["result"] == 0


async def test_other_methods_and_paths_are_not_the_gateway(sim_client):
    assert (await sim_client.put("/sms")).status == 405
    assert (await sim_client.get("/sms/send")).status == 404


async def test_bad_size_is_status_1(sim_client):
    out = await call(sim_client, action="report", size="ten")
    assert out == {"status": "1", "balance": START_BALANCE, "list": []}


async def test_document_report_example_with_a_repeated_action(sim_client):
    # §4.2's example URL repeats the action: ?action=report&action=report&account=…
    resp = await sim_client.get(
        f"/sms?action=report&action=report&account={ACCOUNT}&password={PASSWORD}&size=10&rt=json"
    )
    assert await resp.json() == {"status": "0", "balance": START_BALANCE, "list": []}


@pytest.mark.parametrize("action", ["BALANCE", " Balance "])
async def test_action_is_matched_without_case_or_blanks(sim_client, action):
    out = await call(sim_client, "GET", action=action)
    assert out == {"status": 0, "balance": START_BALANCE, "chargeType": "PRECHARGE"}
