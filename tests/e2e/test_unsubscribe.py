"""Unsubscribes over real HTTP: a TD reply puts the number on the account's list, later sends are
reported with the vendor's unsubscribe/blacklist code, the admin API lists and clears the lists."""

import pytest

from simulator.app import SIM_KEY
from simulator.core.engine import Submission
from tests.e2e.test_state import kx_send
from tests.helpers import ACCOUNTS, admin, admin_ok, advance, kx_send_live, vendor_send
from tests.vendors.kx.helpers import auth

MOBILE = "13911112222"


async def send(http, live, mobile: str = MOBILE) -> None:
    await kx_send_live(http, live, mobile)


async def newest(http, live, mobile: str = MOBILE) -> dict:
    found = await admin_ok(http, live, "GET", "/_sim/messages", params={"mobile": mobile, "limit": 1})
    return found["messages"][0]


async def reply(http, live, content: str, mobile: str = MOBILE) -> None:
    await admin_ok(
        http, live, "POST", "/_sim/mo", json={"vendor": "kx", "mobile": mobile, "content": content}
    )


async def test_td_reply_blacklists_later_sends_until_the_list_is_cleared(live_sim, http):
    await send(http, live_sim)
    await advance(http, live_sim, 10)
    first = await newest(http, live_sim)
    await reply(http, live_sim, "  td ")  # trimmed, any case
    [entry] = (await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes"))["unsubscribes"]
    assert (entry["vendor"], entry["account"], entry["mobile"], entry["content"]) == (
        "kx",
        "100001",
        MOBILE,
        "  td ",
    )
    assert entry["message_sim_id"] == first["sim_id"]
    detail = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{first['sim_id']}")
    assert any(e["status"] == "unsubscribe" for e in detail["timeline"])

    await send(http, live_sim)  # accepted (kx has no synchronous refusal), then reported as a blacklist
    await advance(http, live_sim, 0)
    second = await newest(http, live_sim)
    assert (second["status"], second["outcome"], second["code"]) == ("rejected", "blacklisted", "F1120")
    detail = await admin_ok(http, live_sim, "GET", f"/_sim/messages/{second['sim_id']}")
    assert "rule unsubscribed: blacklisted" in [e["note"] for e in detail["timeline"]]

    assert await admin_ok(http, live_sim, "DELETE", f"/_sim/unsubscribes/kx/100001/{MOBILE}") == {
        "removed": 1
    }
    assert (await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes"))["unsubscribes"] == []
    await send(http, live_sim)
    await advance(http, live_sim, 10)
    assert (await newest(http, live_sim))["status"] == "delivered"


async def test_only_whole_keyword_replies_count_and_keywords_are_per_account(live_sim, http):
    await send(http, live_sim)
    for content in ("TD please", "好的", "退订 ", "n"):
        await reply(http, live_sim, content)
    found = await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes", params={"vendor": "kx"})
    assert [e["content"] for e in found["unsubscribes"]] == ["退订 "]  # once per number

    await admin_ok(http, live_sim, "DELETE", "/_sim/unsubscribes/kx/100001")
    acct = await admin_ok(
        http, live_sim, "PATCH", "/_sim/accounts/kx/100001", json={"unsubscribe_keywords": ["STOP"]}
    )
    assert acct["unsubscribe_keywords"] == ["STOP"]
    await reply(http, live_sim, "TD")
    assert (await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes"))["unsubscribes"] == []
    await reply(http, live_sim, "stop")
    assert len((await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes"))["unsubscribes"]) == 1
    other = await admin_ok(http, live_sim, "GET", "/_sim/unsubscribes", params={"account": "someone"})
    assert other["unsubscribes"] == []


async def test_clearing_errors(live_sim, http):
    status, body = await admin(http, live_sim, "DELETE", "/_sim/unsubscribes/kx/nobody")
    assert status == 404 and "no kx account" in body["error"]
    status, body = await admin(http, live_sim, "DELETE", f"/_sim/unsubscribes/kx/100001/{MOBILE}")
    assert status == 404 and "not on" in body["error"]
    assert await admin_ok(http, live_sim, "DELETE", "/_sim/unsubscribes/kx/100001") == {"removed": 0}


@pytest.mark.parametrize(
    ("vendor", "account", "code"),
    [
        ("kx", "100001", "F1120"),  # 一级黑名单 (no unsubscribe code in the kx document)
        ("huawei", "hwdemoappkey0001", "SC:0016"),  # 退订黑名单拦截
        ("smsgw", "922011", "MA:0023"),  # 客户黑名单号码
        ("mobset", "300003", "DB:0141"),  # the blacklist code (§5 has no unsubscribe code)
        ("emay", "EUCP-EMY-SMS1-DEMO1", "FAIL_UNSUBSCRIBE"),  # 用户退订
    ],
)
async def test_each_vendor_reports_its_own_code(sim_client, vendor, account, code):
    sim = sim_client.sim
    acct = sim.accounts.get(vendor, account)
    sim.engine.receive_mo(vendor, MOBILE, "退订", account)
    [msg] = await sim.engine.submit(acct, [Submission(MOBILE, "【测试】hello")])
    sim.clock.advance(0)
    assert (msg.status, msg.code) == ("rejected", code)


async def test_the_list_survives_a_db_restart_and_a_reset_clears_it(make_client, tmp_path):
    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db})
    await kx_send(client, MOBILE)
    assert (
        await client.post("/_sim/mo", json={"vendor": "kx", "mobile": MOBILE, "content": "T"})
    ).status == 201
    await client.close()
    again = await make_client(store={"db": db})
    [entry] = (await (await again.get("/_sim/unsubscribes")).json())["unsubscribes"]
    assert entry["mobile"] == MOBILE
    await kx_send(again, MOBILE)
    again.app[SIM_KEY].clock.advance(0)
    newest_msg = (await (await again.get("/_sim/messages?limit=1")).json())["messages"][0]
    assert newest_msg["code"] == "F1120"
    await again.post("/_sim/reset", json={})
    assert (await (await again.get("/_sim/unsubscribes")).json())["unsubscribes"] == []


@pytest.mark.parametrize(
    ("vendor", "code"),
    [
        ("kx", "F1120"),
        ("huawei", "SC:0016"),
        ("smsgw", "MA:0023"),
        ("mobset", "DB:0141"),
        ("emay", "FAIL_UNSUBSCRIBE"),
    ],
)
async def test_over_http_each_vendor_accepts_the_send_then_reports_its_code(live_sim, http, vendor, code):
    """No vendor document refuses an unsubscribed number at submission: the send is answered as a
    success through the vendor's own protocol (vendor_send insists), the report carries the code."""
    mobile = "13911115555"
    await admin_ok(
        http,
        live_sim,
        "POST",
        "/_sim/mo",
        json={"vendor": vendor, "account": ACCOUNTS[vendor], "mobile": mobile, "content": "退订"},
    )
    await vendor_send(live_sim, vendor, mobile)
    await advance(http, live_sim, 0)
    msg = await newest(http, live_sim, mobile)
    assert (msg["status"], msg["outcome"], msg["code"]) == ("rejected", "blacklisted", code)


async def test_a_timed_send_to_a_number_that_unsubscribed_meanwhile_is_reported_when_due(live_sim, http):
    from datetime import datetime, timedelta, timezone

    from tests.e2e.test_chaos import timeline

    clock = await admin_ok(http, live_sim, "GET", "/_sim/clock")  # kx `time`: Beijing, 10 minutes on
    due = (
        datetime.fromtimestamp(clock["now"], timezone(timedelta(hours=8))) + timedelta(minutes=10)
    ).strftime("%Y%m%d%H%M%S")
    async with http.post(
        live_sim.url + "/api/sms/send", data={**auth(), "mobile": MOBILE, "msgcontent": "定时", "time": due}
    ) as r:
        assert (await r.json())["code"] == "0"
    msg = await newest(http, live_sim)
    assert msg["status"] == "scheduled"
    await reply(http, live_sim, "TD")
    await advance(http, live_sim, 601)
    msg = await newest(http, live_sim)
    assert (msg["status"], msg["code"]) == ("rejected", "F1120")
    notes = await timeline(http, live_sim, msg["sim_id"])
    assert ("unsubscribe", f"{MOBILE} unsubscribed before the timed send fell due: reported at once") in notes
