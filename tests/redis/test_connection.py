"""The Redis store's pipelined connection and turns: a failure while handling one answer never leaves a
request waiting for ever, and never keeps the answers after it from theirs (real redis-server)."""

from __future__ import annotations

import asyncio

import pytest

from simulator.core.redis_conn import RawConnection
from simulator.core.redis_store import RedisStore

from ..redisserver import new_prefix, session_redis


def test_a_callback_that_raises_does_not_keep_the_replies_after_it_from_theirs():
    conn = RawConnection(session_redis())
    got: list = []

    def boom(replies):
        raise RuntimeError("handler broke")

    conn.send([("PING",)], boom)
    conn.send([("ECHO", "second")], got.append)
    conn.send([], got.append)  # nothing to send: answered at once, not waited for
    conn.drain()
    assert got == [[], [b"second"]]
    conn.close()


async def test_a_request_waiting_for_a_turn_gets_the_error_when_handling_its_answer_fails(monkeypatch):
    store = RedisStore(session_redis(), prefix=new_prefix())
    await store.start()
    try:

        def broken(replies, turn):
            raise RuntimeError("handling broke")

        monkeypatch.setattr(store, "_take_replies", broken)
        with pytest.raises(RuntimeError, match="handling broke"):
            await asyncio.wait_for(store.sync(), 5)  # an error, not a request that waits for ever
        monkeypatch.undo()
        await asyncio.wait_for(store.sync(), 5)  # and the next turn works
    finally:
        await store.stop()
        store._r.close()


async def test_a_timer_the_real_time_path_is_claiming_fires_once_when_the_clock_is_advanced_meanwhile(
    make_client,
):
    """The admin API advances the clock while the running clock's own claim of a due timer is on its
    way to Redis: the timer fires once, within that advance (it was asked twice and lost to itself)."""
    client = await make_client(frozen=False, store={"redis": session_redis(), "redis_prefix": new_prefix()})
    sim = client.sim
    fired: list[str] = []
    sim.clock.register("test-fire", fired.append)
    sim.clock.call_later(0, "test-fire", "T")
    sim.store.flush()  # written: another process could claim it, so this one must ask Redis
    sim.clock._on_handle()  # the real-time path: its claim is queued for this turn's transaction
    await asyncio.sleep(0)  # … and is under way
    assert sim.store._claiming
    sim.clock.advance(0)
    assert fired == ["T"]
    await asyncio.sleep(0.2)  # the real-time path's answer comes: nothing fires again
    assert fired == ["T"] and not sim.store._claiming


async def test_two_turns_are_under_way_at_most_and_what_comes_meanwhile_waits_for_one_to_be_answered():
    """A turn's transaction goes out while another is under way (the loop does not sit idle waiting for
    Redis), never a third: what comes meanwhile is held for the next.  Every replay claim is decided
    once either way."""
    import time

    import redis

    from simulator.core import redis_store

    store = RedisStore(session_redis(), prefix=new_prefix())
    await store.start()
    under_way: list[int] = []
    send = store._conn.send

    def counting(commands, done):
        under_way.append(store._turns_out)  # counted with this one
        send(commands, done)

    store._conn.send = counting  # type: ignore[method-assign]
    admin = redis.Redis.from_url(session_redis())
    try:
        admin.execute_command("CLIENT", "PAUSE", 150, "ALL")  # Redis answers nothing for 150 ms
        now = time.time()

        async def claim(i: int) -> bool:
            await asyncio.sleep(0.01 * (i % 10))  # requests arriving while the first turns wait
            return await store.claim_once("test", f"k{i % 20}", now + 60, now)

        results = await asyncio.wait_for(asyncio.gather(*(claim(i) for i in range(100))), 10)
    finally:
        admin.close()
        await store.stop()
        store._r.close()
    assert max(under_way) == redis_store.TURNS_OUT == 2
    assert results[:20] == [True] * 20 and results[20:] == [False] * 80  # each key won once
