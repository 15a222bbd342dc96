"""smsgw carrier side: STAT codes for the scenario's outcomes, pull queues handed out once, MO."""

from __future__ import annotations

import pytest

from .helpers import ACCOUNT, EXTNO, START_BALANCE, advance, call, md5, send


async def reports(client, method="POST", **kw):
    out = await call(client, method, action="report", **kw)
    assert out["status"] == "0" and out["balance"] == client.sim.accounts.get("smsgw", ACCOUNT).balance
    return out["list"]


async def mos(client, method="POST", **kw):
    out = await call(client, method, action="mo", **kw)
    assert out["status"] == "0"
    return out["list"]


@pytest.mark.parametrize(
    ("mobile", "stat"),
    [
        ("13800000000", "DELIVRD"),
        ("13800000001", "MA:0004"),
        ("13800000003", "REJECTED"),
        ("13800000004", "MA:0001"),
        ("12345", "MA:0005"),  # not a mainland mobile: accepted, reported at once
    ],
)
async def test_scenario_outcomes_become_stat_codes(sim_client, mobile, stat):
    out = await send(sim_client, mobile)
    assert out["list"][0]["result"] == 0
    mid = out["list"][0]["mid"]
    await advance(sim_client, 0)
    [item] = await reports(sim_client)
    assert item["mid"] == mid and item["stat"] == stat and item["mobile"] == mobile


async def test_expired_after_the_validity_period(sim_client):
    await send(sim_client, "13800000002")
    await advance(sim_client, 47 * 3600)
    assert await reports(sim_client) == []
    await advance(sim_client, 3600)
    [item] = await reports(sim_client)
    assert item["stat"] == "EXPIRED"


async def test_no_report_number_never_reports(sim_client):
    out = await send(sim_client, "13800000008")
    assert out["list"][0]["result"] == 0
    await advance(sim_client, 100 * 3600)
    assert await reports(sim_client) == []
    [msg] = sim_client.sim.store.query_messages(vendor="smsgw")
    assert msg.status == "sent" and msg.outcome == "no_report"


async def test_sensitive_word_is_accepted_then_reported_ma_0002(make_client):
    client = await make_client(
        accounts=[
            {
                "vendor": "smsgw",
                "id": ACCOUNT,
                "secret": "123456",
                "sensitive_words": ["赌博"],
                "options": {"extno": EXTNO},
            }
        ]
    )
    out = await send(client, "13912345678", "赌博网站")
    assert out["list"][0]["result"] == 0
    await advance(client, 0)
    [item] = await reports(client)
    assert item["stat"] == "MA:0002"


