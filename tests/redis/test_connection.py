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
