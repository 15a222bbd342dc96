"""Hostile-tester attacks against a real ``sms-simulator serve``: time to answer, /_sim/health latency
during the attack, and the server's resident memory growth.

    python bench/attacks.py [--only NAME[,NAME…]] [--pythonpath DIR]

``--pythonpath DIR`` runs the server from another source tree (e.g. ``git archive 258cfc3 | tar -x -C
/tmp/base`` for the numbers before the hardening).  Results are in docs/security.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.vendors.emay import crypto  # noqa: E402
from tests.security.conftest import start  # noqa: E402  (the same launcher the tests use)

EMAY_APP_ID = "EUCP-EMY-SMS1-DEMO1"
EMAY_SECRET = "0123456789ABCDEF"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(pythonpath: str | None) -> tuple[subprocess.Popen, str]:
    served = start(env={"PYTHONPATH": pythonpath} if pythonpath else None, cwd=pythonpath or str(ROOT))
    return served.proc, served.url


def emay_members(size: int) -> bytes:
    empty = gzip.compress(b"", mtime=0)
    body = json.dumps({"mobile": "13800000000", "content": "x", "requestTime": int(time.time() * 1000)})
    data = gzip.compress(body.encode(), mtime=0) + empty * ((size - 200) // len(empty))
    return crypto.encrypt(data, EMAY_SECRET)


def emay_deep(depth: int) -> bytes:
    text = '{"a":' + "[" * depth + "]" * depth + "}"
    return crypto.encrypt(gzip.compress(text.encode(), mtime=0), EMAY_SECRET)


YAML_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: bomb", "rules: [{match: {mobile: *a8}}]"]
)


async def emay_post(s: aiohttp.ClientSession, url: str, body: bytes) -> int:
    headers = {"appId": EMAY_APP_ID, "gzip": "on", "encode": "UTF-8"}
    async with s.post(url + "/inter/sendSingleSMS", data=body, headers=headers) as r:
        await r.read()
        return r.status


async def big_bodies(s: aiohttp.ClientSession, url: str, count: int = 30, size: int = 16 << 20) -> str:
    body = b"x" * (size - 1024)
    codes = []
    for _ in range(count):
        async with s.post(url + "/api/sms/send", data=body) as r:
            await r.read()
            codes.append(r.status)
    return f"{count} x {size >> 20} MiB: {sorted(set(codes))}"


async def gzip_bombs(s: aiohttp.ClientSession, url: str, count: int = 17) -> str:
    bomb = gzip.compress(b"\0" * (256 << 20), compresslevel=9)  # 256 MiB of zeros in ~250 KiB
    codes = []
    for _ in range(count):
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        async with s.post(url + "/api/sms/p2psend", data=bomb, headers=headers) as r:
            await r.read()
            codes.append(r.status)
    return f"{count} x {len(bomb) >> 10} KiB -> 256 MiB: {sorted(set(codes))}"


async def yaml_bomb(s: aiohttp.ClientSession, url: str) -> str:
    headers = {"Content-Type": "application/yaml"}
    async with s.put(url + "/_sim/scenario", data=YAML_BOMB.encode(), headers=headers) as r:
        text = await r.text()
        return f"{len(YAML_BOMB)} bytes: {r.status} {text[:80]}"


def emay_attack(size: int) -> Callable[[aiohttp.ClientSession, str], Awaitable[str]]:
    async def attack(s: aiohttp.ClientSession, url: str) -> str:
        body = emay_members(size)
        status = await emay_post(s, url, body)
        return f"{len(body)} bytes: HTTP {status}"

    return attack


async def deep_json(s: aiohttp.ClientSession, url: str) -> str:
    headers = {"appId": EMAY_APP_ID, "gzip": "on", "encode": "UTF-8"}
    async with s.post(url + "/inter/sendSingleSMS", data=emay_deep(100_000), headers=headers) as r:
        await r.read()
        return f"HTTP {r.status} result={r.headers.get('result')}"


async def _open(url: str, n: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    host, port = url.rsplit("//", 1)[1].split(":")
    conns = []
    for _ in range(n):
        try:
            conns.append(await asyncio.open_connection(host, int(port)))
        except OSError:
            break
    return conns


async def _still_open(conns: list, wait: float) -> int:
    await asyncio.sleep(wait)
    alive = 0
    for r, w in conns:
        try:
            w.write(b"X")
            await w.drain()
            data = await asyncio.wait_for(r.read(1), 0.01)
            alive += bool(data)
        except TimeoutError:
            alive += 1
        except (OSError, ConnectionError):
            pass
    for _, w in conns:
        w.close()
    return alive


async def slowloris(s: aiohttp.ClientSession, url: str, n: int = 500, wait: float = 12.0) -> str:
    conns = await _open(url, n)
    for _, w in conns:
        w.write(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n")
    for _ in range(int(wait / 0.5)):
        await asyncio.sleep(0.5)
        for _, w in conns:
            if not w.is_closing():
                w.write(b"X-A: b\r\n")
    alive = await _still_open(conns, 0)
    return f"{len(conns)} slow heads, {alive} still open after {wait:.0f} s"


async def idle(s: aiohttp.ClientSession, url: str, n: int = 2000, wait: float = 3.0) -> str:
    conns = await _open(url, n)
    alive = await _still_open(conns, wait)
    return f"{len(conns)} idle connections, {alive} still open after {wait:.0f} s"


async def sse_nonreaders(s: aiohttp.ClientSession, url: str, n: int = 200, sends: int = 3000) -> str:
    import hashlib

    conns = await _open(url, n)
    for _, w in conns:
        w.write(b"GET /_sim/events HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(0.5)
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        ts = str(int(time.time() * 1000))
        sign = hashlib.md5(f"100001{ts}kxdemoapikey0001".encode()).hexdigest()
        q = {"userid": "100001", "ts": ts, "sign": sign, "mobile": "13800000000", "msgcontent": "【测试】hi"}
        async with sem, s.get(url + "/api/sms/send", params=q) as r:
            await r.read()

    t = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(sends)))
    rate = sends / (time.perf_counter() - t)
    for _, w in conns:
        w.close()
    return f"{n} event streams never read: kx send {rate:,.0f} req/s"


ATTACKS: dict[str, Callable[[aiohttp.ClientSession, str], Awaitable[str]]] = {
    "emay-gzip-1mb": emay_attack(1 << 20),
    "emay-gzip-2mb": emay_attack(2 << 20),
    "emay-gzip-4mb": emay_attack(4 << 20),
    "emay-deep-json": deep_json,
    "big-bodies": big_bodies,
    "gzip-bombs": gzip_bombs,
    "yaml-bomb": yaml_bomb,
    "slowloris": slowloris,
    "idle-keepalive": idle,
    "sse-nonreaders": sse_nonreaders,
}


async def run_one(name: str, pythonpath: str | None) -> None:
    proc, url = start_server(pythonpath)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as s:
            async with s.get(url + "/_sim/health") as r:
                await r.read()
            before = rss_mib(proc.pid)
            worst = 0.0
            done = asyncio.Event()

            async def probe() -> None:
                nonlocal worst
                async with aiohttp.ClientSession() as p:
                    while not done.is_set():
                        t = time.perf_counter()
                        async with p.get(url + "/_sim/health") as r:
                            await r.read()
                        worst = max(worst, time.perf_counter() - t)
                        await asyncio.sleep(0.05)

            prober = asyncio.create_task(probe())
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            try:
                what = await ATTACKS[name](s, url)
            except Exception as exc:  # a dropped connection is an answer too
                what = f"{type(exc).__name__}: {exc}"
            took = time.perf_counter() - t0
            done.set()
            await prober
            grown = rss_mib(proc.pid) - before
            print(
                f"{name:16} {took:7.2f} s health worst {worst * 1000:8.1f} ms RSS +{grown:6.1f} MiB  {what}",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated attack names: " + ", ".join(ATTACKS))
    p.add_argument("--pythonpath", help="run the server from this source tree")
    args = p.parse_args()
    names = args.only.split(",") if args.only else list(ATTACKS)
    for name in names:
        asyncio.run(run_one(name, args.pythonpath))


if __name__ == "__main__":
    main()
