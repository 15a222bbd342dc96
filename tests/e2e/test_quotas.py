"""Quotas over real HTTP, each vendor through its own wire protocol (signed by the vendor package): the
same number's limits for 24 hours, the month and a short window, and the same content twice, reported
with the vendor's own code; the counts are store data (they survive --db)."""

import pytest

from tests.helpers import ACCOUNTS, admin, admin_ok, advance
from tests.helpers import vendor_send as _vendor_send

MOBILE = "13911113333"


async def send(live, vendor: str, text: str = "您的验证码是1234", mobile: str = MOBILE, seq: int = 0) -> None:
    await _vendor_send(live, vendor, mobile, text, seq)


async def set_quotas(http, live, vendor: str, quotas) -> dict:
    return await admin_ok(
        http, live, "PATCH", f"/_sim/accounts/{vendor}/{ACCOUNTS[vendor]}", json={"quotas": quotas}
    )


async def messages(http, live, mobile: str = MOBILE) -> list[dict]:
    found = await admin_ok(http, live, "GET", "/_sim/messages", params={"mobile": mobile, "order": "asc"})
    return found["messages"]


@pytest.mark.parametrize(
    ("vendor", "quotas", "code"),
    [
        ("kx", {"per_day": 2}, "F11300"),  # 系统频控超过日限额
        ("huawei", {"per_window": 2}, "MILIMIT"),  # 号码达到分钟下发限制 (a minute by default)
        ("huawei", {"per_day": 2}, "LIMIT"),  # 当日给该号码发送的短信已经达到了下发限制
        ("smsgw", {"per_window": 2}, "MA:0022"),  # 号码超过半小时下发次数限制 (half an hour by default)
        ("emay", {"per_day": 2}, "FAIL_SEND_FILTER"),  # 发送频率过快
        ("mobset", {"per_day": 2}, "REJECTD"),  # no frequency code in the document (docs/vendors/mobset.md)
    ],
)
async def test_the_third_message_to_a_number_is_reported_with_the_vendors_code(
    live_sim, http, vendor, quotas, code
):
    await set_quotas(http, live_sim, vendor, quotas)
    for i in range(3):
        await send(live_sim, vendor, f"您的验证码是{1000 + i}", seq=2 * i)
    await send(live_sim, vendor, "您的验证码是2000", mobile="13911114444")  # another number: its own count
    await advance(http, live_sim, 10)
    got = [(m["status"], m["code"]) for m in await messages(http, live_sim)]
    assert got[:2] == [("delivered", got[0][1])] * 2 and got[2] == ("rejected", code)
    assert [m["status"] for m in await messages(http, live_sim, "13911114444")] == ["delivered"]
    third = await admin_ok(
        http, live_sim, "GET", f"/_sim/messages/{(await messages(http, live_sim))[2]['sim_id']}"
    )
    notes = [(e["status"], e["note"]) for e in third["timeline"]]
    limit = next(iter(quotas))
    assert ("accepted", f"rule quota {limit}: rejected") in notes
    assert any(
        s == "quota" and n.startswith(f"quota {limit}: over the number's limit of 2") for s, n in notes
    )


async def kx_reports(http, live) -> list[dict]:
    from tests.vendors.kx.helpers import auth

    async with http.post(live.url + "/api/v2/sms/query", data=auth()) as r:
        return (await r.json()).get("data", [])


async def test_kx_documented_defaults_same_content_within_a_day(live_sim, http):
    acct = await set_quotas(http, live_sim, "kx", {})  # {}: the kx document's defaults
    assert acct["quotas"] == {
        "per_day": None,
        "per_month": None,
        "per_window": None,
        "window": None,
        "same_content": None,
    }
    await send(live_sim, "kx", "同一个内容")
    await send(live_sim, "kx", "同一个内容")  # F11330 同一个号码同一个内容一天发送两次
    await send(live_sim, "kx", "另一个内容")
    await advance(http, live_sim, 10)
    assert [m["code"] for m in await messages(http, live_sim)] == ["DELIVRD", "F11330", "DELIVRD"]
    reports = sorted((r["mobile"], r["code"]) for r in await kx_reports(http, live_sim))  # on the wire
    assert reports == [(MOBILE, "DELIVRD"), (MOBILE, "DELIVRD"), (MOBILE, "F11330")]
    await advance(http, live_sim, 86400)  # a day later the same content goes out again
    await send(live_sim, "kx", "同一个内容")
    await advance(http, live_sim, 10)
    assert [r["code"] for r in await kx_reports(http, live_sim)] == ["DELIVRD"]


