"""batchSendDiffSms: JSON body, several contents in one request, its own format errors."""

from __future__ import annotations

from .send_helpers import NOTIFY_CHANNEL, VERIFY_CHANNEL, diff


def body(**over):
    b = {
        "from": VERIFY_CHANNEL,
        "smsContent": [
            {
                "to": ["13912345678", "+8613912345679"],
                "templateId": "tplverify0001",
                "templateParas": ["111111"],
            },
            {"to": ["13912345670"], "templateId": "tplverify0001", "templateParas": ["222222"]},
        ],
        "statusCallback": "http://127.0.0.1:9/report",
    }
    b.update(over)
    return b


async def test_diff_send_success(sim_client):
    status, answer = await diff(sim_client, body())
    assert (status, answer["code"], answer["description"]) == (200, "000000", "Success")
    assert [r["originTo"] for r in answer["result"]] == ["13912345678", "+8613912345679", "13912345670"]
    assert all(r["status"] == "000000" and r["from"] == VERIFY_CHANNEL for r in answer["result"])
    msgs = sim_client.sim.store.query_messages(vendor="huawei")
    assert [m.content for m in msgs] == [
        "【华为云测试】您的验证码为111111，5分钟内有效。",
        "【华为云测试】您的验证码为111111，5分钟内有效。",
        "【华为云测试】您的验证码为222222，5分钟内有效。",
    ]
    assert msgs[0].extra["callback"] == "http://127.0.0.1:9/report"
    assert len({m.batch for m in msgs}) == 1


async def test_duplicates_only_within_one_content(sim_client):
    b = body()
    b["smsContent"][0]["to"] = ["13912345678", "13912345678"]
    b["smsContent"][1]["to"] = ["13912345678"]
    answer = (await diff(sim_client, b))[1]
    assert [r["status"] for r in answer["result"]] == ["000000", "E200041", "000000"]


async def test_each_content_is_checked_on_its_own(sim_client):
    b = body()
    b["smsContent"][1]["templateParas"] = ["1234567"]  # too long for ${1} (6)
    answer = (await diff(sim_client, b))[1]
    assert answer["code"] == "000000"
    assert [r["status"] for r in answer["result"]] == ["000000", "000000", "E200028"]
    b = body(**{"from": NOTIFY_CHANNEL})
    status, answer = await diff(sim_client, b)
    assert (status, answer["code"]) == (200, "E000510")
    assert {r["status"] for r in answer["result"]} == {"E200029"}


async def test_content_type_must_be_json(sim_client):
    status, answer = await diff(sim_client, body(), ctype="application/x-www-form-urlencoded")
    assert (status, answer["code"]) == (400, "E000040")
    assert "application/json" in answer["description"]


async def test_unparseable_json_is_system_error(sim_client):
    nested = b'{"from":"csms12345678","smsContent":' + b"[" * 50000 + b"]" * 50000 + b"}"
    huge_int = b'{"from":' + b"9" * 5000 + b"}"
    for raw in (b"{not json", b"[1,2]", '{"from":"\xff"}'.encode("latin-1"), b"", nested, huge_int):
        status, answer = await diff(sim_client, raw)
        assert (status, answer) == (400, {"code": "E000000", "description": "System error."}), raw[:40]


async def test_format_errors(sim_client):
    def variant(**item_over):
        b = body()
        b["smsContent"][0].update(item_over)
        return b

    cases = [
        body(smsContent=[]),
        body(smsContent="nope"),
        body(smsContent=None),
        body(**{"from": None}),
        body(extend="{x}"),
        body(extend="e" * 129),
        body(statusCallback="ftp://x/y"),
        variant(to=[]),
        variant(to=[13912345678]),
        variant(to=["139 1234 5678"]),
        variant(to=[f"139{i:08d}" for i in range(501)]),
        variant(templateId=None),
        variant(templateParas="111111"),
        variant(templateParas=[{"a": 1}]),
    ]
    for b in cases:
        status, answer = await diff(sim_client, b)
        assert (status, answer["code"]) == (400, "E000503"), b
    assert sim_client.sim.store.query_messages(vendor="huawei") == []
