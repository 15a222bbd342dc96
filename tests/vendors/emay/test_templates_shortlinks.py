"""Templates (create → review on the clock → send) and short links (send → visit → getShortLink)."""

from __future__ import annotations

import pytest

from simulator.vendors.emay.shortlinks import parse_user_agent

from .client import now_ms

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/75.0.3770.100 Safari/537.36"
)
WECHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.40(0x18002831) NetType/WIFI Language/zh_CN"
)


async def create(emay, content: str) -> str:
    ans = await emay.secure("createTemplateSMS", {"templateContent": content})
    assert ans.result == "SUCCESS"
    return ans.data["templateId"]


async def status(emay, tid: str) -> str:
    ans = await emay.secure("queryTemplateSMS", {"templateId": tid})
    assert ans.result == "SUCCESS" and ans.data["templateId"] == tid
    return ans.data["status"]


# -- templates ----------------------------------------------------------------------
async def test_template_approved_then_sends(emay):
    sim = emay.http.sim
    tid = await create(emay, "【亿美】您的订单已发货")
    assert await status(emay, tid) == "0"
    normal = {"smses": [{"mobile": "13900000001", "customSmsId": "1"}], "templateId": tid}
    assert (await emay.secure("sendTemplateNormalSMS", normal)).result == "ERROR_PARAMS"  # pending
    sim.clock.advance(5)
    assert await status(emay, tid) == "1"
    ans = await emay.secure("sendTemplateNormalSMS", normal)
    assert ans.result == "SUCCESS" and ans.data[0]["customSmsId"] == "1"
    (msg,) = sim.store.query_messages(vendor="emay")
    assert msg.content == "【亿美】您的订单已发货" and msg.extra["templateId"] == tid


async def test_template_rejected_never_sends(emay):
    sim = emay.http.sim
    tid = await create(emay, "REJECT me")
    sim.clock.advance(5)
    assert await status(emay, tid) == "2"
    send = {"smses": [{"mobile": "13900000001"}], "templateId": tid}
    assert (await emay.secure("sendTemplateNormalSMS", send)).result == "ERROR_PARAMS"
    assert sim.store.query_messages(vendor="emay") == []


async def test_variable_template(emay):
    sim = emay.http.sim
    tid = await create(emay, "【亿美】尊敬的{#name#}，您的余额为{#money#}元")
    sim.clock.advance(5)
    ans = await emay.secure(
        "sendTemplateVariableSMS",
        {
            "smses": [
                {
                    "mobile": "15903201025",
                    "customSmsId": "a",
                    "content": {"money": "10983.4", "name": "王先生"},
                },
                {"mobile": "15903201026", "customSmsId": "b", "content": {"money": 26985, "name": "李先生"}},
            ],
            "templateId": tid,
            "timerTime": None,
            "extendedCode": "111",
        },
    )
    assert ans.result == "SUCCESS" and [d["customSmsId"] for d in ans.data] == ["a", "b"]
    contents = {m.mobile: m.content for m in sim.store.query_messages(vendor="emay")}
    assert contents == {
        "15903201025": "【亿美】尊敬的王先生，您的余额为10983.4元",
        "15903201026": "【亿美】尊敬的李先生，您的余额为26985元",
    }
    missing = {"smses": [{"mobile": "15903201025", "content": {"name": "王"}}], "templateId": tid}
    assert (await emay.secure("sendTemplateVariableSMS", missing)).result == "ERROR_PARAMS"


async def test_template_query_and_delete(emay):
    sim = emay.http.sim
    tid = await create(emay, "hello")
    assert await status(emay, "999") == "-1"
    gone = await emay.secure("deleteTemplateSMS", {"templateId": tid})
    assert gone.data == {"code": "true", "templateId": tid}
    assert await status(emay, tid) == "-1"
    again = await emay.secure("deleteTemplateSMS", {"templateId": tid})
    assert again.data == {"code": "false", "templateId": tid}
    sim.clock.advance(5)  # the review of a deleted template changes nothing
    assert await status(emay, tid) == "-1"
    assert (await emay.secure("queryTemplateSMS", {})).result == "ERROR_PARAMS"
    assert (await emay.secure("createTemplateSMS", {"templateContent": ""})).result == "ERROR_CONTENT_EMPTY"


async def test_templates_belong_to_their_app(emay_with):
    other = await emay_with()
    from .client import EmayClient

    demo = EmayClient(other.http)
    tid = await create(demo, "hello")
    assert await status(other, tid) == "-1"
    assert await status(demo, tid) == "0"


