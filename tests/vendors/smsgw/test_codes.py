"""Every §7 STATUS and §8 RESULT a request can trigger, over HTTP, as a GET query and as a form POST.

STATUS is a string in send/p2p/report/mo answers and a number in balance answers; the balance is
only shown once the password has been verified.  (21 from concurrency is in test_protocol.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest

from tests.helpers import FAULT_SCENARIO

from .helpers import ACCOUNT, EXTNO, PASSWORD, START_BALANCE, md5

SEND = {"action": "send", "mobile": "13912345678", "content": "hi【测试】", "extno": EXTNO}
P2P = {"action": "p2p", "mobileContentList": "13912345678#hi【测试】", "extno": EXTNO}


def opt(**values: Any) -> Callable[[Any], None]:
    def setup(account):
        for k, v in values.items():
            setattr(account.options, k, v)

    return setup


def field(**values: Any) -> Callable[[Any], None]:
    def setup(account):
        for k, v in values.items():
            setattr(account, k, v)
        account.__post_init__()

    return setup


def none(account):
    pass


B = START_BALANCE
# (id, setup, params, the whole answer); 5 (send window) is in its own test below
STATUS_ROWS: list[tuple[str, Callable, dict[str, Any], dict[str, Any]]] = [
    ("1-action", none, {"action": "sendsms"}, {"status": "1", "balance": 0, "list": []}),
    ("1-no-action", none, {"action": None}, {"status": "1", "balance": 0, "list": []}),
    ("1-mobile", none, {**SEND, "mobile": ""}, {"status": "1", "balance": B, "list": []}),
    ("1-content", none, {**SEND, "content": ""}, {"status": "1", "balance": B, "list": []}),
    ("1-p2p", none, {**P2P, "mobileContentList": "13912345678"}, {"status": "1", "balance": B, "list": []}),
    ("1-size", none, {"action": "report", "size": "x"}, {"status": "1", "balance": B, "list": []}),
    ("1-szie", none, {"action": "mo", "szie": "1.5"}, {"status": "1", "balance": B, "list": []}),
    ("2", field(ip_allowlist=["10.0.0.0/8"]), SEND, {"status": "2", "balance": 0, "list": []}),
    ("2-balance", field(ip_allowlist=["10.0.0.0/8"]), {"action": "balance"}, {"status": 2, "balance": 0}),
    ("3", none, {**SEND, "password": "nope"}, {"status": "3", "balance": 0, "list": []}),
    ("3-md5", none, {**SEND, "password": md5(PASSWORD)}, {"status": "3", "balance": 0, "list": []}),
    ("3-account", none, {"action": "mo", "account": "1"}, {"status": "3", "balance": 0, "list": []}),
    ("3-balance", none, {"action": "balance", "password": ""}, {"status": 3, "balance": 0}),
    ("6", opt(http_enabled=False), P2P, {"status": "6", "balance": 0, "list": []}),
    ("7", field(enabled=False), {"action": "report"}, {"status": "7", "balance": 0, "list": []}),
    ("7-balance", field(enabled=False), {"action": "balance"}, {"status": 7, "balance": 0}),
    ("21", none, {**SEND, "mobile": "13900000001"}, {"status": "21", "balance": B, "list": []}),
    ("100", none, {**SEND, "mobile": "13912345678,13800000007"}, {"status": "100", "balance": B, "list": []}),
    (
        "102-send",
        none,
        {**SEND, "mobile": ",".join(f"139{i:08d}" for i in range(501))},
        {"status": "102", "balance": B, "list": []},
    ),
    (
        "102-p2p",
        none,
        {**P2P, "mobileContentList": "\n".join(f"139{i:08d}#x" for i in range(501))},
        {"status": "102", "balance": B, "list": []},
    ),
]


async def request(client, http: str, params: dict[str, Any]) -> Any:
    params = {"account": ACCOUNT, "password": PASSWORD, "rt": "json", **params}
    params = {k: v for k, v in params.items() if v is not None}
    resp = await (client.get("/sms", params=params) if http == "GET" else client.post("/sms", data=params))
    assert resp.status == 200 and resp.content_type == "application/json"
    return await resp.json()


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize(
    ("setup", "params", "expected"), [r[1:] for r in STATUS_ROWS], ids=[r[0] for r in STATUS_ROWS]
)
async def test_every_status(make_client, http, setup, params, expected):
    client = await make_client(scenario_text=FAULT_SCENARIO)
    setup(client.sim.accounts.get("smsgw", ACCOUNT))
    assert await request(client, http, params) == expected
    assert client.sim.store.query_messages(vendor="smsgw") == []


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_status_5_outside_the_send_window(make_client, http):
    client = await make_client(clock={"frozen": True, "start": "2024-01-01T22:00:00+08:00"})
    client.sim.accounts.get("smsgw", ACCOUNT).send_window = (time(8), time(20))
    assert await request(client, http, SEND) == {"status": "5", "balance": B, "list": []}
    assert await request(client, http, P2P) == {"status": "5", "balance": B, "list": []}


# (id, setup, params, per-number results, balance afterwards)
RESULT_ROWS: list[tuple[str, Callable, dict[str, Any], list[int], int]] = [
    ("0", none, SEND, [0], B - 60),
    ("10-send", none, {**SEND, "extno": "10690999"}, [10], B),
    ("10-p2p", none, {**P2P, "extno": ""}, [10], B),
    ("15", field(balance=100), {**SEND, "mobile": "13912345678,13912345679"}, [0, 15], 40),
    ("15-p2p", field(balance=59), P2P, [15], 59),
    ("17", opt(require_signature=True), {**SEND, "content": "hi"}, [17], B),
    ("17-p2p", opt(require_signature=True, signatures=["别家"]), P2P, [17], B),
]


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize(
    ("setup", "params", "results", "balance"), [r[1:] for r in RESULT_ROWS], ids=[r[0] for r in RESULT_ROWS]
)
async def test_every_result(make_client, http, setup, params, results, balance):
    client = await make_client()
    setup(client.sim.accounts.get("smsgw", ACCOUNT))
    out = await request(client, http, params)
    assert out["status"] == "0" and out["balance"] == balance
    assert [i["result"] for i in out["list"]] == results
    accepted = sum(1 for r in results if r == 0)
    assert len(client.sim.store.query_messages(vendor="smsgw")) == accepted


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_postcharge_never_gives_15_and_goes_negative(make_client, http):
    client = await make_client()
    account = client.sim.accounts.get("smsgw", ACCOUNT)
    account.balance = 100
    account.options.charge_type = "POSTCHARGE"
    out = await request(client, http, {**SEND, "mobile": "13912345678,13912345679"})
    assert [i["result"] for i in out["list"]] == [0, 0] and out["balance"] == -20
    assert await request(client, http, {"action": "balance"}) == {
        "status": 0,
        "balance": -20,
        "chargeType": "POSTCHARGE",
    }


@pytest.mark.parametrize("charset", ["idna", "base64", "nonsense"])
async def test_a_body_charset_python_cannot_decode_with_is_read_as_utf8(sim_client, charset):
    # the idna codec refuses errors="replace": it used to crash the form decoding (status 100)
    resp = await sim_client.post(
        "/sms",
        data=f"action=balance&account={ACCOUNT}&password={PASSWORD}".encode(),
        headers={"Content-Type": f"application/x-www-form-urlencoded; charset={charset}"},
    )
    assert await resp.json() == {"status": 0, "balance": B, "chargeType": "PRECHARGE"}
