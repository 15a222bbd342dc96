"""SmsSend (§4.1) over HTTP, GET and POST: success shapes, signature, limits and every reachable code."""

from datetime import datetime, timedelta

import pytest

from .helpers import BEIJING, CORP_ID, PATH, auth, call

SIG = "【首易测试】"


@pytest.fixture
async def client(make_client):
    return await make_client()


def account(client):
    return client.sim.accounts.get("mobset", CORP_ID)


def messages(client):
    return client.sim.store.query_messages(vendor="mobset")


async def send(client, http="GET", **params):
    return await call(client, "SmsSend", http, **params)


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_send_success_shape(client, http):
    body = await send(client, http, PhoneNumbers="13912345678,13800000000", Content="您的验证码是1234")
    assert body == {
        "Code": 2,
        "Message": "成功提交 2 条短信",
        "SmsIdList": [
            {"PhoneNumber": "13912345678", "SmsId": 500000001},
            {"PhoneNumber": "13800000000", "SmsId": 500000002},
        ],
    }
    msgs = messages(client)
    assert [(m.id, m.mobile, m.content, m.segments) for m in msgs] == [
        ("500000001", "13912345678", SIG + "您的验证码是1234", 1),
        ("500000002", "13800000000", SIG + "您的验证码是1234", 1),
    ]
    assert account(client).balance == 1_000_000 - 2


async def test_post_with_empty_body_and_query_parameters(client):
    params = {**auth("SmsSend"), "PhoneNumbers": "13912345678", "Content": "你好"}
    resp = await client.post(PATH, params=params)
    body = await resp.json()
    assert body["Code"] == 1 and body["SmsIdList"][0]["SmsId"] == 500000001
    assert messages(client)[0].content == SIG + "你好"


async def test_lowercase_names_extra_parameters_and_empty_optionals(client):
    body = await call(
        client,
        "SmsSend",
        "POST",
        phonenumbers="13912345678",
        content="hello",
        AddNum="",
        TimerSend="",
        LongSms="1",
        SmsID="123",
        Password="demo123",
    )
    assert body["Code"] == 1
    m = messages(client)[0]
    assert m.status == "sent" and m.extra["add_num"] == ""


async def test_invalid_numbers_get_sms_id_0_and_are_not_charged(client):
    body = await send(
        client, PhoneNumbers="1391234567, 13912345678 ,abc,+8613912345678,23912345678", Content="x"
    )
    assert body == {
        "Code": 1,
        "Message": "成功提交 1 条短信",
        "SmsIdList": [
            {"PhoneNumber": "1391234567", "SmsId": 0},
            {"PhoneNumber": "13912345678", "SmsId": 500000001},
            {"PhoneNumber": "abc", "SmsId": 0},
            {"PhoneNumber": "+8613912345678", "SmsId": 0},
            {"PhoneNumber": "23912345678", "SmsId": 0},
        ],
    }
    assert account(client).balance == 1_000_000 - 1


async def test_numbers_in_other_digits_are_invalid(client):
    # \d would take Arabic-Indic or fullwidth digits for a mobile number
    body = await send(client, PhoneNumbers="1٣٩١٢٣٤٥٦٧٨,１３９１２３４５６７８,13912345678", Content="x")
    assert [i["SmsId"] for i in body["SmsIdList"]] == [0, 0, 500000001] and body["Code"] == 1


async def test_all_numbers_invalid_is_code_0(client):
    body = await send(client, PhoneNumbers="123,456", Content="x")
    assert body["Code"] == 0 and body["Message"] == "成功提交 0 条短信"
    assert [i["SmsId"] for i in body["SmsIdList"]] == [0, 0]
    assert messages(client) == [] and account(client).balance == 1_000_000


async def test_duplicate_numbers_each_get_a_message(client):
    body = await send(client, PhoneNumbers="13912345678,13912345678", Content="x")
    assert [i["SmsId"] for i in body["SmsIdList"]] == [500000001, 500000002]


# -- signature -----
@pytest.mark.parametrize(
    ("content", "received"),
    [
        ("hello", SIG + "hello"),
        (SIG + "hello", SIG + "hello"),
        ("hello" + SIG, "hello" + SIG),
        ("[首易测试]hello", "[首易测试]hello"),
        ("中间【首易测试】不算", SIG + "中间【首易测试】不算"),
    ],
)
async def test_signature_added_when_missing(client, content, received):
    assert (await send(client, PhoneNumbers="13912345678", Content=content))["Code"] == 1
    assert messages(client)[0].content == received


async def test_signature_as_suffix(client):
    account(client).options.signature_position = "suffix"
    await send(client, PhoneNumbers="13912345678", Content="hello")
    assert messages(client)[0].content == "hello" + SIG


@pytest.mark.parametrize("content", ["【别家】hello", "hello【别家】"])
async def test_another_signature_is_not_registered(client, content):
    body = await send(client, PhoneNumbers="13912345678", Content=content)
    assert body == {"Code": -133, "Message": "签名未报备或签名未审核通过:别家"}