# -- short links ----------------------------------------------------------------------
async def test_short_link_rule_2_per_recipient(emay):
    sim = emay.http.sim
    ans = await emay.secure(
        "sendShortLinkSMS",
        {
            "url": "https://emay.cn",
            "shortLinkRule": "2",
            "smses": [
                {"customSmsId": "1", "mobile": "13900000001"},
                {"customSmsId": "2", "mobile": "13900000002"},
            ],
            "content": "北京欢迎您，旅游详情请点击{#短网址#}",
            "extendedCode": "111",
        },
    )
    assert ans.result == "SUCCESS"
    msgs = {m.mobile: m for m in sim.store.query_messages(vendor="emay")}
    prefix = "北京欢迎您，旅游详情请点击"
    urls = {mobile: m.content[len(prefix) :] for mobile, m in msgs.items()}
    assert all(m.content.startswith(prefix) for m in msgs.values())
    assert urls["13900000001"] != urls["13900000002"]
    host = f"http://{emay.http.server.host}:{emay.http.server.port}/emay/s/"
    assert all(u.startswith(host) for u in urls.values())

    path = urls["13900000002"][len(host) - len("/emay/s/") :]
    resp = await emay.http.get(path, headers={"User-Agent": CHROME_WIN}, allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "https://emay.cn"

    (click,) = (await emay.secure("getShortLink", {"number": 300})).data
    assert click == {
        "mobile": "13900000002",
        "accessTime": click["accessTime"],
        "equipment": "Windows 10",
        "browser": "Chrome",
        "longLink": "https://emay.cn",
        "accessAddress": urls["13900000002"],
        "userAgent": CHROME_WIN,
        "appId": "EUCP-EMY-SMS1-DEMO1",
    }
    assert len(click["accessTime"]) == 19
    assert (await emay.secure("getShortLink")).data == []


async def test_short_link_rule_1_shared(emay):
    sim = emay.http.sim
    ans = await emay.secure(
        "sendShortLinkSMS",
        {
            "url": "http://www.baidu.com",
            "shortLinkRule": "1",
            "smses": [{"mobile": "13900000001"}, {"mobile": "13900000002"}],
            "content": "点击{#短网址#}查看",
        },
    )
    assert ans.result == "SUCCESS"
    contents = {m.content for m in sim.store.query_messages(vendor="emay")}
    assert len(contents) == 1
    url = contents.pop()[2:-2]
    path = url[url.index("/emay/s/") :]
    for ua in (CHROME_WIN, WECHAT_IOS):
        resp = await emay.http.get(path, headers={"User-Agent": ua}, allow_redirects=False)
        assert resp.status == 302
    clicks = (await emay.secure("getShortLink")).data
    assert [(c["mobile"], c["equipment"], c["browser"]) for c in clicks] == [
        ("", "Windows 10", "Chrome"),
        ("", "iOS 16.5", "WeChat"),
    ]


async def test_short_link_base_setting(emay_with):
    emay = await emay_with(settings={"short_link_base": "https://s.example.test"})
    body = {"url": "https://a.test", "smses": [{"mobile": "13900000001"}], "content": "go {#短网址#}"}
    assert (await emay.secure("sendShortLinkSMS", body)).result == "SUCCESS"
    (msg,) = emay.http.sim.store.query_messages(vendor="emay")
    assert msg.content.startswith("go https://s.example.test/emay/s/")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (
            {"url": "https://a.test", "smses": [{"mobile": "13900000001"}], "content": "no placeholder"},
            "ERROR_PARAMS",
        ),
        ({"smses": [{"mobile": "13900000001"}], "content": "{#短网址#}"}, "ERROR_PARAMS"),
        ({"url": "ftp://x", "smses": [{"mobile": "13900000001"}], "content": "{#短网址#}"}, "ERROR_PARAMS"),
        (
            {
                "url": "https://a.test",
                "shortLinkRule": "3",
                "smses": [{"mobile": "13900000001"}],
                "content": "{#短网址#}",
            },
            "ERROR_PARAMS",
        ),
        ({"url": "https://a.test", "smses": [], "content": "{#短网址#}"}, "ERROR_MOBILE_EMPTY"),
        (
            {"url": "https://a.test", "smses": [{"mobile": "13900000001"}], "content": ""},
            "ERROR_CONTENT_EMPTY",
        ),
    ],
)
async def test_short_link_errors(emay, fields, code):
    assert (await emay.secure("sendShortLinkSMS", fields)).result == code
    assert emay.http.sim.store.collection("emay.shortlinks") == {}


async def test_unknown_short_link_is_404(emay):
    resp = await emay.http.get("/emay/s/doesnotexist", allow_redirects=False)
    assert resp.status == 404


@pytest.mark.parametrize(
    ("ua", "equipment", "device", "browser"),
    [
        (CHROME_WIN, "Windows 10", "Desktop", "Chrome"),
        (WECHAT_IOS, "iOS 16.5", "iPhone", "WeChat"),
        (
            "Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/116.0.0.0 Mobile Safari/537.36",
            "Android 13",
            "Android phone",
            "Chrome",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Safari/605.1.15",
            "Mac OS X 10.15.7",
            "Desktop",
            "Safari",
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
            "Windows 7",
            "Desktop",
            "Firefox",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Windows 10",
            "Desktop",
            "Edge",
        ),
        ("curl/8.4.0", "Unknown", "Unknown", "curl"),
        ("", "Unknown", "Unknown", "Unknown"),
    ],
)
def test_user_agent_parser(ua, equipment, device, browser):
    parsed = parse_user_agent(ua)
    assert (parsed.equipment, parsed.device, parsed.browser) == (equipment, device, browser)


async def test_dollar_brace_variables_of_the_vendor_demo(emay):
    # The vendor's Java demo creates "ssssssssss${参数1}dddddddddddddd${参数2}dddddddddd" and sends the
    # request as a Map<String, String> (requestTime and requestValidPeriod as strings, encode utf-8).
    sim = emay.http.sim
    payload = {
        "templateContent": "【亿美】${参数1}您好，验证码${参数2}",
        "requestTime": str(now_ms()),
        "requestValidPeriod": "30",
    }
    ans = await emay.secure("createTemplateSMS", payload=payload, encode="utf-8")
    assert ans.result == "SUCCESS"
    tid = ans.data["templateId"]
    sim.clock.advance(5)
    body = {
        "smses": [
            {"mobile": "15903201025", "customSmsId": "1", "content": {"参数1": "王先生", "参数2": 1234}}
        ],
        "templateId": tid,
        "timerTime": None,
    }
    assert (await emay.secure("sendTemplateVariableSMS", body)).result == "SUCCESS"
    (msg,) = sim.store.query_messages(vendor="emay")
    assert msg.content == "【亿美】王先生您好，验证码1234"
    body["smses"][0]["content"] = {"参数1": "王先生"}  # 参数2 missing
    assert (await emay.secure("sendTemplateVariableSMS", body)).result == "ERROR_PARAMS"
