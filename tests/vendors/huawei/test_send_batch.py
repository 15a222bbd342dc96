"""batchSendSms: the response shape, numbers, validation codes and per-number statuses."""

from __future__ import annotations

import re

from simulator.vendors.huawei import registry

from .send_helpers import IP_LOCKED_ACCOUNT, LONG_ACCOUNT, NOTIFY_CHANNEL, VERIFY_CHANNEL, batch, verify_form

MSG_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}_\d+$")
CREATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


async def test_success_response_shape(sim_client):
    status, body = await batch(sim_client, verify_form(to="13912345678,+8613912345679"))
    assert status == 200
    assert body["code"] == "000000" and body["description"] == "Success"
    assert len(body["result"]) == 2
    first = body["result"][0]
    assert set(first) == {"smsMsgId", "from", "originTo", "status", "createTime", "countryId", "total"}
    assert MSG_ID.match(first["smsMsgId"])
    assert CREATE_TIME.match(first["createTime"])
    assert first["from"] == VERIFY_CHANNEL
    assert first["originTo"] == "13912345678"  # echoed as the customer wrote it
    assert first["status"] == "000000" and first["countryId"] == "CN" and first["total"] == 1
    # one uuid per request, consecutive sequence numbers
    u0, n0 = first["smsMsgId"].rsplit("_", 1)
    u1, n1 = body["result"][1]["smsMsgId"].rsplit("_", 1)
    assert u0 == u1 and int(n1) == int(n0) + 1
    msgs = sim_client.sim.store.query_messages(vendor="huawei")
    assert {m.mobile for m in msgs} == {"13912345678", "13912345679"}
    assert msgs[0].content == "【华为云测试】您的验证码为123456，5分钟内有效。"
    assert {m.id for m in msgs} == {r["smsMsgId"] for r in body["result"]}


async def test_number_forms_are_normalised(sim_client):
    to = "13912340001,8613912340002,+8613912340003,+447700900123,+85291234567"
    status, body = await batch(sim_client, verify_form(to=to))
    assert status == 200 and body["code"] == "000000"
    assert [r["status"] for r in body["result"]] == ["000000"] * 5
    assert [r.get("countryId") for r in body["result"]] == ["CN", "CN", "CN", "GB", "HK"]
    mobiles = [m.mobile for m in sim_client.sim.store.query_messages(vendor="huawei")]
    assert mobiles == ["13912340001", "13912340002", "13912340003", "+447700900123", "+85291234567"]


async def test_long_message_total(make_client):
    client = await make_client(accounts=[LONG_ACCOUNT])
    from .send_helpers import wsse

    form = {"from": "csms00000001", "to": "13912345678", "templateId": "tpllong", "templateParas": '["张三"]'}
    status, body = await batch(client, form, wsse("hwlongapp", "hwlongsecret"))
    assert status == 200, body
    # 【长签名】(5) + 尊敬的用户张三：(8) + 100 = 113 characters → 2 segments of 67
    assert body["result"][0]["total"] == 2
    assert client.sim.store.query_messages(vendor="huawei")[0].segments == 2


async def test_wrong_content_type_is_e000040(sim_client):
    status, body = await batch(sim_client, verify_form(), ctype="application/json")
    assert (status, body["code"]) == (400, "E000040")
    assert "result" not in body


async def test_parameter_format_errors_are_e000503(sim_client):
    cases = [
        verify_form(templateId=None),
        verify_form(to=None),
        verify_form(to=""),
        verify_form(**{"from": None}),
        verify_form(to=",".join(f"139{i:08d}" for i in range(501))),
        verify_form(to="1391234567a"),
        verify_form(to="139-1234-5678"),
        verify_form(to="+86139123456789012345678"),
        verify_form(extend="x" * 129),
        verify_form(extend="中" * 43),  # 129 bytes in UTF-8
        verify_form(extend="a{b}"),
        verify_form(templateId="bad id!"),
        verify_form(templateId="t" * 33),
        verify_form(templateParas='{"a": 1}'),
        verify_form(templateParas='["{1}"]'),
        verify_form(statusCallback="not a url"),
    ]
    for form in cases:
        status, body = await batch(sim_client, form)
        assert (status, body["code"]) == (400, "E000503"), form
    assert sim_client.sim.store.query_messages(vendor="huawei") == []


async def test_limits_inside_the_rules_pass(sim_client):
    to = ",".join(f"139{i:08d}" for i in range(500))
    extend = "中" * 42 + "xx"  # 128 UTF-8 bytes
    status, body = await batch(sim_client, verify_form(to=to, extend=extend))
    assert status == 200 and body["code"] == "000000" and len(body["result"]) == 500
    assert {r["status"] for r in body["result"]} == {"000000"}
    msgs = sim_client.sim.store.query_messages(vendor="huawei")
    assert len(msgs) == 500 and {m.extra["extend"] for m in msgs} == {extend}