async def test_signature_not_approved(client):
    account(client).options.signature_approved = False
    body = await send(client, PhoneNumbers="13912345678", Content="hi")
    assert body == {"Code": -133, "Message": "签名未报备或签名未审核通过"}


@pytest.mark.parametrize("signature", ["", "【坏】", "长" * 21])
async def test_no_or_bad_signature(client, signature):
    account(client).options.signature = signature
    body = await send(client, PhoneNumbers="13912345678", Content="hi")
    assert body == {"Code": -132, "Message": "无短信签名或签名不符合规范"}


# -- length and segments -----
@pytest.mark.parametrize(
    ("length", "long_sms", "segments"),
    [(64, None, 1), (65, None, 2), (134, None, 3), (134, "1", 3), (134, "0", 2), (64, "0", 1), (65, "0", 2)],
)
async def test_segments_count_the_signature(client, length, long_sms, segments):
    params = {"PhoneNumbers": "13912345678", "Content": "字" * length}
    if long_sms is not None:
        params["LongSms"] = long_sms
    assert (await send(client, "POST", **params))["Code"] == 1
    m = messages(client)[0]
    assert len(m.content) == length + 6 and m.segments == segments
    assert account(client).balance == 1_000_000 - segments


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_content_too_long(client, http):
    ok = await send(client, "POST", PhoneNumbers="13912345678", Content="x" * 494)
    assert ok["Code"] == 1  # 500 with the signature
    body = await send(client, "POST", PhoneNumbers="13912345678", Content="x" * 495)
    assert body == {"Code": -110, "Message": "短信内容长度不符合要求"}


@pytest.mark.parametrize("content", ["", "   "])
async def test_blank_content(client, content):
    body = await send(client, PhoneNumbers="13912345678", Content=content)
    assert body == {"Code": -110, "Message": "短信内容长度不符合要求"}


@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_missing_content(client, http):
    body = await send(client, http, PhoneNumbers="13912345678")
    assert body == {"Code": -102, "Message": "请求参数不完整或有误:Content"}


# -- numbers -----
@pytest.mark.parametrize("http", ["GET", "POST"])
async def test_phone_numbers_limit(client, http):
    fifty = ",".join(f"139{i:08d}" for i in range(50))
    assert (await send(client, http, PhoneNumbers=fifty, Content="x"))["Code"] == 50
    body = await send(client, http, PhoneNumbers=fifty + ",13912345678", Content="x")
    assert body == {"Code": -112, "Message": "目标号码数量不符合要求"}


@pytest.mark.parametrize(("numbers", "code"), [(None, -102), ("", -102), (",, ,", -112)])
async def test_no_numbers(client, numbers, code):
    params = {"Content": "x"} if numbers is None else {"PhoneNumbers": numbers, "Content": "x"}
    body = await send(client, **params)
    assert body["Code"] == code
    if code == -102:
        assert body["Message"] == "请求参数不完整或有误:PhoneNumbers"


