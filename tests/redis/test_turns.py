"""What a turn's transaction carries to Redis, and what a process reads back of the others' (real
redis-server): a timer only this process knows fires before it is ever written; an account noted at
every charge is rebuilt only when more than its balance changed; a process does not read back the
notes of its own writes."""

from __future__ import annotations

import asyncio
from collections import Counter

from simulator.core.clock import Clock
from simulator.core.redis_store import RedisStore

from ..redisserver import new_prefix, session_redis
from ..vendors.kx.helpers import auth

INSTANT = """
name: at-once
defaults:
  outcome: delivered
  delay: 0
"""


def noted(store: RedisStore) -> Counter[str]:
    """How many entries of the change stream name each kind of record ("t": timers written, "xt":
    timers deleted)."""
    return Counter(name.decode() for _, fields in store._r.xrange(store.k_log) for name in fields)


def timers_in_redis(store: RedisStore) -> tuple[int, int]:
    return store._r.hlen(store.k_timers), store._r.zcard(store.k_due)


async def shared_client(make_client, prefix: str, **kwargs):
    return await make_client(
        frozen=False, store={"redis": session_redis(), "redis_prefix": prefix}, seed=None, **kwargs
    )


async def test_a_delivery_due_at_once_is_never_written_claimed_or_deleted_as_a_timer(make_client):
    client = await shared_client(make_client, new_prefix(), scenario_text=INSTANT)
    store = client.sim.store
    for i in range(5):
        resp = await client.post(
            "/api/sms/send", data={**auth(), "mobile": f"1380000000{i}", "msgcontent": "【测试】hi"}
        )
        assert (await resp.json())["code"] == "0"
    for _ in range(100):  # real time, bounded: delay 0 fires at the loop's next turns
        if all(m.status == "delivered" for m in store.query_messages()) and store._written == store._changes:
            break
        await asyncio.sleep(0.01)
    assert [m.status for m in store.query_messages()] == ["delivered"] * 5
    assert timers_in_redis(store) == (0, 0)
    kinds = noted(store)
    assert kinds["m"] >= 1 and kinds["t"] == 0 and kinds["xt"] == 0, kinds


async def test_the_turn_fires_a_timer_made_since_the_last_write_before_it_writes(make_client):
    client = await shared_client(make_client, new_prefix())
    sim = client.sim
    fired: list[str] = []
    sim.clock.register("test-fire", fired.append)
    sim.clock.call_later(0, "test-fire", "T")
    sim.clock._handle.cancel()  # the real-time handle does not get to it first: the turn does
    await sim.store.commit()
    assert fired == ["T"]
    assert timers_in_redis(sim.store) == (0, 0) and noted(sim.store)["t"] == 0


async def test_a_timer_written_already_waits_for_its_claim(make_client):
    """Once written, another process may claim it: the turn leaves it to the real-time path's claim,
    which fires it once."""
    client = await shared_client(make_client, new_prefix())
    sim = client.sim
    fired: list[str] = []
    sim.clock.register("test-fire", fired.append)
    sim.clock.call_later(0, "test-fire", "T")
    sim.store.flush()  # written, as by a turn that ran before the timer came due
    assert timers_in_redis(sim.store) == (1, 1)
    sim.store._fire_before_write()  # the hook of the next turn: the timer is not its to fire any more
    assert fired == []
    for _ in range(100):
        if fired:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert fired == ["T"]
    await sim.store.commit()
    assert timers_in_redis(sim.store) == (0, 0)


async def test_a_charge_elsewhere_moves_the_balance_and_only_a_changed_row_rebuilds_the_account(
    make_client, monkeypatch
):
    prefix = new_prefix()
    a = await shared_client(make_client, prefix)
    b = await shared_client(make_client, prefix)
    built: list[dict] = []
    build = b.sim._build_account
    monkeypatch.setattr(b.sim, "_build_account", lambda data: built.append(data) or build(data))
    account = b.sim.accounts.get("kx", "100001")
    await b.sim.store.sync()
    built.clear()
    before = account.balance
    resp = await a.post("/api/sms/send", data={**auth(), "mobile": "13800000000", "msgcontent": "【测试】hi"})
    assert (await resp.json())["code"] == "0"
    await b.sim.store.sync()
    assert account.balance == before - 1 and built == []  # the balance only: no rebuild
    resp = await a.patch("/_sim/accounts/kx/100001", json={"name": "renamed elsewhere"})
    assert resp.status == 200, await resp.text()
    await b.sim.store.sync()
    assert len(built) == 1 and account.name == "renamed elsewhere"
    assert b.sim.accounts.get("kx", "100001") is account  # changed in place


async def test_a_process_reads_back_only_the_ids_of_its_own_notes():
    store = RedisStore(session_redis(), prefix=new_prefix())
    await store.start()
    try:
        store.clock_changed(Clock())  # a change this process writes, with its note
        store.flush()

        def entries(reader: int) -> list:
            args = ["0-0", 100, reader, *store._catch_up_hashes]
            return store._catch_up(keys=store._catch_up_keys, args=args)[0]

        mine, theirs = entries(store.worker), entries(store.worker + 1000)
        assert len(mine) == len(theirs) >= 1
        assert all(fields == [b"o", str(store.worker).encode()] for _, fields in mine)
        assert any(b"meta" in fields for _, fields in theirs)
    finally:
        await store.stop()
        store._r.close()


async def test_a_unix_socket_url_serves_like_tcp(make_client):
    """``--redis unix:///path/redis.sock`` (one host: a little cheaper per round trip than TCP): a
    send through one process is found through the other."""
    from ..redisserver import start_redis

    proc, url = start_redis(unix=True)
    try:
        assert url.startswith("unix://")
        store = {"redis": url, "redis_prefix": new_prefix()}
        a = await make_client(frozen=False, seed=None, scenario_text=INSTANT, store=store)
        b = await make_client(frozen=False, seed=None, store=store)
        form = {**auth(), "mobile": "13800000009", "msgcontent": "【测试】hi"}
        resp = await a.post("/api/sms/send", data=form)
        assert (await resp.json())["code"] == "0"
        await b.sim.store.sync()
        found = b.sim.store.query_messages()
        assert [m.mobile for m in found] == ["13800000009"]
    finally:
        proc.kill()
        proc.wait()