async def test_unparseable_template_paras_is_system_error(sim_client):
    for paras in ("['123456']", '["1"', "[" * 5000 + "]" * 5000, "[" + "9" * 5000 + "]"):
        status, body = await batch(sim_client, verify_form(templateParas=paras))
        assert (status, body) == (400, {"code": "E000000", "description": "System error."}), paras[:20]
    assert sim_client.sim.store.query_messages(vendor="huawei") == []


async def test_bad_digits_only_number_fails_alone(sim_client):
    status, body = await batch(sim_client, verify_form(to="12345,13912345678,+8623456789012"))
    assert status == 200 and body["code"] == "000000"
    assert [r["status"] for r in body["result"]] == ["E000503", "000000", "E000503"]
    assert len(sim_client.sim.store.query_messages(vendor="huawei")) == 1


async def test_duplicates_are_removed_with_e200041(sim_client):
    status, body = await batch(sim_client, verify_form(to="13912345678,+8613912345678,13912345679"))
    assert status == 200 and body["code"] == "000000"
    assert [r["status"] for r in body["result"]] == ["000000", "E200041", "000000"]
    assert "total" not in body["result"][1]
    assert len(sim_client.sim.store.query_messages(vendor="huawei")) == 2


async def test_template_variable_checks_e200028(sim_client):
    for paras in ('["1234567"]', '["1","2"]', "[]", None):
        status, body = await batch(sim_client, verify_form(templateParas=paras))
        assert (status, body["code"]) == (200, "E000510"), paras
        assert body["description"] == "The SMS fails to be sent. For details, see status."
        assert body["result"][0]["status"] == "E200028"
    form = {
        "from": NOTIFY_CHANNEL,
        "to": "13912345678",
        "templateId": "tplnotify0001",
        "templateParas": '["' + "菜" * 21 + '","12345678"]',
    }
    assert (await batch(sim_client, form))[1]["result"][0]["status"] == "E200028"
    form["templateParas"] = '["' + "菜" * 20 + '","12345678"]'
    assert (await batch(sim_client, form))[1]["code"] == "000000"
    assert sim_client.sim.store.query_messages(vendor="huawei")[0].content.startswith(
        "【华为云通知】您的快递已到达菜"
    )


async def test_channel_and_template_type_must_match_e200029(sim_client):
    status, body = await batch(sim_client, verify_form(**{"from": NOTIFY_CHANNEL}))
    assert (status, body["code"], body["result"][0]["status"]) == (200, "E000510", "E200029")
    status, body = await batch(sim_client, verify_form(**{"from": "csms99999999"}))
    assert body["result"][0]["status"] == "E200029"


async def test_only_approved_usable_templates_send_e200030(sim_client):
    status, body = await batch(sim_client, verify_form(templateId="nosuchtemplate"))
    assert (status, body["code"], body["result"][0]["status"]) == (200, "E000510", "E200030")
    tpl = registry.template(sim_client.sim, "tplverify0001")
    for st in ("pending", "rejected", "disabled"):
        tpl.status = st
        assert (await batch(sim_client, verify_form()))[1]["result"][0]["status"] == "E200030"
    tpl.status = "approved"
    tpl.app_key = "someotherapp"
    assert (await batch(sim_client, verify_form()))[1]["result"][0]["status"] == "E200030"
    tpl.app_key = "hwdemoappkey0001"
    registry.signature_by_channel(sim_client.sim, "hwdemoappkey0001", VERIFY_CHANNEL).status = "pending"
    assert (await batch(sim_client, verify_form()))[1]["result"][0]["status"] == "E200029"


async def test_universal_template_needs_an_approved_signature_name(sim_client):
    sim = sim_client.sim
    registry.templates(sim)["tpluniv"] = registry.Template(
        id="tpluniv",
        name="u",
        type="UNIVERSAL_TYPE",
        content="您的订单${1}已发货",
        app_key="hwdemoappkey0001",
        max_lengths=[10],
        status="approved",
    )
    form = verify_form(templateId="tpluniv", templateParas='["A1"]')
    assert (await batch(sim_client, form))[1]["result"][0]["status"] == "E200029"
    form["signature"] = "没有这个签名"
    assert (await batch(sim_client, form))[1]["result"][0]["status"] == "E200029"
    form["signature"] = "华为云通知"
    _status, body = await batch(sim_client, form)
    assert body["code"] == "000000"
    assert sim.store.query_messages(vendor="huawei")[0].content == "【华为云通知】您的订单A1已发货"


async def test_partial_failure_charges_only_accepted(sim_client):
    account = sim_client.sim.accounts.get("huawei", "hwdemoappkey0001")
    before = account.balance
    _status, body = await batch(sim_client, verify_form(to="13912345678,12345"))
    assert body["code"] == "000000"
    assert account.balance == before - 1


