"""Several processes on one Redis behave as one simulator: real ``serve --redis`` subprocesses (two
instances on two ports stand in for two hosts behind a load balancer, or ``--workers 2`` on one port)
and a real Debian ``redis-server`` started on a free port.

The clock is frozen: simulated time moves only through the admin API, so nothing waits for real time
except start-up and the real HTTP callbacks."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import aiohttp
import pytest
import yaml

from tests.e2e.test_crash import ROOT, Server
from tests.redisserver import free_port, start_redis
from tests.vendors.huawei.send_helpers import BATCH, FORM, verify_form, wsse
from tests.vendors.kx.helpers import USERID, auth

PUSH_ID = "200002"
PUSH_KEY = "kxpushapikey0002"


@pytest.fixture
def redis_url():
    proc, url = start_redis()
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True)) as session:
        yield session


@pytest.fixture
async def pair(tmp_path, redis_url, receiver):
    """Two simulators on two ports sharing one Redis; kx 100001 pulls, kx 200002 pushes to ``receiver``."""
    config = yaml.safe_load((ROOT / "simulator" / "defaults.yaml").read_text())
    del config["host"], config["port"]
    kx = next(a for a in config["accounts"] if a["vendor"] == "kx")
    kx["balance"] = 150
    push = {"vendor": "kx", "id": PUSH_ID, "secret": PUSH_KEY, "balance": 1000, "mode": "push"}
    config["accounts"].append({**push, "report_url": receiver.url + "/kx/report"})
    config["vendors"] = {"kx": {"batch_interval": 0}}
    servers = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        servers.append(Server(folder, config, store_args=["--redis", redis_url]))
    try:
        for s in servers:  # one after the other: the second finds the first one's state in Redis
            await s.start()
        yield servers
    finally:
        for s in servers:
            await s.kill(check=False)


async def kx_send(
    s: Server, http: aiohttp.ClientSession, mobile: str, userid: str = USERID, key: str = ""
) -> Any:
    params = auth(userid, key) if key else auth()
    return await s.ok(
        http, "POST", "/api/sms/send", data={**params, "mobile": mobile, "msgcontent": "【测试】hi"}
    )


async def test_a_message_sent_through_one_is_found_through_the_other(pair, http):
    a, b = pair
    for n in range(10):
        answer = await kx_send((a, b)[n % 2], http, f"139000000{n:02d}")
        assert answer["code"] == "0"
    seen = []
    for s in (a, b):
        msgs = await s.messages(http)
        assert sorted(m["mobile"] for m in msgs) == [f"139000000{n:02d}" for n in range(10)]
        seen.append({m["sim_id"]: m["id"] for m in msgs})
    assert seen[0] == seen[1]  # the same messages and vendor ids through either
    # the simulated clock is one: advanced through b, a reads the same time
    await b.advance(http, 3600)
    clock_a = (await a.ok(http, "GET", "/_sim/clock"))["now"]
    clock_b = (await b.ok(http, "GET", "/_sim/clock"))["now"]
    assert abs(clock_a - clock_b) < 1
    for s in (a, b):
        assert {m["status"] for m in await s.messages(http)} == {"delivered"}


async def test_each_timer_fires_once_and_each_report_is_pulled_once_across_both(pair, http):
    a, b = pair
    for n in range(40):
        await kx_send((a, b)[n % 2], http, f"1390000{n:04d}")
    # both advance at once: every outcome timer is claimed by one of them
    await asyncio.gather(a.advance(http, 600), b.advance(http, 600))
    for m in await b.messages(http):
        detail = await b.message(http, m["sim_id"])
        finals = [t for t in detail["timeline"] if t["status"] == "delivered"]
        assert len(finals) == 1, detail["timeline"]
    # both pull the report queue at once, page after page: every report comes out exactly once
    pulled: list[str] = []

    async def drain(s: Server) -> None:
        while True:
            answer = await s.ok(http, "POST", "/api/v2/sms/query", data=auth())
            items = answer.get("data") or []
            if not items:
                return
            pulled.extend(i["mobile"] for i in items)

    await asyncio.gather(drain(a), drain(b), drain(a), drain(b))
    assert len(pulled) == 40 and len(set(pulled)) == 40


async def test_the_balance_is_exact_under_concurrent_sends_through_both(pair, http):
    a, b = pair
    answers = await asyncio.gather(*(kx_send((a, b)[n % 2], http, f"1380000{n:04d}") for n in range(200)))
    codes = Counter(x["code"] for x in answers)
    assert codes["0"] == 150, codes  # the balance was 150 one-segment messages
    for s in (a, b):
        assert (await s.account(http))["balance"] == 0
        assert len(await s.messages(http)) == 150


async def test_a_huawei_nonce_is_accepted_by_one_process_only(pair, http):
    a, b = pair
    for _ in range(10):
        headers = {**wsse(), "Content-Type": FORM}
        body = verify_form()
        answers = await asyncio.gather(
            *(s.call(http, "POST", BATCH, data=body, headers=headers) for s in (a, b))
        )
        codes = sorted(body["code"] for _, body in answers)
        assert codes == ["000000", "E000101"], answers


async def test_each_report_is_pushed_once_by_one_of_them(pair, http, receiver):
    a, b = pair
    for n in range(12):
        await kx_send((a, b)[n % 2], http, f"1370000{n:04d}", PUSH_ID, PUSH_KEY)
    await asyncio.gather(a.advance(http, 600), b.advance(http, 600))
    await receiver.wait(12, timeout=5)
    await asyncio.sleep(0.3)  # would a second push of anything arrive?
    mobiles = [item["mobile"] for r in receiver.requests for item in json.loads(r.body)]
    assert sorted(mobiles) == sorted(f"1370000{n:04d}" for n in range(12))
    attempts = await a.callbacks(http)
    assert sum(x["items"] for x in attempts) == 12 and all(x["ok"] for x in attempts)


async def test_a_process_started_later_takes_up_the_state_and_reset_reaches_every_process(pair, http):
    a, b = pair
    await kx_send(a, http, "13900000001")
    await a.kill()  # SIGKILL: the answered send is in Redis
    await a.start()
    assert [m["mobile"] for m in await a.messages(http)] == ["13900000001"]
    assert (await a.account(http))["balance"] == 149
    await a.ok(http, "POST", "/_sim/reset")
    assert await b.messages(http) == []
    assert (await b.account(http))["balance"] == 150


LISTENING = re.compile(r"sms-simulator listening on (http://127\.0\.0\.1:\d+)")


async def test_two_workers_share_one_port(tmp_path, redis_url, http):
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "serve", "--port", str(port), "--workers", "2",
        "--redis", redis_url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    try:
        seen = b""
        while seen.count(b"sms-simulator listening on") < 2:  # one line from each worker
            line = await asyncio.wait_for(proc.stdout.readline(), 15)
            assert line, seen
            seen += line
        assert len(LISTENING.findall(seen.decode())) == 2, seen
        url = f"http://127.0.0.1:{port}"
        pids = set()
        for _ in range(40):  # new connections: the kernel spreads them over both processes
            async with http.get(url + "/_sim/health") as r:
                pids.add((await r.json())["process"])
        assert len(pids) == 2, pids
        for n in range(20):
            async with http.post(
                url + "/api/sms/send", data={**auth(), "mobile": f"1350000{n:04d}", "msgcontent": "hi"}
            ) as r:
                assert (await r.json())["code"] == "0"
        async with http.get(url + "/_sim/messages", params={"limit": "100"}) as r:
            page = await r.json()
            assert page["total"] == 20, page
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


def test_workers_without_a_shared_store_are_refused():
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2 and "--workers above 1 needs a shared store: add --redis URL" in done.stderr


def test_an_unreachable_redis_is_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--redis", f"redis://127.0.0.1:{free_port()}/0"],
        capture_output=True, text=True, cwd=ROOT, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("--redis: cannot use Redis at redis://")
    assert "Traceback" not in done.stderr


async def test_the_live_feed_of_one_shows_messages_sent_through_the_other(pair, http):
    a, b = pair
    async with http.get(b.url + "/_sim/events") as feed:
        await kx_send(a, http, "13911112222")
        async with asyncio.timeout(5):
            while True:
                line = (await feed.content.readline()).decode()
                if line.startswith("data:") and "13911112222" in line:
                    event = json.loads(line[5:])
                    break
    assert event["type"] == "message" and event["message"]["mobile"] == "13911112222"


async def test_redis_append_only_file_keeps_everything_across_a_crash_of_both(tmp_path, http):
    port = free_port()
    proc, url = start_redis(appendonly=True, folder=str(tmp_path), port=port)
    folder = tmp_path / "sim"
    folder.mkdir()
    sim = Server(folder, {}, store_args=["--redis", url])
    try:
        await sim.start()
        for n in range(3):
            await kx_send(sim, http, f"1360000{n:04d}")
        await sim.kill()
        proc.kill()  # SIGKILL: only the append-only file is left
        proc.wait()
        proc, _ = start_redis(appendonly=True, folder=str(tmp_path), port=port)
        await sim.start()
        assert sorted(m["mobile"] for m in await sim.messages(http)) == [f"1360000{n:04d}" for n in range(3)]
        assert (await sim.account(http))["balance"] == 1000000 - 3
    finally:
        await sim.kill(check=False)
        proc.kill()
        proc.wait()


async def test_an_emay_secure_request_is_accepted_by_one_process_only(pair, http):
    from tests.vendors.emay.client import DEMO_APP_ID, DEMO_SECRET, now_ms, seal

    headers = {"appId": DEMO_APP_ID, "gzip": "on"}

    async def post(s: Server, sealed: bytes) -> str:
        async with http.post(s.url + "/inter/sendSingleSMS", data=sealed, headers=headers) as r:
            return r.headers.get("result", "")

    for n in range(5):
        body = {"mobile": f"1380013{n:04d}", "content": "【测试】hi", "requestTime": now_ms()}
        sealed = seal({**body, "requestValidPeriod": 60}, DEMO_SECRET)
        verdicts = sorted(await asyncio.gather(*(post(s, sealed) for s in pair)))  # the same bytes, at once
        assert verdicts == ["ERROR_REQUEST_NO_VALID", "SUCCESS"], verdicts


async def test_a_per_number_quota_counts_sends_through_both(pair, http):
    a, b = pair
    await a.ok(
        http, "PATCH", f"/_sim/accounts/kx/{USERID}", json={"quotas": {"per_day": 3, "same_content": 0}}
    )
    answers = await asyncio.gather(*(kx_send((a, b)[n % 2], http, "13912340000") for n in range(8)))
    assert all(x["code"] == "0" for x in answers)  # accepted: kx reports the limit (F11300)
    await a.advance(http, 600)
    codes = Counter(m["code"] for m in await b.messages(http))
    assert codes["F11300"] == 5 and sum(codes.values()) == 8, codes


async def test_the_timers_of_a_process_that_died_are_fired_by_another(pair, http):
    a, b = pair
    for n in range(5):
        await kx_send(a, http, f"1330000{n:04d}")
    await a.kill()  # SIGKILL: its outcome timers are in Redis, nobody fires them
    await b.advance(http, 600)
    assert {m["status"] for m in await b.messages(http)} == {"delivered"}
    reports = await b.ok(http, "POST", "/api/v2/sms/query", data=auth())
    assert sorted(i["mobile"] for i in reports["data"]) == [f"1330000{n:04d}" for n in range(5)]
