"""bench/wrk.py signs pools of raw HTTP requests that wrk replays: each must be a send the simulator
accepts, and sending one twice must be refused (which is why the pool holds a fresh nonce or a
distinct body per request)."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from aiohttp import web

from simulator.vendors.emay import crypto

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def wrk():
    sys.path.insert(0, str(BENCH))  # wrk.py imports its neighbour kx_send.py
    try:
        spec = importlib.util.spec_from_file_location("bench_wrk", BENCH / "wrk.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def parse(raw: bytes) -> tuple[str, str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.decode().split("\r\n")
    method, path, _ = request_line.split(" ")
    headers = dict(line.split(": ", 1) for line in lines)
    assert int(headers.pop("Content-Length")) == len(body)
    headers.pop("Host")
    return method, path, headers, body


async def send(client, raw: bytes):
    method, path, headers, body = parse(raw)
    return await client.request(method, path, headers=headers, data=body)


async def answer_code(vendor: str, resp) -> str:
    if vendor == "emay":
        return resp.headers["result"]
    data = await resp.json()
    return data["code"]


OK = {"kx": "0", "huawei": "000000", "emay": "SUCCESS"}
REPLAYED = {"huawei": "E000101", "emay": "ERROR_REQUEST_NO_VALID"}


@pytest.mark.parametrize("vendor", ["kx", "huawei", "emay"])
async def test_every_pooled_request_is_an_accepted_send_and_all_differ(wrk, make_client, vendor):
    client = await make_client(frozen=False)
    await client.patch(
        "/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1",
        json={"rate_limit": 0},
    )
    pool = wrk.POOLS[vendor](20)
    assert len(set(pool)) == 20
    for raw in pool:
        resp = await send(client, raw)
        assert resp.status == 200
        assert await answer_code(vendor, resp) == OK[vendor], await resp.read()
    assert len(client.sim.store.query_messages(vendor=vendor)) == 20
    if vendor == "emay":  # the answer is encrypted with the account's key, as a client expects
        raw_answer = await (await send(client, wrk.POOLS[vendor](1)[0])).read()
        assert b"smsId" in crypto.decompress(crypto.decrypt(raw_answer, "0123456789ABCDEF"), 1 << 20)
    if vendor in REPLAYED:  # the same request again is a replay
        resp = await send(client, pool[0])
        assert await answer_code(vendor, resp) == REPLAYED[vendor]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian package) is not installed")
async def test_wrk_sends_the_pool_in_turn_through_the_generated_script(wrk, aiohttp_server, tmp_path):
    seen: list[tuple[str, bytes]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.path, await request.read()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", record)
    server = await aiohttp_server(app, host="127.0.0.1")
    pool = [wrk.raw(f"/p{i}", f"body-{i}".encode() * (i + 1), {"X-N": str(i)}) for i in range(7)]
    data, lens = wrk.write_pool(tmp_path, pool)
    script = tmp_path / "pool.lua"
    script.write_text(wrk.LUA)
    cmd = ["wrk", "-t", "1", "-c", "1", "-d", "1s", "-s", str(script), f"http://127.0.0.1:{server.port}/"]
    proc = await asyncio.create_subprocess_exec(
        *cmd, "--", str(data), str(lens), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert len(seen) >= 7, out
    # one connection: the requests arrive in the pool's order, round and round (wrk may ask the script
    # for a request before the first it sends: the turn can start past the first)
    expected = [(f"/p{i}", f"body-{i}".encode() * (i + 1)) for i in range(7)]
    start = expected.index(seen[0])
    assert seen == [expected[(start + n) % 7] for n in range(len(seen))]


async def test_many_number_pools_make_one_message_per_number_and_huawei_names_its_callback(wrk, make_client):
    """The push-capacity backlog: kx sends of many mobiles, huawei sends of many ``to`` numbers with a
    ``statusCallback`` (each report then pushed there, one per POST)."""
    client = await make_client(frozen=False)
    for raw in wrk.kx_pool(3, recipients=7):
        resp = await send(client, raw)
        assert await answer_code("kx", resp) == OK["kx"], await resp.read()
    kx = client.sim.store.query_messages(vendor="kx")
    assert len(kx) == 21 and len({m.mobile for m in kx}) == 21
    for raw in wrk.huawei_pool(2, recipients=5, callback="http://127.0.0.1:9/status"):
        resp = await send(client, raw)
        assert await answer_code("huawei", resp) == OK["huawei"], await resp.read()
    huawei = client.sim.store.query_messages(vendor="huawei")
    assert len(huawei) == 10 and len({m.mobile for m in huawei}) == 10
    assert {m.extra.get("callback") for m in huawei} == {"http://127.0.0.1:9/status"}


def test_the_callback_report_shows_a_durable_stores_push_capacity_after_memorys(wrk):
    row = {
        "sends": "kx",
        "sends_per_s": 450.0,
        "posts_per_s": 3400.0,
        "reports_per_s": 3400.0,
        "reports_per_post": 1.0,
        "posts_x_bare": 0.22,
        "reports_x_bare": 0.22,
        "cpu_us_per_report": 270.0,
        "reports_x_bare_cpu": 0.23,
        "window_s": 4.5,
    }
    cb = {
        "bare_sender": [{"posts_per_s": 15000.0}],
        "bare_posts_per_s": 15000.0,
        "bare_cpu_us_per_post": 63.0,
        "huawei_capacity": dict(row, reports_per_s=12000.0),
        "huawei_capacity_redis": row,
        "huawei_capacity_db": {"sends": "-", "sends_per_s": 0, "error": "redis-server is not installed"},
    }
    assert wrk.capacity_rows(cb) == ["huawei_capacity", "huawei_capacity_redis", "huawei_capacity_db"]
    lines = wrk.callback_report(cb).splitlines()
    rows = [line for line in lines if line.startswith("  | huawei")]
    assert rows[0].startswith("  | huawei | 450 | 3,400 | 12,000 |")
    assert rows[1].startswith("  | huawei (`--redis`) | 450 | 3,400 | 3,400 | 1.0 | 0.22 |")
    assert rows[2] == "  | huawei (`--db`) | 0 | redis-server is not installed |"


def test_the_ceiling_serves_from_two_processes_and_stops_with_its_parent(wrk, tmp_path):
    """bench/wrk.py's ``ceiling2``: the bare handler with CPU added per request, two processes on one
    port; stopping the parent (as the bench stops every server) stops its worker too."""
    import os
    import subprocess
    import time
    import urllib.request

    port = wrk.free_port()
    cmd = [sys.executable, str(BENCH / "bare_reference.py"), str(port), "--work-us", "500", "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def children() -> list[int]:
        out = []
        for entry in os.listdir("/proc"):
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except (OSError, ValueError):
                continue
            if entry.isdigit() and int(stat.rpartition(")")[2].split()[1]) == proc.pid:
                out.append(int(entry))
        return out

    try:
        for _ in range(200):
            try:
                started = time.perf_counter()
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sms/send", b"userid=1", 1).read()
                break
            except OSError:
                time.sleep(0.05)
        assert b'"code":"0"' in body and time.perf_counter() - started >= 0.0005  # the added CPU
        worker = children()
        assert len(worker) == 1
    finally:
        proc.terminate()
        proc.wait(10)

    def gone(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] in "ZX"
        except OSError:
            return True

    for _ in range(100):
        if gone(worker[0]):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the worker outlived its parent")


def test_the_raw_reference_answers_like_the_aiohttp_one_and_splits_pipelined_requests(wrk):
    """bench/wrk.py's ``raw``: the bare handler's work behind a hand-written HTTP/1.1 layer.  Its answer
    has the aiohttp handler's body and headers; requests pipelined on one connection and cut anywhere
    by the network each get one; SIGTERM stops it."""
    import socket
    import subprocess
    import time

    def start(*flags: str) -> tuple[subprocess.Popen, int]:
        port = wrk.free_port()
        cmd = [sys.executable, str(BENCH / "bare_reference.py"), str(port), *flags]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return proc, port
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the reference did not start")

    def exchange(port: int, pieces: list[bytes], answers: int) -> list[tuple[dict[str, str], bytes]]:
        with socket.create_connection(("127.0.0.1", port), 5) as sock:
            for piece in pieces:
                sock.sendall(piece)
                time.sleep(0.02)  # separate reads on the server's side
            data = b""
            while data.count(b"HTTP/1.1 200 OK") < answers or not data.endswith(b"}"):
                data += sock.recv(65536)
        out = []
        for raw in data.split(b"HTTP/1.1 200 OK\r\n")[1:]:
            head, _, body = raw.partition(b"\r\n\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
            assert int(headers["Content-Length"]) == len(body)
            out.append((headers, body))
        return out

    one = b"POST /api/sms/send HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nuserid=1"
    two = b"POST /api/sms/send HTTP/1.1\r\nHost: x\r\ncontent-length: 8\r\n\r\nuserid=2"
    bare, bare_port = start()
    raw, raw_port = start("--raw")
    try:
        [(expected, body)] = exchange(bare_port, [one], 1)
        got = exchange(raw_port, [one + two[:20], two[20:60], two[60:]], 2)
        assert [b for _, b in got] == [body, body]
        for headers, _ in got:  # the same headers, in any order (the Date of the second it was made)
            assert {k: v for k, v in headers.items() if k not in ("Date", "X-Digest")} == {
                k: v for k, v in expected.items() if k not in ("Date", "X-Digest")
            }
        assert got[0][0]["X-Digest"] == expected["X-Digest"] != got[1][0]["X-Digest"]  # each body's md5
    finally:
        for proc in (bare, raw):
            proc.terminate()
            assert proc.wait(10) is not None
