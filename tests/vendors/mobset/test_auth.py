"""mobset fixed parameters (§3.2): presence, enterprise/user/permission/IP checks, SecretKey, TimeStamp."""

import hashlib
import json
from datetime import datetime

import pytest

from simulator.vendors.mobset.auth import make_secret, parse_timestamp

from .helpers import BEIJING, CORP_ID, PATH, auth, call, stamp


def bj(*args: int) -> float:
    return datetime(*args, tzinfo=BEIJING).timestamp()


@pytest.fixture
async def client(make_client):
    return await make_client()


def account(client):
    return client.sim.accounts.get("mobset", CORP_ID)


async def raw(client, params, http="GET"):
    resp = await (client.get(PATH, params=params) if http == "GET" else client.post(PATH, data=params))
    assert resp.status == 200 and resp.content_type == "application/json"
    return json.loads(await resp.text())


# -- TimeStamp parsing ----------------------------------------------------------------------------------
def test_fourteen_digit_timestamp_is_beijing_time():
    assert parse_timestamp("20220501103020", bj(2022, 5, 1)) == bj(2022, 5, 1, 10, 30, 20)


def test_ten_digit_timestamp_is_the_current_year():
    assert parse_timestamp("0720165618", bj(2024, 7, 20, 16, 50)) == bj(2024, 7, 20, 16, 56, 18)


def test_ten_digit_timestamp_across_new_year_is_read_in_the_nearest_year():
    # a client clock a minute behind, just after midnight on 1 January: last year's 31 December
    assert parse_timestamp("1231235900", bj(2025, 1, 1, 0, 0, 30)) == bj(2024, 12, 31, 23, 59)
    # a client clock a minute ahead, just before midnight on 31 December: next year's 1 January
    assert parse_timestamp("0101000030", bj(2024, 12, 31, 23, 59, 50)) == bj(2025, 1, 1, 0, 0, 30)


def test_29_february_is_only_read_in_a_leap_year():
    assert parse_timestamp("0229120000", bj(2025, 3, 1)) == bj(2024, 2, 29, 12)
    assert parse_timestamp("0229120000", bj(2023, 6, 1)) == bj(2024, 2, 29, 12)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024050110302",
        "202405011030201",
        "1332000000",
        "0732250000",
        "2024-05-01",
        "０７２０１６５６１８",
    ],
)
def test_malformed_timestamps(text):
    assert parse_timestamp(text, bj(2024, 7, 20)) is None


def test_secret_key_is_md5_of_corp_password_timestamp():
    assert (
        make_secret("300003", "demo123", "0720165618") == hashlib.md5(b"300003demo1230720165618").hexdigest()
    )


# -- over HTTP ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize("digits", [10, 14])
async def test_both_timestamp_forms_are_accepted(client, http, digits):
    params = auth("SmsGetBalance", timestamp=stamp(digits=digits))
    assert await raw(client, params, http) == {"Code": 1_000_000, "Message": "取短信余额成功"}


async def test_secret_key_is_case_insensitive(client):
    params = auth("SmsGetBalance")
    params["SecretKey"] = params["SecretKey"].upper()
    assert (await raw(client, params))["Code"] == 1_000_000


async def test_post_with_empty_body_and_every_parameter_in_the_query_string(client):
    resp = await client.post(PATH, params=auth("SmsGetBalance"))
    assert json.loads(await resp.text()) == {"Code": 1_000_000, "Message": "取短信余额成功"}


async def test_parameter_names_are_case_insensitive(client):
    params = {k.lower(): v for k, v in auth("SmsGetSign").items()}
    assert await raw(client, params) == {"Code": 0, "Message": "取签名成功", "Sign": "首易测试"}


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize("name", ["Methods", "CorpID", "LoginName", "TimeStamp", "SecretKey"])
async def test_each_missing_fixed_parameter_is_named_in_a_102(client, http, name):
    params = auth("SmsGetBalance")
    del params[name]
    assert await raw(client, params, http) == {"Code": -102, "Message": f"请求参数不完整或有误:{name}"}


async def test_blank_fixed_parameter_counts_as_missing(client):
    params = {**auth("SmsGetBalance"), "LoginName": "  "}
    assert await raw(client, params) == {"Code": -102, "Message": "请求参数不完整或有误:LoginName"}