async def test_scenario_system_error_number(sim_client):
    status, body = await batch(sim_client, verify_form(to="13912345678,13800000007"))
    assert (status, body["code"], body["description"]) == (400, "E000000", "System error.")
    assert sim_client.sim.store.query_messages(vendor="huawei") == []


async def test_daily_send_limit_is_e000623(make_client):
    client = await make_client(
        accounts=[
            {
                "vendor": "huawei",
                "id": "hwdemoappkey0001",
                "secret": "hwdemoappsecret01",
                "options": {
                    "channels": [
                        {"channel": VERIFY_CHANNEL, "signature": "华为云测试", "type": "VERIFY_CODE_TYPE"}
                    ],
                    "templates": [
                        {
                            "id": "tplverify0001",
                            "type": "VERIFY_CODE_TYPE",
                            "content": "码${1}",
                            "max_lengths": [6],
                        }
                    ],
                    "daily_limit": 3,
                },
            }
        ]
    )
    assert (await batch(client, verify_form(to="13912345671,13912345672")))[1]["code"] == "000000"
    status, body = await batch(client, verify_form(to="13912345673,13912345674"))
    assert (status, body["code"]) == (403, "E000623")
    assert (await batch(client, verify_form(to="13912345673")))[1]["code"] == "000000"
    client.sim.clock.advance(86400)
    assert (await batch(client, verify_form(to="13912345675")))[1]["code"] == "000000"


async def test_ip_allow_list_is_e000620(make_client):
    client = await make_client(accounts=[IP_LOCKED_ACCOUNT])
    from .send_helpers import wsse

    status, body = await batch(client, verify_form(), wsse("hwiplocked", "s3cret"))
    assert (status, body["code"]) == (403, "E000620")


async def test_unknown_route_is_plain_404(sim_client):
    resp = await sim_client.post("/sms/batchSendSms/v2", data=b"")
    assert resp.status == 404


async def test_monthly_send_limit_is_e000623_per_beijing_month(make_client):
    acct = {
        "vendor": "huawei",
        "id": "hwdemoappkey0001",
        "secret": "hwdemoappsecret01",
        "options": {
            "channels": [{"channel": VERIFY_CHANNEL, "signature": "华为云测试", "type": "VERIFY_CODE_TYPE"}],
            "templates": [{"id": "tplverify0001", "type": "VERIFY_CODE_TYPE", "content": "码${1}"}],
            "monthly_limit": 2,
        },
    }
    # 2025-03-30 10:00 Beijing; the month ends 2025-03-31T16:00:00Z
    client = await make_client(accounts=[acct], clock={"start": "2025-03-30T02:00:00Z", "frozen": True})
    limit = (403, {"code": "E000623", "description": "Number of SMSs sent by the SP reached the limit."})
    assert (await batch(client, verify_form(to="13912345671")))[1]["code"] == "000000"
    client.sim.clock.advance(86400)  # 03-31 10:00 Beijing: same month, another day
    assert await batch(client, verify_form(to="13912345672,13912345673")) == limit
    assert (await batch(client, verify_form(to="13912345672")))[1]["code"] == "000000"
    assert await batch(client, verify_form(to="13912345673")) == limit
    client.sim.clock.advance(14 * 3600)  # 04-01 00:00 Beijing (still 03-31 in UTC): a new month
    assert (await batch(client, verify_form(to="13912345673,13912345674")))[1]["code"] == "000000"
    assert len(client.sim.store.query_messages(vendor="huawei")) == 4


async def test_exhausted_balance_is_e000112(sim_client):
    account = sim_client.sim.accounts.get("huawei", "hwdemoappkey0001")
    account.balance = 1
    status, body = await batch(sim_client, verify_form(to="13912345678,13912345679"))
    assert (status, body) == (401, {"code": "E000112", "description": "The subscriber status is frozen."})
    assert account.balance == 1 and sim_client.sim.store.query_messages(vendor="huawei") == []
    status, body = await batch(sim_client, verify_form(to="13912345678"))
    assert (status, body["code"]) == (200, "000000") and account.balance == 0


async def test_looking_up_the_channel_of_a_send_marks_no_signature_to_be_written_again(make_client, tmp_path):
    """With --db (or --redis) reading a vendor collection through ``values()`` marks every record
    changed; the send path's channel lookup must not, or each send rewrites every signature."""
    client = await make_client(store={"db": str(tmp_path / "sim.db")})
    store = client.sim.store
    store.flush()
    assert registry.signature_by_channel(client.sim, "hwdemoappkey0001", VERIFY_CHANNEL) is not None
    assert not store._d_coll.get(registry.SIGNATURES)
