"""The simulator's own CPU cost per request, without HTTP: signed requests run through the app in-process.

    python bench/inprocess.py kx|huawei|emay [--requests 15000] [--warm 2000] [--no-journal]
    valgrind --tool=callgrind --instr-atstart=no python bench/inprocess.py kx --requests 1000 --warm 500

Builds the app as ``serve`` does (the bench's ``instant`` scenario, kx ``batch_interval: 0``, emay's rate
limit off), makes the same signed requests as bench/wrk.py's pools, and hands each one to
``app._handle`` (router, vendor middleware, handler; the clock's timers fire between batches of 32 as
they do between event-loop turns).  What it leaves out is aiohttp's own work (parsing, writing) and the
socket, which the bare reference handler pays too.  Prints the CPU time per request of the measured
requests (``time.process_time``: other load on the machine changes it a little).  Under callgrind it
turns instruction counting on for the measured requests only (``callgrind_control``), and the
``Collected`` line divided by ``--requests`` is instructions per request: the same from one run to the
next, for telling small changes apart.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import streams
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wrk

from simulator.app import SIM_KEY, create_app
from simulator.config import load_config


class Transport:
    def get_extra_info(self, name: str, default=None):
        return ("127.0.0.1", 5555) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


class Protocol:
    transport = Transport()
    ssl_context = None
    peername = ("127.0.0.1", 5555)
    sockname = ("127.0.0.1", 8090)

    def pause_reading(self, **kw) -> None: ...

    def resume_reading(self, **kw) -> None: ...


def parse(raw: bytes) -> tuple[str, str, CIMultiDict[str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    method, path, _ = lines[0].split(" ")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        headers.add(name, value)
    return method, path, headers, body


def callgrind(on: bool) -> None:
    if shutil.which("callgrind_control"):
        subprocess.run(
            ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True
        )


async def main(vendor: str, n: int, warm: int, journal: bool = True) -> None:
    folder = Path(tempfile.mkdtemp())
    config_file = folder / "bench.yaml"
    # --no-journal: what the request journal costs
    config_file.write_text(wrk.bench_config("" if journal else "record_requests: 0\n"))
    app = create_app(load_config(str(config_file)))
    sim = app[SIM_KEY]
    emay = sim.accounts.get("emay", "EUCP-EMY-SMS1-DEMO1")
    if emay is not None:
        emay.options.rate_limit = 0
    await sim.store.start()
    sim.clock.attach()
    app.freeze()
    loop = asyncio.get_running_loop()
    protocol = Protocol()

    def request(raw: bytes):
        method, path, headers, body = parse(raw)
        payload = streams.StreamReader(protocol, 2**16, loop=loop)  # type: ignore[arg-type]
        payload.feed_data(body)
        payload.feed_eof()
        return make_mocked_request(
            method, path, headers=headers, payload=payload, app=app, protocol=protocol, loop=loop
        )

    async def run(requests) -> int:
        refused = 0
        for i, r in enumerate(requests):
            resp = await app._handle(r)
            ok = resp.headers.get("result") == "SUCCESS" if vendor == "emay" else b'"0' in resp.body
            refused += not ok or resp.status != 200
            if i % 32 == 31:
                await asyncio.sleep(0)  # an event-loop turn: the due timers fire
        await asyncio.sleep(0)
        return refused

    pool = wrk.POOLS[vendor](warm + n)
    await run([request(r) for r in pool[:warm]])
    measured = [request(r) for r in pool[warm:]]
    gc.collect()
    callgrind(True)
    start = time.process_time()
    refused = await run(measured)
    spent = time.process_time() - start
    callgrind(False)
    print(f"{vendor}: {spent / n * 1e6:.1f} µs/req in-process (CPU), {n} requests, {refused} refused")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("vendor", choices=sorted(wrk.POOLS))
    p.add_argument("--requests", type=int, default=15000)
    p.add_argument("--warm", type=int, default=2000)
    p.add_argument("--no-journal", action="store_true", help="record_requests: 0")
    a = p.parse_args()
    gc.set_threshold(100_000, 50, 100)  # as serve sets it (simulator/cli.py)
    import uvloop

    uvloop.run(main(a.vendor, a.requests, a.warm, not a.no_journal))
