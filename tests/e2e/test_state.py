"""State as data over HTTP: unique ids across runs, repeatable seeded runs, pages, bounds, --db restarts."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from simulator import signing
from simulator.app import SIM_KEY

from ..vendors.huawei.send_helpers import batch, verify_form
from ..vendors.mobset.helpers import call as mobset_call
from ..vendors.smsgw.helpers import send as smsgw_send

START = "2026-06-01T08:00:00Z"


def kx_auth() -> dict[str, str]:
    return signing.auth("kx", "100001", "kxdemoapikey0001", {})[0]  # the demo account, signed now


async def kx_send(client, mobile: str, text: str = "【测试】您的验证码是1234") -> dict:
    resp = await client.post("/api/sms/send", data={**kx_auth(), "mobile": mobile, "msgcontent": text})
    assert resp.status == 200
    return await resp.json()


async def ids_of_one_send_per_vendor(client) -> list[str]:
    """The message ids each vendor hands its customer for one send."""
    kx = await kx_send(client, "13912345678")
    _, hw = await batch(client, verify_form(to="13912345678"))
    mob = await mobset_call(client, "SmsSend", "GET", Content="您好", PhoneNumbers="13912345678")
    gw = await smsgw_send(client, "13912345678")
    return [
        kx["data"]["taskid"],
        hw["result"][0]["smsMsgId"],
        str(mob["SmsIdList"][0]["SmsId"]),
        gw["list"][0]["mid"],
    ]


async def test_without_a_seed_ids_never_repeat_across_runs_or_resets(make_client):
    first = await make_client(seed=None)
    second = await make_client(seed=None)
    a = await ids_of_one_send_per_vendor(first)
    b = await ids_of_one_send_per_vendor(second)
    assert not set(a) & set(b), (a, b)
    await first.post("/_sim/reset")
    c = await ids_of_one_send_per_vendor(first)
    assert not set(a) & set(c), (a, c)


async def test_a_seeded_run_on_a_frozen_clock_repeats_byte_for_byte(make_client, receiver):
    async def run() -> tuple[list[bytes], list[bytes]]:
        client = await make_client(seed=7, clock={"frozen": True, "start": START})
        await client.patch(
            "/_sim/accounts/kx/100001", json={"mode": "push", "report_url": receiver.url + "/kx"}
        )
        answers = []
        for mobile in ("13800000000", "13800000001", "13912345678"):
            resp = await client.post(
                "/api/sms/send", data={**kx_auth(), "mobile": mobile, "msgcontent": "【测试】x"}
            )
            answers.append(await resp.read())
        _, hw = await batch(client, verify_form(to="13912345678,13800000001"))
        answers.append(repr(hw).encode())
        mob = await mobset_call(client, "SmsSend", "GET", Content="您好", PhoneNumbers="13912345678")
        answers.append(repr(mob).encode())
        answers.append(repr(await smsgw_send(client, "13912345678")).encode())
        before = len(receiver.requests)
        await client.post("/_sim/clock/advance", json={"seconds": 10})
        pushed = [r.body for r in receiver.requests[before:]]
        listed = (await (await client.get("/_sim/messages?order=asc&limit=1000")).json())["messages"]
        answers.append(repr([(m["sim_id"], m["id"], m["status"], m["code"]) for m in listed]).encode())
        return answers, pushed

    answers_a, pushed_a = await run()
    answers_b, pushed_b = await run()
    assert pushed_a and pushed_b == pushed_a
    assert answers_b == answers_a


async def test_pages_walk_every_message_once(sim_client):
    mobiles = [f"139{n:08d}" for n in range(250)]
    body = await kx_send(sim_client, ",".join(mobiles))
    assert body["code"] == "0"
    seen, cursor, pages = [], None, 0
    while True:
        q = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = await (await sim_client.get("/_sim/messages", params=q)).json()
        assert page["total"] == 250 and len(page["messages"]) <= 100
        seen += [m["mobile"] for m in page["messages"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3 and seen == mobiles[::-1]  # newest first
    asc = await (await sim_client.get("/_sim/messages?order=asc&limit=2&mobile=13900000007")).json()
    assert [m["mobile"] for m in asc["messages"]] == ["13900000007"] and asc["next"] is None
    assert (await (await sim_client.get("/_sim/requests?limit=1")).json())["total"] == 1
    assert (await (await sim_client.get("/_sim/callbacks")).json())["total"] == 0
    assert (await (await sim_client.get("/_sim/mo")).json())["next"] is None


@pytest.mark.parametrize("path", ["/_sim/messages", "/_sim/callbacks", "/_sim/requests", "/_sim/mo"])
@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=1001", "limit=ten", "cursor=abc", "cursor=-1", "order=sideways", "failed=maybe"],
)
async def test_bad_paging_is_a_clear_400(sim_client, path, query):
    if query.startswith("failed") and path in ("/_sim/messages", "/_sim/mo"):
        return  # only callbacks and requests filter on failure
    resp = await sim_client.get(f"{path}?{query}")
    assert resp.status == 400 and "error" in await resp.json()


async def test_messages_are_bounded(make_client):
    client = await make_client(store={"max_messages": 50})
    for chunk in range(3):
        mobiles = ",".join(f"1380000000{chunk}" if i == 0 else f"139{chunk}{i:07d}" for i in range(40))
        assert (await kx_send(client, mobiles))["code"] == "0"
        await client.post("/_sim/clock/advance", json={"seconds": 5})  # delivered: finished, evictable
    page = await (await client.get("/_sim/messages?limit=1000")).json()
    assert page["total"] <= 50 and page["messages"][0]["mobile"].startswith("1392")
    assert (await (await client.get("/_sim/health")).json())["messages"] == page["total"]


async def test_db_restart_keeps_every_kind_of_state(make_client, tmp_path):
    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db}, clock={"frozen": True, "start": START})
    await kx_send(client, "13800000005")  # delivered after 60 s: an outcome timer is pending
    scenario = "name: runtime\nrules:\n  - match: {mobile: '13911111111'}\n    outcome: rejected\n"
    assert (
        await client.put("/_sim/scenario", data=scenario, headers={"Content-Type": "application/yaml"})
    ).status == 200
    await client.patch("/_sim/accounts/kx/100001", json={"name": "renamed", "balance": 500})
    await client.post("/_sim/clock/advance", json={"seconds": 30})
    await client.post("/_sim/mo", json={"vendor": "kx", "mobile": "13800000005", "content": "你好"})
    sim = client.app[SIM_KEY]
    now = sim.clock.now()
    await client.close()  # the app's cleanup closes the database

    again = await make_client(store={"db": db}, clock={"frozen": True, "start": "2030-01-01T00:00:00Z"})
    sim2 = again.app[SIM_KEY]
    assert sim2.clock.now() == now and sim2.clock.frozen  # the file's clock, not the config's start
    assert sim2.scenario.name == "runtime"
    acct = await (await again.get("/_sim/accounts/kx/100001")).json()
    assert acct["name"] == "renamed" and acct["balance"] == 500
    [msg] = (await (await again.get("/_sim/messages")).json())["messages"]
    assert msg["status"] == "sent"
    assert (await (await again.get("/_sim/mo")).json())["total"] == 1
    await again.post("/_sim/clock/advance", json={"seconds": 31})
    [msg] = (await (await again.get("/_sim/messages")).json())["messages"]
    assert msg["status"] == "delivered"
    assert (await kx_send(again, "13911111111"))["code"] == "0"
    await again.post("/_sim/clock/advance", json={"seconds": 10})
    newest = (await (await again.get("/_sim/messages?limit=1")).json())["messages"][0]
    assert newest["status"] == "rejected"  # the runtime scenario still rules


async def test_an_answer_waits_for_the_commit_and_a_failed_commit_is_the_vendors_error(
    make_client, tmp_path, monkeypatch
):
    client = await make_client(store={"db": str(tmp_path / "sim.db")})
    store = client.app[SIM_KEY].store
    real = store._write
    calls = {"n": 0}

    def failing_once(db):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(db)

    monkeypatch.setattr(store, "_write", failing_once)
    body = await kx_send(client, "13912345678")
    assert body["code"] == "1"  # kx's system error, not a bare 500: the send was not confirmed
    body = await kx_send(client, "13912345679")  # the next commit writes both
    assert body["code"] == "0" and store._written == store._changes


async def test_reset_with_a_db_empties_the_file_too(make_client, tmp_path):
    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db})
    await kx_send(client, "13800000005")  # a message and a pending outcome timer
    await client.patch("/_sim/accounts/kx/100001", json={"balance": 7})
    assert (await client.post("/_sim/reset")).status == 200
    await kx_send(client, "13912345678")
    await client.close()
    again = await make_client(store={"db": db})
    page = await (await again.get("/_sim/messages")).json()
    assert [m["mobile"] for m in page["messages"]] == ["13912345678"]
    assert (await (await again.get("/_sim/accounts/kx/100001")).json())["balance"] == 1_000_000 - 1
    assert [t.kind for t in again.app[SIM_KEY].clock.timers()] == ["engine.outcome"]


async def test_a_stored_scenario_that_no_longer_passes_the_checks_gives_way_to_the_configured_one(
    make_client, tmp_path, caplog
):
    """A database written by a version that accepted ``delay: -3`` or ``vendor: kxx`` still opens."""
    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db})
    bad = client.app[SIM_KEY].scenario.model_dump(mode="json")
    await client.close()
    bad.update(name="old", rules=[{"match": {"vendor": ["kxx"]}, "delay": -3}])
    with sqlite3.connect(db) as con:  # as an older version would have written it
        con.execute("UPDATE meta SET value = ? WHERE key = 'scenario'", (json.dumps(bad),))
    con.close()

    again = await make_client(store={"db": db})
    assert again.app[SIM_KEY].scenario.name == "default"
    assert "the stored scenario is not valid any more" in caplog.text
    assert (await (await again.get("/_sim/health")).json())["scenario"] == "default"


@pytest.mark.parametrize("as_before", [False, True], ids=["entries", "a-list-as-written-before"])
async def test_an_outbox_backlog_is_an_entry_per_item_and_is_pushed_in_order_after_a_restart(
    make_client, tmp_path, receiver, as_before, monkeypatch
):
    """Reports waiting for their batch are kept in outbox entries of at most CHUNK each (a durable store
    writes a bounded record when one is added; a channel's one list was written whole at every change),
    and a restarted process pushes them in order.  A channel's one list, as the store held it before, is
    taken up the same way."""
    from simulator.core import dispatch
    from simulator.core.dispatch import OUTBOX

    monkeypatch.setattr(dispatch, "CHUNK", 16)

    db = str(tmp_path / "sim.db")
    client = await make_client(store={"db": db}, clock={"frozen": True, "start": START})
    await client.patch("/_sim/accounts/kx/100001", json={"mode": "push", "report_url": receiver.url + "/kx"})
    scenario = "name: five\ndefaults:\n  outcome: delivered\n  delay: 5\n"
    await client.put("/_sim/scenario", data=scenario, headers={"Content-Type": "application/yaml"})
    mobiles = [f"1380000{n:04d}" for n in range(40)]
    for mobile in mobiles:
        assert (await kx_send(client, mobile))["code"] == "0"
    await client.post("/_sim/clock/advance", json={"seconds": 5.5})  # reported; the batch timer at 6 s
    outbox = client.sim.store.collection(OUTBOX)
    assert [len(refs) for _, refs in sorted(dict.items(outbox), key=lambda kv: kv[0][-1])] == [16, 16, 8]
    assert (await (await client.get("/_sim/health")).json())["callbacks_queued"] == 40
    assert receiver.requests == []
    if as_before:
        entries = sorted(dict.keys(outbox), key=lambda e: e[-1])
        outbox[entries[0][:-1]] = [ref for e in entries for ref in outbox.pop(e)]
    await client.close()

    again = await make_client(store={"db": db}, clock={"frozen": True, "start": START})
    assert (await (await again.get("/_sim/health")).json())["callbacks_queued"] == 40
    await again.post("/_sim/clock/advance", json={"seconds": 1})
    await again.sim.dispatcher.drain()
    pushed = [item["mobile"] for r in receiver.requests for item in json.loads(r.body)]
    assert pushed == mobiles
    assert dict.__len__(again.sim.store.collection(OUTBOX)) == 0
    await again.post("/_sim/clock/advance", json={"seconds": 60})
    await again.sim.dispatcher.drain()
    assert len([i for r in receiver.requests for i in json.loads(r.body)]) == 40  # each once


async def test_a_delivery_due_at_once_is_never_written_as_a_timer_row(make_client, tmp_path):
    """With --db, a timer that comes due before the store's next write (the instant scenario's
    delivery) fires first: the write carries the delivered message, and no timer row is inserted
    and deleted."""
    from ..vendors.kx.helpers import auth

    scenario = "name: at-once\ndefaults:\n  outcome: delivered\n  delay: 0\n"
    client = await make_client(
        frozen=False, seed=None, scenario_text=scenario, store={"db": str(tmp_path / "sim.db")}
    )
    store = client.sim.store
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    for i in range(5):
        resp = await client.post(
            "/api/sms/send", data={**auth(), "mobile": f"1380000000{i}", "msgcontent": "【测试】hi"}
        )
        assert (await resp.json())["code"] == "0"
    for _ in range(100):  # real time, bounded: delay 0 fires at the loop's next turns
        if store._written == store._changes and all(m.status == "delivered" for m in store.query_messages()):
            break
        await asyncio.sleep(0.01)
    assert [m.status for m in store.query_messages()] == ["delivered"] * 5
    assert any("INTO messages" in s for s in statements)
    assert not [s for s in statements if "timers" in s]