async def test_kx_the_day_is_rolling_and_refused_messages_do_not_count(live_sim, http):
    await set_quotas(http, live_sim, "kx", {"per_day": 2, "same_content": 0})
    await send(live_sim, "kx")
    await advance(http, live_sim, 3600)
    await send(live_sim, "kx")
    await send(live_sim, "kx")  # over: not counted
    await advance(http, live_sim, 86400 - 3600 + 1)  # the first one is more than 24 h old
    await send(live_sim, "kx")  # within: one in the last 24 h
    await send(live_sim, "kx")  # over: two in the last 24 h
    await advance(http, live_sim, 10)
    assert [m["code"] for m in await messages(http, live_sim)] == [
        "DELIVRD",
        "DELIVRD",
        "F11300",
        "DELIVRD",
        "F11300",
    ]


async def test_kx_the_month_limit_and_turning_limits_off(live_sim, http):
    await set_quotas(http, live_sim, "kx", {"per_day": 0, "same_content": 0, "per_month": 2})
    for _ in range(3):
        await send(live_sim, "kx")
    await set_quotas(http, live_sim, "kx", None)  # no limits at all
    await send(live_sim, "kx")
    await advance(http, live_sim, 10)
    assert [m["code"] for m in await messages(http, live_sim)] == ["DELIVRD", "DELIVRD", "F11301", "DELIVRD"]


@pytest.mark.parametrize(
    ("quotas", "problem"),
    [
        ({"per_day": -1}, "per_day"),
        ({"per_dya": 5}, "per_dya"),
        ({"window": 0}, "window"),
        ({"same_content": "soon"}, "same_content"),
    ],
)
async def test_bad_quotas_are_a_clear_400(live_sim, http, quotas, problem):
    status, body = await admin(http, live_sim, "PATCH", "/_sim/accounts/kx/100001", json={"quotas": quotas})
    assert status == 400 and body["error"].startswith(f"invalid quotas: {problem}: "), body
    status, body = await admin(http, live_sim, "PATCH", "/_sim/accounts/kx/100001", json={"quotas": [1]})
    assert status == 400 and body["error"].startswith("quotas must be an object"), body
    acct = await admin_ok(http, live_sim, "GET", "/_sim/accounts/kx/100001")
    assert acct["quotas"] is None  # nothing changed


async def test_quotas_in_the_config_and_counts_survive_a_db_restart(make_client, tmp_path):
    from tests.e2e.test_state import kx_send

    db = str(tmp_path / "sim.db")
    account = {"vendor": "kx", "id": "100001", "secret": "kxdemoapikey0001", "quotas": {"per_day": 2}}
    client = await make_client(store={"db": db}, demo_accounts=True, accounts=[account])
    for _ in range(2):
        assert (await kx_send(client, MOBILE, f"x{_}"))["code"] == "0"
    await client.close()
    again = await make_client(store={"db": db}, demo_accounts=True, accounts=[account])
    acct = again.sim.accounts.get("kx", "100001")
    assert acct.quotas is not None and acct.quotas.per_day == 2
    assert (await kx_send(again, MOBILE, "x3"))["code"] == "0"
    again.sim.clock.advance(10)
    newest = (await (await again.get("/_sim/messages?limit=1")).json())["messages"][0]
    assert newest["code"] == "F11300"
    await again.post("/_sim/reset", json={})  # a reset forgets the counts
    assert (await kx_send(again, MOBILE, "x4"))["code"] == "0"
    again.sim.clock.advance(10)
    assert (await (await again.get("/_sim/messages?limit=1")).json())["messages"][0]["code"] == "DELIVRD"


async def test_the_admin_api_lists_and_forgets_the_counts(live_sim, http):
    await set_quotas(http, live_sim, "kx", {"per_day": 2, "per_month": 5})
    await send(live_sim, "kx", "一")
    await send(live_sim, "kx", "二")
    await send(live_sim, "kx", "三", mobile="13911114444")
    [first, second] = (await admin_ok(http, live_sim, "GET", "/_sim/quotas", params={"vendor": "kx"}))[
        "quotas"
    ]
    assert (first["mobile"], first["last_24h"], first["this_month"]) == (MOBILE, 2, 2)
    assert (second["mobile"], second["last_24h"]) == ("13911114444", 1)
    assert (await admin_ok(http, live_sim, "GET", "/_sim/quotas", params={"account": "nobody"}))[
        "quotas"
    ] == []
    assert (await admin_ok(http, live_sim, "GET", "/_sim/export"))["quotas"] == [first, second]
    removed = await admin_ok(http, live_sim, "DELETE", f"/_sim/quotas/kx/100001/{MOBILE}")
    assert removed == {"removed": 1}
    await send(live_sim, "kx", "四")  # counted afresh: not over the daily limit
    await advance(http, live_sim, 10)
    assert [m["code"] for m in await messages(http, live_sim)] == ["DELIVRD"] * 3
    assert await admin_ok(http, live_sim, "DELETE", "/_sim/quotas/kx/100001") == {"removed": 2}
    assert (await admin_ok(http, live_sim, "GET", "/_sim/quotas"))["quotas"] == []
    status, body = await admin(http, live_sim, "DELETE", "/_sim/quotas/kx/nobody")
    assert status == 404 and "no kx account" in body["error"]
