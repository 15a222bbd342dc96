"""Load benchmark of the kx send path, with full auth checks, against a bare aiohttp handler.

Both servers run pinned to one core (taskset -c 0); the load generator (wrk, from Debian's package
`wrk`, else a Python aiohttp client) runs on the other.  Prints requests/s for each, their ratio (the
roadmap's goal: >= 0.6), latency, and the simulator's resident memory per stored message.

    python bench/kx_send.py [--seconds 10] [--connections 64] [--modes memory,db] [--max-messages N]

``--modes memory,db,redis`` runs the simulator in memory, with ``--db`` (a fresh SQLite file) and with
``--redis`` (a fresh Debian redis-server, AOF fsynced every second, on the load generator's core), and
prints each one's ratio to the bare handler (the goals: db >= 0.7 x memory, redis >= 0.7 x memory).
``--max-messages N`` bounds the store; the resident memory is sampled every ``--sample`` seconds during
the load, so a long run (``--seconds 600``) shows whether it stays flat.

Every request is a real signed GET /api/sms/send (md5(userid+ts+apikey), ts valid for 5 minutes) to
a normal number, so each one is authenticated, validated, charged, stored and scheduled.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(cmd: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *cmd] if shutil.which("taskset") and os.cpu_count() > 1 else cmd


def wait_up(port: int, path: str) -> None:
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1))


def send_url(port: int) -> str:
    ts = str(int(time.time() * 1000))
    sign = hashlib.md5(f"100001{ts}kxdemoapikey0001".encode()).hexdigest()
    return (
        f"http://127.0.0.1:{port}/api/sms/send?userid=100001&ts={ts}&sign={sign}"
        "&mobile=13912345678&msgcontent=%E3%80%90%E6%B5%8B%E8%AF%95%E3%80%91code%201234"
    )


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if shutil.which("taskset") and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "1", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """requests/s, requests, p50, p99 (as wrk prints them) and non-2xx answers from wrk's output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": total,
        "p50": p50,
        "p99": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


async def _py_load(url: str, seconds: int, connections: int) -> dict:
    import aiohttp

    done = 0
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(session):
        nonlocal done
        while time.perf_counter() < stop:
            t = time.perf_counter()
            async with session.get(url) as r:
                await r.read()
            lat.append(time.perf_counter() - t)
            done += 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:
        start = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(connections)))
        elapsed = time.perf_counter() - start
    lat.sort()
    return {
        "rps": done / elapsed,
        "requests": done,
        "p50": f"{lat[len(lat) // 2] * 1000:.2f}ms",
        "p99": f"{lat[int(len(lat) * 0.99)] * 1000:.2f}ms",
        "non_2xx": 0,
    }


def load(url: str, seconds: int, connections: int) -> dict:
    if shutil.which("wrk"):
        return run_wrk(url, seconds, connections)
    return asyncio.run(_py_load(url, seconds, connections))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--modes", default="memory", help="memory, db, redis, or several: memory,db,redis")
    p.add_argument("--max-messages", type=int, default=None)
    p.add_argument("--sample", type=float, default=5.0, help="seconds between resident-memory samples")
    p.add_argument(
        "--scenario",
        default="instant",
        help="a packaged scenario's name or a file: instant (the default: raw throughput) or load-test "
        "(realistic latency, delays, failures and replies: the multi-hour recipe in docs/performance.md)",
    )
    args = p.parse_args()
    results = {"load_generator": "wrk" if shutil.which("wrk") else "python-aiohttp"}

    port = free_port()
    bare = subprocess.Popen(pin([sys.executable, str(ROOT / "bench" / "bare_server.py"), str(port)]))
    try:
        wait_up(port, "/api/sms/send")
        results["bare_aiohttp"] = load(
            f"http://127.0.0.1:{port}/api/sms/send", args.seconds, args.connections
        )
    finally:
        bare.terminate()
        bare.wait()

    for mode in args.modes.split(","):
        results[f"simulator_{mode}"] = run_simulator(mode, args)
    for mode in args.modes.split(","):
        results[f"ratio_{mode}_vs_bare"] = round(
            results[f"simulator_{mode}"]["rps"] / results["bare_aiohttp"]["rps"], 3
        )
    if "simulator_db" in results and "simulator_memory" in results:
        results["ratio_db_vs_memory"] = round(
            results["simulator_db"]["rps"] / results["simulator_memory"]["rps"], 3
        )
    print(json.dumps(results, indent=2))


def run_simulator(mode: str, args: argparse.Namespace) -> dict:
    port = free_port()
    cmd = [sys.executable, "-m", "simulator", "serve", "--port", str(port)]
    cmd += ["--scenario", args.scenario]
    if args.max_messages:
        cmd += ["--max-messages", str(args.max_messages)]
    tmp = tempfile.TemporaryDirectory()
    redis = None
    if mode == "db":
        cmd += ["--db", str(Path(tmp.name) / "bench.db")]
    elif mode == "redis":  # Debian's redis-server, on the load generator's core, AOF fsynced every second
        rport = free_port()
        redis = subprocess.Popen(
            ["taskset", "-c", "1", "redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--dir", tmp.name],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.3)
        cmd += ["--redis", f"redis://127.0.0.1:{rport}/0"]
    sim = subprocess.Popen(pin(cmd), cwd=ROOT, stdout=subprocess.DEVNULL)
    out: dict = {}
    try:
        wait_up(port, "/_sim/health")
        rss_before = rss_kib(sim.pid)
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(args.sample):
                samples.append(round(rss_kib(sim.pid) / 1024, 1))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = load(send_url(port), args.seconds, args.connections)
        stop.set()
        time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_sim/health") as r:
            stored = json.loads(r.read())["messages"]
        rss_after = rss_kib(sim.pid)
        out["messages_stored"] = stored
        out["rss_mib_before"] = round(rss_before / 1024, 1)
        out["rss_mib_after"] = round(rss_after / 1024, 1)
        out["rss_mib_samples"] = samples
        out["bytes_per_message"] = round((rss_after - rss_before) * 1024 / max(1, stored))
        if redis is not None:  # what Redis holds per stored message (records, indexes, the change stream)
            info = subprocess.run(
                ["redis-cli", "-p", str(rport), "info", "memory"], capture_output=True, text=True
            ).stdout
            used = int(re.search(r"used_memory:(\d+)", info).group(1))
            out["redis_used_mib"] = round(used / 2**20, 1)
            out["redis_bytes_per_message"] = round(used / max(1, stored))
    finally:
        sim.terminate()
        sim.wait()
        if redis is not None:
            redis.terminate()
            redis.wait()
        tmp.cleanup()
    return out


if __name__ == "__main__":
    main()
