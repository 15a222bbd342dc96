"""Every §6 code a request can trigger, over HTTP, both as a GET query and as a form POST.

Each row sets the account up, sends one request and expects exactly ``{"Code": code, "Message": text}``
(SmsCancel's -142 is per id, inside Details).  Internal-error codes (-139/-141/-144/-198 from a crash)
are in test_faults.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulator.vendors.mobset.codes import ERRORS
from tests.helpers import FAULT_SCENARIO

from .helpers import BEIJING, CORP_ID, PATH, auth, stamp

SEND = {"PhoneNumbers": "13912345678", "Content": "hello"}


def opt(**values: Any) -> Callable[[Any], None]:
    def setup(account, now):
        for k, v in values.items():
            setattr(account.options, k, v)

    return setup


def field(**values: Any) -> Callable[[Any], None]:
    def setup(account, now):
        for k, v in values.items():
            setattr(account, k, v)
        account.__post_init__()

    return setup


def closed_window(account, now):
    now = datetime.fromtimestamp(now, BEIJING)
    account.send_window = ((now + timedelta(hours=2)).time(), (now + timedelta(hours=3)).time())


def none(account, now):
    pass


def without(name: str) -> Callable[[dict[str, str]], dict[str, str]]:
    return lambda p: {k: v for k, v in p.items() if k != name}


# (id, Methods, setup, request parameters or a function of the fixed ones, Code, Message)
ROWS: list[tuple[str, str, Callable, Any, int, str]] = [
    ("102-fixed", "SmsGetBalance", none, without("SecretKey"), -102, "请求参数不完整或有误:SecretKey"),
    ("102-methods", "SmsGetBalance", none, without("Methods"), -102, "请求参数不完整或有误:Methods"),
    (
        "102-timestamp",
        "SmsGetBalance",
        none,
        {"TimeStamp": "2024-05-01"},
        -102,
        "请求参数不完整或有误:TimeStamp",
    ),
    ("102-phones", "SmsSend", none, {"Content": "x"}, -102, "请求参数不完整或有误:PhoneNumbers"),
    ("102-content", "SmsSend", none, {"PhoneNumbers": "13912345678"}, -102, "请求参数不完整或有误:Content"),
    ("102-addnum", "SmsSend", none, {**SEND, "AddNum": "١٢"}, -102, "请求参数不完整或有误:AddNum"),
    ("102-smsid", "SmsCancel", none, {}, -102, "请求参数不完整或有误:SmsID"),
    ("103", "SmsGetBalance", none, {"LoginName": "other"}, -103, ERRORS[-103]),
    ("104", "SmsGetRecv", opt(sdk_enabled=False), {}, -104, ERRORS[-104]),
    ("105", "SmsGetReport", none, {"SecretKey": "0" * 32}, -105, ERRORS[-105]),
    ("106", "SmsGetSign", field(ip_allowlist=["10.0.0.0/8"]), {}, -106, ERRORS[-106]),
    ("107-unknown", "SmsGetBalance", none, {"CorpID": "399999"}, -107, ERRORS[-107]),
    ("107-closed", "SmsGetBalance", opt(status="closed"), {}, -107, ERRORS[-107]),
    ("107-disabled", "SmsSend", field(enabled=False), SEND, -107, ERRORS[-107]),
    ("109", "SmsGetBalance", none, "stale", -109, ERRORS[-109]),
    ("110-blank", "SmsSend", none, {**SEND, "Content": " "}, -110, ERRORS[-110]),
    ("110-long", "SmsSend", none, {**SEND, "Content": "x" * 495}, -110, ERRORS[-110]),
    ("111", "SmsSend", opt(sms_permission=False), SEND, -111, ERRORS[-111]),
    (
        "112-count",
        "SmsSend",
        none,
        {**SEND, "PhoneNumbers": ",".join(["13912345678"] * 51)},
        -112,
        ERRORS[-112],
    ),
    ("112-none", "SmsSend", none, {**SEND, "PhoneNumbers": ", ,"}, -112, ERRORS[-112]),
    ("112-user", "SmsSend", opt(user_status="disabled"), SEND, -112, "用户状态异常"),
    ("123", "SmsSend", opt(status="disabled"), SEND, -123, ERRORS[-123]),
    ("125", "SmsSend", opt(status="expired"), SEND, -125, ERRORS[-125]),
    ("126", "SmsSend", opt(daily_limit=0), SEND, -126, ERRORS[-126]),
    ("127", "SmsSend", closed_window, SEND, -127, ERRORS[-127]),
    ("128", "SmsSend", field(balance=0), SEND, -128, ERRORS[-128]),
    ("129", "SmsSend", opt(user_quota=0), SEND, -129, ERRORS[-129]),
    ("132-send", "SmsSend", opt(signature=""), SEND, -132, ERRORS[-132]),
    ("132-sign", "SmsGetSign", opt(signature=""), {}, -132, ERRORS[-132]),
    ("133", "SmsSend", opt(signature_approved=False), SEND, -133, ERRORS[-133]),
    ("133-other", "SmsSend", none, {**SEND, "Content": "【别家】hi"}, -133, ERRORS[-133] + ":别家"),
    ("139", "SmsSend", none, {**SEND, "PhoneNumbers": "13912345678,13800000007"}, -139, ERRORS[-139]),
    ("143", "SmsCancel", none, {"SmsID": ",".join(str(i) for i in range(51))}, -143, ERRORS[-143]),
    ("190", "SmsSend", none, {**SEND, "PhoneNumbers": "13900000001"}, -190, ERRORS[-190]),
    ("191", "SmsQuery", none, {}, -191, ERRORS[-191]),
]


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize(
    ("method", "setup", "params", "code", "message"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
async def test_every_code(make_client, http, method, setup, params, code, message):
    client = await make_client(scenario_text=FAULT_SCENARIO)
    account = client.sim.accounts.get("mobset", CORP_ID)
    setup(account, client.sim.clock.now())
    fixed = auth(method)
    if params == "stale":
        query = auth(method, timestamp=stamp(time.time() - 21 * 60, digits=14))
    elif callable(params):
        query = params(fixed)
    else:
        query = {**fixed, **params}
    if http == "GET":
        resp = await client.get(PATH, params=query)
    else:
        resp = await client.post(PATH, data=query)
    assert resp.status == 200 and resp.content_type == "application/json"
    assert await resp.json() == {"Code": code, "Message": message}
    assert client.sim.store.query_messages(vendor="mobset") == []  # a failed request sends nothing


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_cancel_status_142_and_1_per_id(make_client, http):
    client = await make_client()
    later = datetime.fromtimestamp(client.sim.clock.now() + 600, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    query = {**auth("SmsSend"), **SEND, "TimerSend": later}
    sent = await (await client.post(PATH, data=query)).json()
    sms_id = sent["SmsIdList"][0]["SmsId"]
    query = {**auth("SmsCancel"), "SmsID": f"{sms_id},{sms_id},1,{'9' * 30}"}
    resp = await (client.get(PATH, params=query) if http == "GET" else client.post(PATH, data=query))
    assert await resp.json() == {
        "Code": 1,
        "Message": "成功取消 1 条短信",
        "Details": [
            {"SmsID": sms_id, "Status": 1},
            {"SmsID": sms_id, "Status": -142},  # already cancelled by the first
            {"SmsID": 1, "Status": -142},
            {"SmsID": "9" * 30, "Status": -142},  # beyond a long: echoed as sent
        ],
    }
