"""A shared store stays bounded in Redis too: a pull queue nobody reads keeps no more entries than the
records it names, whichever process queued them (real redis-server)."""

from __future__ import annotations

import asyncio

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
