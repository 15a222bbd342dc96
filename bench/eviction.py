"""How long one eviction stops the store: messages past ``max_messages`` are evicted a thousandth of the
bound at a time (simulator/core/store.py).

    python bench/eviction.py [--max-messages 100000] [--messages 160000] [--backlog 0]

Adds finished kx messages (each with its report in the pull queue) to a MemoryStore in-process and
times every eviction: count, median, longest, and the total per message added.  ``--backlog N`` first
adds N messages still under way (a frozen clock's backlog, a slow scenario): they hold the front of the
store's ordered indexes, so what is evicted is the newest, not the oldest.
"""

from __future__ import annotations

import argparse
import statistics
import time

from simulator.core.models import Message, Report
from simulator.core.store import MemoryStore
from simulator.gcpolicy import GcPolicy


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-messages", type=int, default=100_000)
    p.add_argument("--messages", type=int, default=160_000)
    p.add_argument("--backlog", type=int, default=0, help="messages under way added first")
    args = p.parse_args()
    GcPolicy().install()  # the collector as serve runs it: no full collection lands in a timed eviction
    store = MemoryStore(max_messages=args.max_messages)
    evict = store._evict_messages
    took: list[float] = []

    def timed() -> None:
        t = time.perf_counter()
        evict()
        took.append(time.perf_counter() - t)

    store._evict_messages = timed  # type: ignore[method-assign]
    for n in range(-args.backlog, args.messages):
        m = Message(
            sim_id=f"m{n}", id=f"v{n}", vendor="kx", account="A", mobile=f"139{n % 10_000_000:08d}",
            content="x", segments=1, created_at=float(n),
        )  # fmt: skip
        store.add_message(m)
        store.set_status(m, "sent", float(n))
        if n < 0:  # the backlog: under way
            continue
        m.outcome, m.code, m.done_at = "delivered", "DELIVRD", n + 1.0
        store.set_status(m, "delivered", n + 1.0)
        report = Report(m, "delivered", "DELIVRD", n + 1.0)
        store.add_report(report)
        store.pull_put("kx", "A", "report", report, None)
    if not took:
        raise SystemExit("nothing was evicted: --messages must exceed --max-messages")
    print(
        f"{len(took)} evictions of {max(1, args.max_messages // 1000)} messages, "
        f"{args.max_messages} stored: "
        f"median {statistics.median(took) * 1000:.2f} ms, longest {max(took) * 1000:.2f} ms, "
        f"{sum(took) / args.messages * 1e6:.1f} µs per message added"
        + (f" (after a backlog of {args.backlog} under way)" if args.backlog else "")
    )


if __name__ == "__main__":
    main()