# -- TimerSend and AddNum -----
def beijing(client, seconds: float) -> str:
    return datetime.fromtimestamp(client.sim.clock.now() + seconds, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


async def test_timer_send_schedules_the_message(client):
    at = beijing(client, 3600)
    await send(client, PhoneNumbers="13912345678", Content="x", TimerSend=at)
    m = messages(client)[0]
    assert m.status == "scheduled"
    assert datetime.fromtimestamp(m.scheduled_at, BEIJING).strftime("%Y-%m-%d %H:%M:%S") == at
    client.sim.clock.advance(3599)
    assert m.status == "scheduled"
    client.sim.clock.advance(1)
    assert m.status == "sent"


@pytest.mark.parametrize("timer", ["past", "1721465778000", "tomorrow"])
async def test_timer_send_in_the_past_or_unreadable_goes_at_once(client, timer):
    value = beijing(client, -60) if timer == "past" else timer
    assert (await send(client, PhoneNumbers="13912345678", Content="x", TimerSend=value))["Code"] == 1
    assert messages(client)[0].status == "sent"


async def test_add_num_is_kept(client):
    await send(client, PhoneNumbers="13912345678", Content="x", AddNum="4004")
    assert messages(client)[0].extra["add_num"] == "4004"


@pytest.mark.parametrize("add_num", ["12a", "1234567", "-1"])
async def test_bad_add_num(client, add_num):
    body = await send(client, PhoneNumbers="13912345678", Content="x", AddNum=add_num)
    assert body == {"Code": -102, "Message": "请求参数不完整或有误:AddNum"}


# -- account state, limits, balance -----
@pytest.mark.parametrize(
    ("option", "value", "code", "message"),
    [
        ("sms_permission", False, -111, "没有发送短信权限"),
        ("user_status", "disabled", -112, "用户状态异常"),
        ("status", "disabled", -123, "企业状态异常"),
        ("status", "expired", -125, "企业已过期"),
    ],
)
async def test_account_state(client, option, value, code, message):
    setattr(account(client).options, option, value)
    body = await send(client, PhoneNumbers="13912345678", Content="x")
    assert body == {"Code": code, "Message": message}
    assert messages(client) == []
    # queries still work for such an account
    assert (await call(client, "SmsGetBalance"))["Code"] == 1_000_000


async def test_expires_at_on_the_simulated_clock(client):
    account(client).options.expires_at = datetime.fromtimestamp(client.sim.clock.now() + 60, BEIJING)
    assert (await send(client, PhoneNumbers="13912345678", Content="x"))["Code"] == 1
    client.sim.clock.advance(59)
    assert (await send(client, PhoneNumbers="13912345678", Content="x"))["Code"] == 1
    client.sim.clock.advance(1.001)  # datetime keeps microseconds only
    body = await send(client, PhoneNumbers="13912345678", Content="x")
    assert body == {"Code": -125, "Message": "企业已过期"}


async def test_account_options_from_the_config(make_client):
    client = await make_client(
        accounts=[
            {
                "vendor": "mobset",
                "id": "300100",
                "secret": "pw",
                "balance": 5,
                "options": {"login_name": "ops", "signature": "测试", "expires_at": "2000-01-01 00:00:00"},
            }
        ]
    )
    body = await call(client, "SmsGetBalance", **auth("SmsGetBalance", "300100", "pw", "ops"))
    assert body == {"Code": 5, "Message": "取短信余额成功"}
    body = await call(
        client, "SmsSend", **auth("SmsSend", "300100", "pw", "ops"), PhoneNumbers="13912345678", Content="x"
    )
    assert body == {"Code": -125, "Message": "企业已过期"}
    body = await call(client, "SmsGetSign", **auth("SmsGetSign", "300100", "pw", "ops"))
    assert body == {"Code": 0, "Message": "取签名成功", "Sign": "测试"}


async def test_daily_limit_counts_billed_messages_per_beijing_day(client):
    account(client).options.daily_limit = 3
    assert (await send(client, PhoneNumbers="13912345678,13912345679", Content="x"))["Code"] == 2
    body = await send(client, PhoneNumbers="13912345678,13912345679", Content="x")
    assert body == {"Code": -126, "Message": "超出当天最大发送量"}
    assert (await send(client, PhoneNumbers="13912345678", Content="x"))["Code"] == 1
    # the next Beijing day starts afresh
    now = datetime.fromtimestamp(client.sim.clock.now(), BEIJING)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    client.sim.clock.advance(midnight.timestamp() - now.timestamp())
    assert (await send(client, PhoneNumbers="13912345678", Content="x"))["Code"] == 1


async def test_outside_the_send_window(client):
    now = datetime.fromtimestamp(client.sim.clock.now(), BEIJING)
    account(client).send_window = ((now + timedelta(hours=1)).time(), (now + timedelta(hours=2)).time())
    body = await send(client, PhoneNumbers="13912345678", Content="x")
    assert body == {"Code": -127, "Message": "不支持当前时段发送"}


async def test_enterprise_balance(client):
    account(client).balance = 2
    body = await send(client, PhoneNumbers="13912345678,13912345679,13912345670", Content="x")
    assert body == {"Code": -128, "Message": "企业余额不足以支持本次发送"}
    assert messages(client) == [] and account(client).balance == 2
    assert (await send(client, PhoneNumbers="13912345678,13912345679", Content="x"))["Code"] == 2
    assert account(client).balance == 0


async def test_user_quota(client):
    account(client).options.user_quota = 3
    assert (await send(client, PhoneNumbers="13912345678,13912345679", Content="x"))["Code"] == 2
    assert (await call(client, "SmsGetBalance"))["Code"] == 1
    body = await send(client, PhoneNumbers="13912345678,13912345679", Content="x")
    assert body == {"Code": -129, "Message": "用户余额不足以支持本次发送"}
    assert account(client).options.user_quota == 1 and account(client).balance == 1_000_000 - 2


async def test_scenario_system_error_is_139_and_nothing_is_sent(client):
    body = await send(client, PhoneNumbers="13912345678,13800000007", Content="x")
    assert body == {"Code": -139, "Message": "提交短信未知异常"}
    assert messages(client) == [] and account(client).balance == 1_000_000


async def test_sensitive_word_is_accepted_then_fails_review(client):
    account(client).sensitive_words = ["赌博"]
    body = await send(client, PhoneNumbers="13912345678", Content="线上赌博")
    assert body["Code"] == 1
    client.sim.clock.advance(1)
    report = await call(client, "SmsGetReport")
    assert [(d["SmsId"], d["Status"], d["ExStatus"]) for d in report["Details"]] == [(500000001, 7, "")]


async def test_garbage_never_breaks_the_answer(client):
    resp = await client.post(
        PATH, data=b"\xff\xfe%%%&&=&Methods=SmsSend&CorpID=\x00", headers={"Content-Type": "text/plain"}
    )
    assert resp.status == 200
    assert await resp.json() == {"Code": -102, "Message": "请求参数不完整或有误:LoginName"}
