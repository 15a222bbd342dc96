"""How long the garbage collector stops the simulator under load, and whether freezing what survives a
young collection (``simulator/gcpolicy.py``) leaks.

    python bench/gc_pauses.py [--seconds 20] [--closed-connections] [--before]
    python bench/gc_pauses.py --seconds 30 --bound 20000 [--no-look]   # the store at its bound

Starts ``sms-simulator serve`` (pinned to core 0) with a hook that times every collection, sends kx
``POST /api/sms/send`` at full speed — with wrk over 50 kept-alive connections (signed requests, as
bench/wrk.py sends them), or with ``--closed-connections`` from Python clients that open a new
connection for every request and get every fifth one refused (a wrong sign) — then stops the server
and prints: the pauses per generation (count, total, p99, max), how many objects were frozen, and what
a full collection over everything (frozen included) found at the end: cyclic garbage the policy kept
alive, which must stay at the few hundred objects start-up leaves.  ``--before``: the collector as
``serve`` set it before the policy (young collections every 100,000 allocations, nothing frozen).
``--bound N``: ``store.max_messages`` is N, so after the first seconds every message sent evicts an
old one (a long load test's steady state); ``--no-look``: without the policy's look at the young
generation's size, which is what starts young collections in that state.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from kx_send import free_port
from wrk import LUA, Server, kx_pool, write_pool, wrk


def serve(port: int, out: Path, before: bool, bound: int, no_look: bool) -> None:
    """The server side: serve with every collection timed; when serve returns, the numbers to ``out``."""
    if no_look:
        from simulator import gcpolicy

        gcpolicy.GcPolicy.young_tick = lambda self: False  # type: ignore[method-assign]
    if before:
        from simulator import gcpolicy

        gcpolicy.GcPolicy.install = lambda self: gc.set_threshold(100_000, 50, 100)  # type: ignore[method-assign]
        gcpolicy.GcPolicy.start = lambda self: None  # type: ignore[method-assign]
    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def timing(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], (time.perf_counter() - started[0]) * 1000))

    gc.callbacks.append(timing)
    from simulator.cli import main

    extra = []
    if bound:
        config = out.with_name("bound.yaml")
        config.write_text(f"store: {{max_messages: {bound}}}\n")
        extra = ["--config", str(config)]
    main(["serve", "--port", str(port), *extra])
    gc.callbacks.remove(timing)
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    found = gc.collect()
    stats = {"frozen": frozen, "garbage_found_at_the_end": found, "objects": len(gc.get_objects())}
    for g in (0, 1, 2):
        ms = sorted(p for gen, p in pauses if gen == g)
        stats[f"gen{g}"] = {
            "n": len(ms),
            "total_ms": round(sum(ms), 1),
            "p99_ms": round(ms[int(len(ms) * 0.99)], 2) if ms else 0,
            "max_ms": round(ms[-1], 2) if ms else 0,
        }
    out.write_text(json.dumps(stats))


async def closed_connections(port: int, seconds: float) -> int:
    import aiohttp

    from simulator.vendors.kx.auth import make_sign

    sent = 0
    stop = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True, limit=30)) as s:

        async def client(k: int) -> None:
            nonlocal sent
            i = 0
            while time.monotonic() < stop:
                i += 1
                ts = str(int(time.time() * 1000))
                key = "kxdemoapikey0001" if i % 5 else "wrong"
                form = {
                    "userid": "100001",
                    "ts": ts,
                    "sign": make_sign("100001", ts, key),
                    "mobile": f"1390000{k:02d}{i % 100:02d}",
                    "msgcontent": "【测试】验证码1",
                }
                async with s.post(f"http://127.0.0.1:{port}/api/sms/send", data=form) as r:
                    await r.read()
                sent += 1

        await asyncio.gather(*(client(k) for k in range(30)))
    return sent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=20)
    p.add_argument("--closed-connections", action="store_true")
    p.add_argument(
        "--before", action="store_true", help="the collector settings before simulator/gcpolicy.py"
    )
    p.add_argument("--bound", type=int, default=0, help="store.max_messages (default: the config's)")
    p.add_argument("--no-look", action="store_true", help="without the look at the young generation")
    p.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        port, out, before, bound, no_look = args.serve
        serve(int(port), Path(out), before == "1", int(bound), no_look == "1")
        return
    with tempfile.TemporaryDirectory(prefix="sim-gc-") as name:
        tmp = Path(name)
        out, port = tmp / "gc.json", free_port()
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            str(port),
            str(out),
            str(int(args.before)),
            str(args.bound),
            str(int(args.no_look)),
        ]
        server = Server("gc", cmd, 0, port, tmp)
        if server.skipped:
            raise SystemExit(server.skipped)
        try:
            if args.closed_connections:
                sent = asyncio.run(closed_connections(port, args.seconds))
                load = f"{sent} requests over closed connections, a fifth refused"
            else:
                script = tmp / "pool.lua"
                script.write_text(LUA)
                pool = write_pool(tmp, kx_pool(16000 * args.seconds))
                res = wrk(port, args.seconds, 50, pool, script)
                load = f"wrk: {res['requests']} requests, {res['rps']:.0f} req/s, p99 {res['p99_ms']} ms"
        finally:
            server.stop()
        print(load)
        print(out.read_text() if out.exists() else "(the server wrote no numbers)")


if __name__ == "__main__":
    main()
