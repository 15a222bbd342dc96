"""Redis out of reach while the simulator serves (stopped, then started again on the same port): every
request still gets an answer at once — the vendor's own system error, 503 from the admin API and the
health check — with one log line a second and no traceback; nothing already accepted is lost, and
everything works again as soon as Redis is back.  A real ``serve --redis`` subprocess and a real
redis-server with an append-only file (a Redis that restarts empty loses the shared state: docs/state.md).
"""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
import pytest
import redis

from simulator.core import redis_conn
from simulator.core.clock import CLAIM_RETRY, Clock
from simulator.vendors.kx.codes import API_CODES, REASON_CODES
from tests.e2e.test_crash import Server
from tests.redisserver import free_port, start_redis
from tests.vendors.huawei.send_helpers import BATCH, FORM, verify_form, wsse
from tests.vendors.kx.helpers import auth

SYSTEM_ERROR = {"code": REASON_CODES["system_error"], "msg": API_CODES[REASON_CODES["system_error"]]}


@pytest.fixture
async def http():
    timeout = aiohttp.ClientTimeout(total=5)  # an answer that does not come fails the test, not CI
    async with aiohttp.ClientSession(timeout=timeout) as session:
        yield session


def send(sim: Server, http: aiohttp.ClientSession, mobile: str):
    return sim.call(
        http, "POST", "/api/sms/send", data={**auth(), "mobile": mobile, "msgcontent": "【测试】hi"}
    )


async def test_while_redis_is_away_requests_are_answered_and_nothing_is_lost(tmp_path, http):
    port = free_port()
    proc, url = start_redis(appendonly=True, folder=str(tmp_path), port=port)
    folder = tmp_path / "sim"
    folder.mkdir()
    sim = Server(folder, {}, store_args=["--redis", url])  # frozen clock, the default scenario
    try:
        await sim.start()
        status, before = await send(sim, http, "13600000001")
        assert status == 200 and before["code"] == "0"
        proc.kill()  # Redis crashes: only its append-only file is left
        proc.wait()

        started = time.perf_counter()
        for n in range(3):
            assert await send(sim, http, f"1360000010{n}") == (200, SYSTEM_ERROR)  # kx's own §12.1 code
        headers = {**wsse(), "Content-Type": FORM}  # huawei: its own system error, in its own shape
        status, huawei = await sim.call(http, "POST", BATCH, data=verify_form(), headers=headers)
        assert (status, huawei["code"], huawei["description"]) == (400, "E000000", "System error."), huawei
        status, health = await sim.call(http, "GET", "/_sim/health")
        assert status == 503 and health["status"] == "unavailable" and "out of reach" in health["error"]
        status, _ = await sim.call(http, "POST", "/_sim/clock/advance", json={"seconds": 60})
        assert status == 503
        assert time.perf_counter() - started < 2  # answered at once, not after a timeout

        proc, _ = start_redis(appendonly=True, folder=str(tmp_path), port=port)
        for _ in range(100):  # the next attempt to connect is at most RECONNECT_PAUSE away
            status, health = await sim.call(http, "GET", "/_sim/health")
            if status == 200:
                break
            await asyncio.sleep(0.05)
        assert status == 200 and "warnings" not in health  # the append-only file kept the state
        status, after = await send(sim, http, "13600000002")
        assert status == 200 and after["code"] == "0"

        await sim.advance(http, 3600)  # the reports due meanwhile: both accepted messages delivered
        messages = {m["mobile"]: m for m in await sim.messages(http)}
        assert sorted(messages) == ["13600000001", "13600000002"]  # the refused sends made nothing
        assert {m["status"] for m in messages.values()} == {"delivered"}
        assert (await sim.account(http))["balance"] == 1000000 - 2  # nor were they charged
        journal = (await sim.ok(http, "GET", "/_sim/requests", params={"limit": "100"}))["requests"]
        refused = [r for r in journal if r["diagnosis"] and "out of reach" in r["diagnosis"]]
        assert len(refused) == 4  # journaled while Redis was away, written once it was back
    finally:
        await sim.kill(check=False)
        proc.kill()
        proc.wait()
    log = "".join(p.read_text() for p in folder.glob("stderr-*.txt"))
    assert "Traceback" not in log
    assert 1 <= log.count("out of reach") <= 6  # a line a second at most, not one per request


def test_a_send_while_redis_is_down_gets_the_error_and_waits_before_connecting_again(monkeypatch):
    """The connection's callback always hears back (it did not when connecting failed: the turn
    waited for ever, and every later request with it); within RECONNECT_PAUSE no attempt is made."""
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    attempts = []
    real = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(a) or real(*a, **k))
    conn = redis_conn.RawConnection(f"redis://127.0.0.1:{port}/0")
    got: list = []
    conn.send([("PING",)], got.append)
    conn.send([("PING",)], got.append)
    assert [type(e) for e in got] == [redis.ConnectionError, redis.ConnectionError]
    assert "cannot connect to Redis at 127.0.0.1" in str(got[0])
    assert len(attempts) == 1
    conn._down = (time.monotonic() - 1, conn._down[1])  # as if RECONNECT_PAUSE had passed
    conn.send([("PING",)], got.append)
    assert len(attempts) == 2 and len(got) == 3


