"""Admin pages with many messages stored: how long a page takes, and whether health stays responsive.

Starts `sms-simulator serve` (memory, or `--db`), fills it through the real kx API (signed sends of
1,000 numbers each) until ``--messages`` are stored, then times pages of `GET /_sim/messages` (first
page, a filtered page, a deep cursor, `order=asc`) and `/_sim/requests`, `/_sim/callbacks`, and
`GET /_sim/health` while other clients read pages without pause.  The goal: a page under 50 ms.

    python bench/pages.py [--messages 100000] [--db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from simulator import signing

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kx_send import ROOT, free_port, wait_up


def signed() -> dict[str, str]:
    return signing.auth("kx", "100001", "kxdemoapikey0001", {})[0]  # the demo account, signed now


async def fill(session: aiohttp.ClientSession, url: str, n: int) -> None:
    sent = 0
    while sent < n:
        k = min(1000, n - sent)
        mobiles = ",".join(f"139{sent + i:08d}" for i in range(k))
        data = {**signed(), "mobile": mobiles, "msgcontent": "【测试】您的验证码是1234，5分钟内有效。"}
        async with session.post(url + "/api/sms/send", data=data) as r:
            body = await r.json()
            assert body["code"] == "0", body
        sent += k


async def timed(session: aiohttp.ClientSession, url: str) -> tuple[float, dict]:
    t = time.perf_counter()
    async with session.get(url) as r:
        body = await r.json()
        assert r.status == 200, body
    return (time.perf_counter() - t) * 1000, body


async def run(args: argparse.Namespace) -> dict:
    port = free_port()
    cmd = [sys.executable, "-m", "simulator", "serve", "--port", str(port)]
    cmd += ["--scenario", str(ROOT / "scenarios" / "instant.yaml"), "--max-messages", str(args.messages)]
    tmp = tempfile.TemporaryDirectory()
    if args.db:
        cmd += ["--db", str(Path(tmp.name) / "pages.db")]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    out: dict = {"messages": args.messages, "db": args.db}
    try:
        wait_up(port, "/_sim/health")
        async with aiohttp.ClientSession() as s:
            t = time.perf_counter()
            await fill(s, base, args.messages)
            out["fill_seconds"] = round(time.perf_counter() - t, 1)
            _, first = await timed(s, base + "/_sim/messages?limit=100")
            out["total"] = first["total"]
            cases = {
                "first page": "/_sim/messages?limit=100",
                "page of 1000": "/_sim/messages?limit=1000",
                "filtered (status, vendor)": "/_sim/messages?limit=100&vendor=kx&status=delivered",
                "by mobile": "/_sim/messages?mobile=13900050000",
                "text search": "/_sim/messages?limit=100&text=xyz-not-there",
                "oldest first": "/_sim/messages?limit=100&order=asc",
                "requests": "/_sim/requests?limit=100",
                "callbacks": "/_sim/callbacks?limit=100",
            }
            deep = first
            for _ in range(args.messages // 100 // 2):  # half-way down by cursor
                if not deep["next"]:
                    break
                _, deep = await timed(s, base + f"/_sim/messages?limit=100&cursor={deep['next']}")
            if deep["next"]:
                cases["deep cursor"] = f"/_sim/messages?limit=100&cursor={deep['next']}"
            out["page_ms_median_of_5"] = {}
            for name, path in cases.items():
                times = [(await timed(s, base + path))[0] for _ in range(5)]
                out["page_ms_median_of_5"][name] = round(statistics.median(times), 1)
            stop = asyncio.Event()

            async def reader() -> None:
                while not stop.is_set():
                    await timed(s, base + "/_sim/messages?limit=1000&vendor=kx&status=delivered")

            readers = [asyncio.create_task(reader()) for _ in range(4)]
            health = []
            for _ in range(40):
                health.append((await timed(s, base + "/_sim/health"))[0])
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.gather(*readers)
            health.sort()
            out["health_ms_while_4_clients_read_pages"] = {
                "median": round(statistics.median(health), 1),
                "max": round(health[-1], 1),
            }
    finally:
        proc.terminate()
        proc.wait()
        tmp.cleanup()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--db", action="store_true")
    print(json.dumps(asyncio.run(run(p.parse_args())), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
