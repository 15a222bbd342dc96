"""Memory per stored message, in memory mode (the goal: at most 1.5 KB).

Accepts N kx messages through the kx vendor's own submission path and the engine (one recipient each,
a realistic 20-character text with a signature), lets every one reach `delivered` with its report in
the pull queue (the default account mode), and measures with tracemalloc what the store holds per
message: the message, its timeline, its report, the pull-queue entry and every index.  The request log
is left out: it is bounded on its own (``record_requests``, ``store.request_log_bytes``).

    python bench/memory.py [--messages 50000] [--max-messages N]

With ``--max-messages`` smaller than ``--messages``, it also shows that the store stays bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tracemalloc

from simulator.app import build_sim
from simulator.config import config_from_dict
from simulator.vendors.kx import wire


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=50_000)
    p.add_argument("--max-messages", type=int, default=None)
    args = p.parse_args()
    store = {"max_messages": args.max_messages} if args.max_messages else {}
    config = config_from_dict({"seed": 1, "store": store})  # a running clock: every moment its own float
    sim = build_sim(config)
    kx = sim.vendors["kx"]
    account = sim.accounts.get("kx", "100001")
    common = wire.Common(scheduled_at=None, messageid="", extnum="")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    base = tracemalloc.get_traced_memory()[0]

    async def fill() -> None:
        for n in range(args.messages):
            mobile = f"139{n:08d}"
            sub = kx.submission(
                mobile, f"【测试】您的验证码是{n % 10000:04d}，5分钟内有效。", kx.new_taskid(), common
            )
            await sim.engine.accept(account, [sub], [sim.engine.decide("kx", account, sub)], None)
            if n % 1000 == 999:
                sim.clock.advance(5)  # as a running load does: earlier messages reach their outcome

    asyncio.run(fill())
    sim.clock.advance(60)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    top = tracemalloc.take_snapshot().compare_to(before, "lineno")[:8]
    tracemalloc.stop()
    stored = sim.store.count_messages()
    print(
        json.dumps(
            {
                "accepted": args.messages,
                "stored": stored,
                "bytes_per_stored_message": round(used / stored),
                "total_mib": round(used / 2**20, 1),
                "statuses": sorted({m.status for m in sim.store.query_messages()}),
                "top_allocations": [str(s) for s in top],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
