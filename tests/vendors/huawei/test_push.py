"""huawei status reports and MO: where they go, their fields, segments, codes, and push AK/SK signing."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from .send_helpers import APP_KEY, LONG_ACCOUNT, batch, long_form, settle, verify_form, wsse

UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def form_of(req) -> dict[str, str]:
    return dict(parse_qsl(req.text(), keep_blank_values=True))


def account(client, app_key=APP_KEY):
    return client.sim.accounts.get("huawei", app_key)


async def test_status_callback_gets_one_form_post_per_message(sim_client, receiver):
    cb = receiver.url + "/report"
    _status, body = await batch(sim_client, verify_form(to="13912345678,13912345679", statusCallback=cb))
    assert body["code"] == "000000"
    await settle(sim_client)
    posts = receiver.path("/report")
    assert len(posts) == 2
    assert all(p.headers["Content-Type"] == "application/x-www-form-urlencoded" for p in posts)
    fields = [form_of(p) for p in posts]
    assert {f["smsMsgId"] for f in fields} == {r["smsMsgId"] for r in body["result"]}
    f = fields[0]
    assert set(f) == {"sequence", "total", "updateTime", "source", "smsMsgId", "status", "statusDesc"}
    assert (f["status"], f["sequence"], f["total"], f["source"]) == ("DELIVRD", "1", "1", "2")
    assert UTC_TIME.match(f["updateTime"])
    assert "Authorization" not in posts[0].headers  # push AK/SK is off unless configured


async def test_extend_comes_back_with_to(sim_client, receiver):
    cb = receiver.url + "/report"
    await batch(sim_client, verify_form(to="13912345678", statusCallback=cb, extend="order-42"))
    await settle(sim_client)
    f = form_of(receiver.path("/report")[0])
    assert (f["extend"], f["to"]) == ("order-42", "13912345678")


async def test_outcomes_map_to_report_codes(sim_client, receiver):
    cb = receiver.url + "/report"
    to = "13800000000,13800000001,13800000003,13800000004"
    await batch(sim_client, verify_form(to=to, statusCallback=cb))
    await settle(sim_client)
    by_number = {}
    for p in receiver.path("/report"):
        f = form_of(p)
        msg = sim_client.sim.store.messages_by_vendor_id("huawei", f["smsMsgId"])[0]
        by_number[msg.mobile] = f
    assert {m: f["status"] for m, f in by_number.items()} == {
        "13800000000": "DELIVRD",
        "13800000001": "UNDELIV",
        "13800000003": "REJECTD",
        "13800000004": "BLACK",
    }
    assert by_number["13800000004"]["statusDesc"] == "号码黑名单。"


async def test_expired_is_platform_made_without_update_time(sim_client, receiver):
    await batch(sim_client, verify_form(to="13800000002", statusCallback=receiver.url + "/r"))
    await settle(sim_client)
    assert receiver.path("/r") == []
    await settle(sim_client, 72 * 3600)
    f = form_of(receiver.path("/r")[0])
    assert (f["status"], f["source"]) == ("EXPIRED", "1")
    assert "updateTime" not in f


async def test_no_report_number_sends_nothing(sim_client, receiver):
    await batch(sim_client, verify_form(to="13800000008", statusCallback=receiver.url + "/r"))
    await settle(sim_client, 3600)
    assert receiver.requests == []
    assert sim_client.sim.store.query_messages(vendor="huawei")[0].status == "sent"


async def test_long_message_gets_one_report_per_segment(make_client, receiver):
    client = await make_client(accounts=[LONG_ACCOUNT])
    _status, body = await batch(
        client, long_form(statusCallback=receiver.url + "/r"), wsse("hwlongapp", "hwlongsecret")
    )
    assert body["result"][0]["total"] == 2
    await settle(client)
    fields = [form_of(p) for p in receiver.path("/r")]
    assert [(f["sequence"], f["total"]) for f in fields] == [("1", "2"), ("2", "2")]
    assert {f["smsMsgId"] for f in fields} == {body["result"][0]["smsMsgId"]}


async def test_long_message_segments_in_the_batch_report(make_client, receiver):
    client = await make_client(accounts=[dict(LONG_ACCOUNT, report_url=receiver.url + "/batch")])
    form = {"from": "csms00000001", "to": "13912345678", "templateId": "tpllong", "templateParas": '["张三"]'}
    _status, body = await batch(client, form, wsse("hwlongapp", "hwlongsecret"))
    await settle(client)
    items = [i for p in receiver.path("/batch") for i in p.json()["statusReportList"]]
    assert [(i["sequence"], i["total"], i["smsMsgId"]) for i in items] == [
        ("1", "2", body["result"][0]["smsMsgId"]),
        ("2", "2", body["result"][0]["smsMsgId"]),
    ]


async def test_batch_report_url_gets_json_lists_of_at_most_50(sim_client, receiver):
    account(sim_client).report_url = receiver.url + "/batch"
    to = ",".join(f"139{i:08d}" for i in range(60))
    _status, body = await batch(sim_client, verify_form(to=to))
    assert body["code"] == "000000"
    await settle(sim_client)
    posts = receiver.path("/batch")
    assert [len(p.json()["statusReportList"]) for p in posts] == [50, 10]
    assert posts[0].headers["Content-Type"].startswith("application/json")
    item = posts[0].json()["statusReportList"][0]
    assert (item["status"], item["sequence"], item["total"], item["source"]) == ("DELIVRD", "1", "1", "2")
    ids = {i["smsMsgId"] for p in posts for i in p.json()["statusReportList"]}
    assert ids == {r["smsMsgId"] for r in body["result"]}


async def test_batch_report_items_carry_extend_and_to(sim_client, receiver):
    account(sim_client).report_url = receiver.url + "/batch"
    await batch(sim_client, verify_form(to="+8613912345678,13912345679", extend="ord-7"))
    await batch(sim_client, verify_form(to="13912345670"))
    await settle(sim_client)
    items = [i for p in receiver.path("/batch") for i in p.json()["statusReportList"]]
    assert len(items) == 3 and all(isinstance(v, str) for i in items for v in i.values())
    with_extend = [i for i in items if "extend" in i]
    assert sorted((i["extend"], i["to"]) for i in with_extend) == [
        ("ord-7", "+8613912345678"),
        ("ord-7", "13912345679"),
    ]
    plain = next(i for i in items if "extend" not in i)
    assert list(plain) == ["sequence", "total", "updateTime", "source", "smsMsgId", "status", "statusDesc"]
    assert "to" not in plain and UTC_TIME.match(plain["updateTime"])


async def test_status_callback_wins_over_batch_url(sim_client, receiver):
    account(sim_client).report_url = receiver.url + "/batch"
    await batch(sim_client, verify_form(statusCallback=receiver.url + "/one"))
    await settle(sim_client)
    assert len(receiver.path("/one")) == 1 and receiver.path("/batch") == []


async def test_without_any_url_the_report_is_only_kept(sim_client, receiver):
    await batch(sim_client, verify_form())
    await settle(sim_client)
    assert receiver.requests == []
    msg = sim_client.sim.store.query_messages(vendor="huawei")[0]
    assert msg.status == "delivered" and msg.code == "DELIVRD"
    assert any(t.status == "report" and "kept" in t.note for t in msg.timeline)


async def test_any_answer_is_accepted_without_retry(sim_client, receiver):
    receiver.reply = (401, "Unauthorized")
    await batch(sim_client, verify_form(statusCallback=receiver.url + "/r"))
    await settle(sim_client, 3600)
    assert len(receiver.path("/r")) == 1
    attempt = sim_client.sim.store.attempts(vendor="huawei")[0]
    assert attempt.ok and attempt.status == 401


async def test_sensitive_content_is_intercepted_by_the_platform(make_client, receiver):
    client = await make_client()
    account(client).sensitive_words = ["999999"]
    _status, body = await batch(
        client, verify_form(templateParas='["999999"]', statusCallback=receiver.url + "/r")
    )
    assert body["code"] == "000000"
    await settle(client)
    f = form_of(receiver.path("/r")[0])
    assert (f["status"], f["source"], f["statusDesc"]) == ("SC:0006", "3", "禁用关键字拦截")


# -- push AK/SK (seed §4.3), verified independently of the simulator's signer ----------------------------
def verify_push_signature(req, ak: str, sk: str) -> bool:
    headers = {k.lower(): v for k, v in req.headers.items()}
    m = re.fullmatch(
        r"SDK-HMAC-SHA256\s+Access=([^,]+),\s?SignedHeaders=([^,]+),\s?Signature=(\w+)",
        headers["authorization"],
    )
    assert m is not None, headers["authorization"]
    access, signed, signature = m.groups()
    assert access == ak
    signed_list = signed.split(";")
    path = req.path if req.path.endswith("/") else req.path + "/"
    canonical = "\n".join(
        [
            "POST",
            path,
            "",
            "".join(f"{h}:{headers[h].strip()}\n" for h in signed_list),
            signed,
            hashlib.sha256(req.body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        ["SDK-HMAC-SHA256", headers["x-sdk-date"], hashlib.sha256(canonical.encode()).hexdigest()]
    )
    expected = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


async def test_push_aksk_signs_reports_and_mo(sim_client, receiver):
    acct = account(sim_client)
    acct.options.push_ak, acct.options.push_sk = "exampleAk", "exampleSk*1231d881wd"
    acct.report_url = receiver.url + "/batch"
    acct.mo_url = receiver.url + "/mo"
    # a callback URL with a query string: the seed's verifier signs getRequestURI() (no query)
    callback = receiver.url + "/report?token=t%201&b=2"
    await batch(sim_client, verify_form(to="13912345678", statusCallback=callback, extend="e1"))
    await batch(sim_client, verify_form(to="13912345679"))
    await settle(sim_client)
    sim_client.sim.engine.receive_mo("huawei", "13912345678", "好的")
    await settle(sim_client)
    paths = sorted(r.path for r in receiver.requests)
    assert paths == ["/batch", "/mo", "/report"]
    assert receiver.path("/report")[0].query == {"token": "t 1", "b": "2"}
    for req in receiver.requests:
        assert verify_push_signature(req, "exampleAk", "exampleSk*1231d881wd"), req.path
        assert not verify_push_signature(req, "exampleAk", "another-secret")
        signed_at = datetime.strptime(req.headers["X-Sdk-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert abs(signed_at.timestamp() - time.time()) < 900  # fresh on the receiver's wall clock
        host = {k.lower(): v for k, v in req.headers.items()}["host"]
        assert host == urlsplit(receiver.url).netloc


# -- MO ------------------------------------------------------------------------------------------------
async def test_mo_is_pushed_to_up_link_addr(sim_client, receiver):
    account(sim_client).mo_url = receiver.url + "/mo"
    await batch(sim_client, verify_form(to="13912345678"))
    await settle(sim_client)
    resp = await sim_client.post(
        "/_sim/mo",
        json={"vendor": "huawei", "mobile": "13912345678", "content": "收到，谢谢", "extension": "01"},
    )
    assert resp.status == 201
    await settle(sim_client)
    posts = receiver.path("/mo")
    assert len(posts) == 1
    assert posts[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    f = form_of(posts[0])
    assert set(f) == {"from", "to", "body", "smsMsgId"}  # createTime only when enabled
    assert (f["from"], f["to"], f["body"]) == ("+8613912345678", "csms1234567801", "收到，谢谢")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", f["smsMsgId"])


async def test_mo_create_time_when_enabled_and_auto_reply(sim_client, receiver):
    acct = account(sim_client)
    acct.mo_url = receiver.url + "/mo"
    acct.options.mo_create_time = True
    await batch(sim_client, verify_form(to="13800000006"))  # the scenario: delivered, then replies TD
    await settle(sim_client, 10)
    f = form_of(receiver.path("/mo")[0])
    assert f["body"] == "TD" and f["from"] == "+8613800000006"
    assert UTC_TIME.match(f["createTime"])


async def test_mo_without_up_link_addr_is_kept(sim_client, receiver):
    await batch(sim_client, verify_form(to="13912345678"))
    mo = sim_client.sim.engine.receive_mo("huawei", "13912345678", "hi")
    await settle(sim_client)
    assert receiver.requests == []
    assert sim_client.sim.store.query_mo(vendor="huawei")[0].id == mo.id