async def test_scenario_code_override_passes_through(make_client):
    scenario = """
name: t
rules:
  - match: {mobile: "13912345678"}
    outcome: rejected
    code: {smsgw: "MA:0029"}
    delay: 0
"""
    client = await make_client(scenario_text=scenario)
    await send(client, "13912345678")
    await advance(client, 0)
    assert [i["stat"] for i in await reports(client)] == ["MA:0029"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_report_item_shape_and_handed_out_once(sim_client, method):
    out = await send(sim_client, "13912345678,13912345679", extno=EXTNO + "77", method=method)
    mids = [i["mid"] for i in out["list"]]
    assert await reports(sim_client, method) == []  # not delivered yet
    await advance(sim_client, 2)
    items = await reports(sim_client, method, password=md5("123456"))
    assert items == [
        {
            "flag": 1,
            "mid": mids[0],
            "spid": ACCOUNT,
            "accessCode": EXTNO + "77",
            "mobile": "13912345678",
            "stat": "DELIVRD",
            "time": items[0]["time"],
        },
        {
            "flag": 1,
            "mid": mids[1],
            "spid": ACCOUNT,
            "accessCode": EXTNO + "77",
            "mobile": "13912345679",
            "stat": "DELIVRD",
            "time": items[0]["time"],
        },
    ]
    assert len(items[0]["time"]) == 19 and items[0]["time"][4] == "-" and items[0]["time"][13] == ":"
    assert await reports(sim_client, method) == []  # handed out once


async def test_report_time_is_beijing_time_of_the_report(make_client):
    client = await make_client(clock={"frozen": True, "start": "2017-04-12T01:38:19+08:00"})
    await send(client, "13912345678")
    await advance(client, 2)
    [item] = await reports(client)
    assert item["time"] == "2017-04-12 01:38:21"


async def test_report_size_defaults_limits_and_clamps(sim_client):
    await send(sim_client, ",".join(f"139{i:08d}" for i in range(25)))
    await advance(sim_client, 2)
    assert len(await reports(sim_client, size="5")) == 10  # below the minimum of 10
    assert len(await reports(sim_client, size="12")) == 12
    assert len(await reports(sim_client)) == 3  # default 1000: the rest
    await send(sim_client, ",".join(f"139{i:08d}" for i in range(500)))
    await send(sim_client, ",".join(f"136{i:08d}" for i in range(500)))
    await send(sim_client, ",".join(f"137{i:08d}" for i in range(100)))
    await advance(sim_client, 2)
    assert len(await reports(sim_client)) == 1000
    assert len(await reports(sim_client, size="20000")) == 100


async def test_mo_is_pulled_once_with_size_or_szie(sim_client):
    out = await send(sim_client, "13800000006", extno=EXTNO + "42")  # delivered, then replies TD after 5 s
    await advance(sim_client, 0)
    assert await mos(sim_client) == []
    await advance(sim_client, 5)
    [item] = await mos(sim_client, szie="10")
    assert item == {
        "flag": 0,
        "mid": item["mid"],
        "spid": ACCOUNT,
        "accessCode": EXTNO + "42",  # the extension the message was sent with
        "mobile": "13800000006",
        "content": "TD",
        "time": item["time"],
    }
    assert len(item["mid"]) == 16 and item["mid"] != out["list"][0]["mid"]
    assert await mos(sim_client) == []
    # the report stays in its own queue: mo does not consume it, nor report the MO
    [rep] = await reports(sim_client)
    assert rep["flag"] == 1


async def test_mo_size_is_limited_to_1000(sim_client):
    sim = sim_client.sim
    for i in range(1005):
        sim.engine.receive_mo("smsgw", f"139{i:08d}", f"reply {i}", ACCOUNT)
    assert len(await mos(sim_client, size="5000")) == 1000
    assert len(await mos(sim_client, szie="1")) == 5
    assert await mos(sim_client) == []


async def test_mo_injected_with_an_extension(sim_client):
    sim_client.sim.engine.receive_mo("smsgw", "13912345678", "hello", ACCOUNT, extension="9")
    [item] = await mos(sim_client)
    assert item["accessCode"] == EXTNO + "9" and item["content"] == "hello"


async def test_unpolled_reports_expire_after_the_retention(make_client):
    client = await make_client(vendors={"smsgw": {"report_retention": 60}})
    await send(client, "13800000000")
    await advance(client, 61)
    assert await reports(client) == []


async def test_balance_in_report_and_mo_answers(sim_client):
    await send(sim_client, "13912345678")
    out = await call(sim_client, action="mo")
    assert out == {"status": "0", "balance": START_BALANCE - 60, "list": []}


@pytest.mark.parametrize(
    ("size", "expected"),
    [("9" * 5000, 1000), ("-" + "9" * 5000, 10), ("+12", 12), ("0012", 12), ("1_000", None), ("١٢", None)],
)
async def test_size_of_any_length_is_clamped_and_only_ascii_integers_count(sim_client, size, expected):
    for i in range(1005):
        sim_client.sim.engine.receive_mo("smsgw", f"139{i:08d}", "r", ACCOUNT)
    out = await call(sim_client, action="mo", size=size)
    if expected is None:
        assert out == {"status": "1", "balance": START_BALANCE, "list": []}
    else:
        assert out["status"] == "0" and len(out["list"]) == expected
