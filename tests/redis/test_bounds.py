"""A shared store stays bounded in Redis too: a pull queue nobody reads keeps no more entries than the
records it names, whichever process queued them (real redis-server)."""

from __future__ import annotations

import asyncio
from collections import deque

from simulator.core.redis_store import RedisStore

from ..redisserver import new_prefix, session_redis
from ..vendors.kx.helpers import auth

INSTANT = """
name: at-once
defaults:
  outcome: delivered
  delay: 0
"""


async def shared(make_client, prefix: str, bound: int):
    store = {"max_messages": bound, "redis": session_redis(), "redis_prefix": prefix}
    return await make_client(frozen=False, scenario_text=INSTANT, seed=None, store=store)


async def settle(*clients) -> None:
    """Every delivery fired and every change written (real time, bounded)."""
    for _ in range(100):
        if all(not c.sim.clock.next_due() and c.sim.store._written == c.sim.store._changes for c in clients):
            break
        await asyncio.sleep(0.01)
    for c in clients:
        await c.sim.store.commit()


def redis_queue_lengths(store) -> list[int]:
    return sorted(store._r.llen(k) for k in store._r.smembers(store.k_pullkeys))


async def test_a_pull_queue_nobody_reads_keeps_only_the_entries_of_records_still_stored(make_client):
    client = await shared(make_client, new_prefix(), bound=50)
    for i in range(300):
        resp = await client.post(
            "/api/sms/send", data={**auth(), "mobile": f"138{i:08d}", "msgcontent": "【测试】hi"}
        )
        assert (await resp.json())["code"] == "0"
    await settle(client)
    store = client.sim.store
    assert store._r.hlen(store.k_msg) <= 50
    assert redis_queue_lengths(store) == [store.pull_size("kx", "100001", "report", client.sim.clock.now())]
    assert redis_queue_lengths(store)[0] <= 50  # 300 entries before: one per report ever queued


async def test_the_queue_shared_by_two_processes_is_purged_of_what_each_evicted(make_client):
    prefix = new_prefix()
    a, b = await shared(make_client, prefix, bound=40), await shared(make_client, prefix, bound=40)
    for i in range(240):
        resp = await (a, b)[i % 2].post(
            "/api/sms/send", data={**auth(), "mobile": f"138{i:08d}", "msgcontent": "【测试】hi"}
        )
        assert (await resp.json())["code"] == "0"
    await settle(a, b)
    store = a.sim.store
    assert store._r.hlen(store.k_msg) <= 40
    assert redis_queue_lengths(store)[0] <= 40 + 1  # (the front may wait for the other's next purge)
    # what is left is still handed out, once, through either process: the latest reports
    pulled: list[str] = []
    for c in (b, a, b, a):
        while True:
            answer = await (await c.post("/api/v2/sms/query", data=auth())).json()
            items = answer.get("data") or []
            if not items:
                break
            pulled.extend(i["mobile"] for i in items)
    assert len(pulled) == len(set(pulled)) and 0 < len(pulled) <= 40
    assert f"138{239:08d}" in pulled
    assert redis_queue_lengths(store) == [0]


class NoScan(deque):
    def __iter__(self):
        raise AssertionError("the whole queue was read")


def test_a_long_queue_copy_drops_what_left_its_front_without_reading_the_rest():
    """A process's copy of a queue loses the entries taken or evicted elsewhere as notes of them come:
    from the front, at the cost of what left (at 100,000 queued, reading the whole copy at every note
    of another process's evictions cut two workers from 6,900 to 4,300 req/s)."""
    store = RedisStore(session_redis(), prefix=new_prefix())
    try:
        long = NoScan((None, None, eid) for eid in range(20_000))
        store._pull[("kx", "A", "report")] = long
        store._drop_pull_entries("kx", "A", "report", set(range(100)) | {15_000})
        assert len(long) == 19_900  # 15,000, further back, waits for its record's eviction
        store._apply_values({"xp": list(range(100, 300))}, {})  # another process's note
        assert len(long) == 19_700 and long[0][2] == 300
        short = deque((None, None, eid) for eid in range(100))
        store._pull[("kx", "B", "report")] = short
        store._drop_pull_entries("kx", "B", "report", {0, 50})  # a short copy stays exact
        assert [e[2] for e in short] == [n for n in range(1, 100) if n != 50]
    finally:
        store._r.close()
