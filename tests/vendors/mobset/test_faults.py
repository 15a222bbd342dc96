"""Scenario faults and unexpected failures: always the vendor's own envelope and code, never a 500."""

import pytest

from .helpers import PATH, auth, call

SCENARIO = """
name: faults
rules:
  - match: {mobile: "13900000001"}
    fault: {error: rate_limited}
  - match: {mobile: "13900000002"}
    fault: {http_status: 503}
"""


@pytest.fixture
async def client(make_client):
    return await make_client(scenario_text=SCENARIO)


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_rate_limited_fault_is_system_busy(client, http):
    body = await call(client, "SmsSend", http, PhoneNumbers="13900000001", Content="x")
    assert body == {"Code": -190, "Message": "系统繁忙 1"}


async def test_http_status_fault_is_a_bare_status(client):
    resp = await client.get(PATH, params={**auth("SmsSend"), "PhoneNumbers": "13900000002", "Content": "x"})
    assert resp.status == 503
    assert client.sim.store.query_messages(vendor="mobset") == []


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize(
    ("method", "code", "message"),
    [
        ("SmsGetReport", -198, "内部异常 1"),
        ("SmsGetRecv", -198, "内部异常 1"),
        ("SmsSend", -139, "提交短信未知异常"),
        ("SmsGetBalance", -141, "取短信余额失败"),
        ("SmsCancel", -144, "取消短信未知异常"),
    ],
)
async def test_unexpected_failure_gets_the_methods_own_code(client, monkeypatch, http, method, code, message):
    def boom(*args, **kwargs):
        raise RuntimeError("store down")

    store = client.sim.store
    for name in ("pull_take", "take", "next_number", "messages_by_vendor_id"):
        monkeypatch.setattr(store, name, boom)
    if method == "SmsGetBalance":
        monkeypatch.setattr(type(client.sim.accounts.get("mobset", "300003")), "balance", property(boom))
    body = await call(client, method, http, PhoneNumbers="13912345678", Content="x", SmsID="500000001")
    assert body == {"Code": code, "Message": message}


async def test_undecodable_query_string(client):
    resp = await client.get(PATH + "?Methods=%FF%FE&CorpID=%E4%B8")
    assert resp.status == 200
    assert await resp.json() == {"Code": -191, "Message": "Method 不存在"}


@pytest.mark.parametrize("charset", ["idna", "base64", "nonsense"])
async def test_a_body_charset_python_cannot_decode_with_is_read_as_utf8(client, charset):
    # the idna codec refuses errors="replace": it used to crash the form decoding (-198)
    resp = await client.post(
        PATH + "?" + "&".join(f"{k}={v}" for k, v in auth("SmsGetBalance").items()),
        data=b"Foo=bar",
        headers={"Content-Type": f"application/x-www-form-urlencoded; charset={charset}"},
    )
    assert await resp.json() == {"Code": 1_000_000, "Message": "取短信余额成功"}