async def test_a_timer_whose_claim_fails_is_tried_again_later_not_at_once():
    """A due timer whose claim the shared store failed stays, and is claimed again CLAIM_RETRY later
    (it was asked again at once, in a loop taking the whole CPU while Redis was away)."""
    clock = Clock(start=1_000_000.0)
    fired: list[str] = []
    clock.register("note", fired.append)
    asked = []

    async def claim(timers):
        asked.append(clock._loop.time())
        if len(asked) < 3:
            raise redis.ConnectionError("Redis is away")
        return {t.seq for t in timers}

    clock.claim_async = claim
    clock.attach()
    try:
        clock.call_later(0, "note", "due")
        deadline = time.monotonic() + 5 * CLAIM_RETRY
        while not fired and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        clock.detach()
    assert fired == ["due"] and len(asked) == 3
    assert asked[1] - asked[0] >= CLAIM_RETRY * 0.9 and asked[2] - asked[1] >= CLAIM_RETRY * 0.9


async def test_a_redis_that_stops_answering_fails_what_waits_after_the_timeout():
    """A stopped redis-server (SIGSTOP: the connection stays open, nothing answers) is taken as lost
    after the connection's timeout: what waits gets redis.TimeoutError instead of waiting for ever
    (the kernel would keep such a connection for many minutes)."""
    import signal

    proc, url = start_redis()
    conn = redis_conn.RawConnection(url, timeout=0.3)
    conn.attach(asyncio.get_running_loop())
    try:
        assert conn.call([("PING",)]) == [b"PONG"]
        proc.send_signal(signal.SIGSTOP)
        got: asyncio.Future = asyncio.get_running_loop().create_future()
        started = time.monotonic()
        conn.send([("PING",)], got.set_result)
        error = await asyncio.wait_for(got, 3)
        assert isinstance(error, redis.TimeoutError) and "did not answer in 0.3 s" in str(error)
        assert 0.3 <= time.monotonic() - started < 1.5
        proc.send_signal(signal.SIGCONT)
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        conn.send([("PING",)], done.set_result)  # connects again
        assert await asyncio.wait_for(done, 3) == [b"PONG"]
    finally:
        conn.close()
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait()


async def test_a_redis_that_comes_back_empty_is_said_in_the_log_and_the_health_check(tmp_path, http):
    """Redis restarted without persistence has lost the shared state: the simulator goes on serving,
    and says so (a report timer Redis lost would otherwise go silently missing)."""
    port = free_port()
    proc, url = start_redis(port=port)
    folder = tmp_path / "sim"
    folder.mkdir()
    sim = Server(folder, {}, store_args=["--redis", url])
    try:
        await sim.start()
        assert (await send(sim, http, "13600000001"))[1]["code"] == "0"
        proc.kill()
        proc.wait()
        proc, _ = start_redis(port=port)  # empty
        for _ in range(100):
            status, health = await sim.call(http, "GET", "/_sim/health")
            if status == 200:
                break
            await asyncio.sleep(0.05)
        assert status == 200
        assert "came back without the simulator's state" in health["warnings"][0]
        assert (await send(sim, http, "13600000002"))[1]["code"] == "0"  # it goes on serving
    finally:
        await sim.kill(check=False)
        proc.kill()
        proc.wait()
    log = "".join(p.read_text() for p in folder.glob("stderr-*.txt"))
    assert log.count("came back without the simulator's state") == 1 and "Traceback" not in log


async def test_connecting_again_to_a_redis_that_does_not_answer_does_not_hold_the_loop():
    """A stopped redis-server still accepts connections (the kernel does), and then answers nothing: the
    look for a Redis that came back empty is sent, not waited for, so the loop goes on serving."""
    import signal

    from simulator.core.redis_store import RedisStore

    from ..redisserver import new_prefix

    proc, url = start_redis()
    store = RedisStore(url, prefix=new_prefix())
    conn = store._conn
    conn.timeout = 0.3
    conn.attach(asyncio.get_running_loop())
    try:
        proc.send_signal(signal.SIGSTOP)
        lost: asyncio.Future = asyncio.get_running_loop().create_future()
        conn.send([("PING",)], lost.set_result)
        assert isinstance(await asyncio.wait_for(lost, 3), redis.TimeoutError)
        started = time.perf_counter()
        replied: asyncio.Future = asyncio.get_running_loop().create_future()
        conn.send([("PING",)], replied.set_result)  # connects again, and looks at the lifetime token
        assert time.perf_counter() - started < 0.1  # not a blocking wait for the stopped server
        proc.send_signal(signal.SIGCONT)
        assert await asyncio.wait_for(replied, 3) == [b"PONG"]
        assert store.warnings == ()  # the same Redis, its state still there
    finally:
        conn.close()
        store._r.close()
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait()