@pytest.mark.parametrize("http", ["GET", "POST"])
@pytest.mark.parametrize("name", ["SmsSendX", "smssend", "Balance"])
async def test_unknown_method(client, http, name):
    assert await raw(client, auth(name), http) == {"Code": -191, "Message": "Method 不存在"}


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_unknown_enterprise(client, http):
    params = auth("SmsGetBalance", corp_id="399999")
    assert await raw(client, params, http) == {"Code": -107, "Message": "企业不存在或状态异常"}


@pytest.mark.parametrize("change", [{"enabled": False}, {"status": "closed"}])
async def test_closed_or_disabled_enterprise_is_refused_on_every_method(client, change):
    acct = account(client)
    if "enabled" in change:
        acct.enabled = False
    else:
        acct.options.status = change["status"]
    for method in ("SmsGetBalance", "SmsGetReport", "SmsSend"):
        body = await call(client, method, PhoneNumbers="13912345678", Content="hi")
        assert body == {"Code": -107, "Message": "企业不存在或状态异常"}


async def test_wrong_login_name(client):
    assert await raw(client, auth("SmsGetBalance", login="nobody")) == {"Code": -103, "Message": "帐号不存在"}


async def test_sdk_permission_not_opened(client):
    account(client).options.sdk_enabled = False
    assert await call(client, "SmsGetSign") == {"Code": -104, "Message": "帐号权限不足"}


async def test_ip_not_on_the_allow_list(client):
    acct = account(client)
    acct.ip_allowlist = ["10.0.0.0/8"]
    acct.__post_init__()
    assert await call(client, "SmsGetBalance") == {"Code": -106, "Message": "非法访问 IP"}
    acct.ip_allowlist = ["127.0.0.1"]
    acct.__post_init__()
    assert (await call(client, "SmsGetBalance"))["Code"] == 1_000_000


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_wrong_password(client, http):
    params = auth("SmsGetBalance", password="wrong")
    assert await raw(client, params, http) == {"Code": -105, "Message": "帐号验证失败"}


@pytest.mark.parametrize("ts", ["2024-05-01", "12345", "1332000000", "abcdefghij"])
async def test_malformed_timestamp_is_a_102(client, ts):
    params = auth("SmsGetBalance", timestamp=ts)
    assert await raw(client, params) == {"Code": -102, "Message": "请求参数不完整或有误:TimeStamp"}


@pytest.mark.parametrize(("offset", "code"), [(-21 * 60, -109), (21 * 60, -109), (-19 * 60, 1_000_000)])
async def test_timestamp_must_be_within_20_minutes(client, offset, code):
    import time

    params = auth("SmsGetBalance", timestamp=stamp(time.time() + offset, digits=14))
    body = await raw(client, params)
    assert body["Code"] == code
    if code == -109:
        assert body["Message"] == "校验用户失败"


async def test_new_year_edge_over_http(make_client):
    client = await make_client(
        clock={"frozen": True, "auth": "simulated", "start": "2025-01-01T00:00:30+08:00"}
    )
    body = await raw(client, auth("SmsGetBalance", timestamp="1231235900"))
    # read in the current year it would be almost a year away (-109)
    assert body == {"Code": 1_000_000, "Message": "取短信余额成功"}
    body = await raw(client, auth("SmsGetBalance", timestamp="1231233900"))
    assert body == {"Code": -109, "Message": "校验用户失败"}  # 21 minutes before: stale


async def test_window_is_configurable(make_client):
    import time

    client = await make_client(vendors={"mobset": {"time_window": 3600}})
    params = auth("SmsGetBalance", timestamp=stamp(time.time() - 50 * 60))
    assert (await raw(client, params))["Code"] == 1_000_000


async def test_document_https_example_with_a_repeated_secret_key(client):
    # §4.1.3's HTTPS example repeats SecretKey (…&SecretKey=<key>&SecretKey=123456…): in the query string
    # the first occurrence counts, so the example works as written
    p = auth("SmsSend")
    query = (
        f"Methods=SmsSend&CorpID={p['CorpID']}&LoginName={p['LoginName']}&TimeStamp={p['TimeStamp']}"
        f"&SecretKey={p['SecretKey']}&SecretKey=123456&PhoneNumbers=13512346789"
        "&Content=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E7%9F%AD%E4%BF%A1"
    )
    resp = await client.get(f"{PATH}?{query}")
    body = json.loads(await resp.text())
    assert body == {
        "Code": 1,
        "Message": "成功提交 1 条短信",
        "SmsIdList": [{"PhoneNumber": "13512346789", "SmsId": 500000001}],
    }
