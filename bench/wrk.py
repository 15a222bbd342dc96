"""Throughput and latency of each vendor's main send path, and of the callback path, against a bare handler.

    python bench/wrk.py [--seconds 3] [--rounds 2] [--connections 50]
                        [--modes memory,db,redis,workers2[,ceiling,ceiling2,raw,nojournal]]
                        [--vendors kx,huawei,emay]
                        [--no-callbacks | --callbacks-only] [--push-stores db,redis]
                        [--max-messages N]

Starts the bare reference handler (bench/bare_reference.py: aiohttp on uvloop, a form parsed, one md5,
canned JSON from orjson) and the simulator in each mode — ``memory``, ``db`` (``--db`` on a fresh SQLite
file), ``redis`` (``--redis URL`` on a Debian ``redis-server`` started on a free port) and ``workers2``
(``--workers 2 --redis URL``); a mode whose flag the server refuses is skipped with the server's own
message.  ``--modes`` also takes four modes not run by default: ``ceiling`` and ``ceiling2``, the bare
handler with ``CEILING_WORK_US`` of CPU added per request, as one process and as two on both cores (how
far two processes that share nothing go on this machine: the ceiling for ``workers2``); ``raw``, the bare
handler's work behind a hand-written HTTP/1.1 layer instead of aiohttp's (what aiohttp's layer costs over
a minimal one); ``nojournal``, the memory mode with ``record_requests: 0`` (what the journal costs).
Each server is pinned to core 0 (``taskset``; ``workers2`` and ``ceiling2`` get both cores, they are
about scaling), wrk (Debian's ``wrk``, one thread) to core 1.  The rounds are interleaved — every
vendor on every server, then again — so a neighbour's load on the machine touches all servers alike, and
the medians over rounds are compared.  Then latency at the same load: every server gets the same offered
rate (half the in-memory simulator's saturated rate: each wrk connection waits between requests) and
each p99 is set against the bare handler's at that rate.

Every request is fully authenticated, as a real client sends it:
- kx: ``POST /api/sms/send``, form ``userid, ts, sign = md5(userid + ts + apikey)``;
- huawei: ``POST /sms/batchSendSms/v1`` with X-WSSE (a fresh nonce per request: the simulator refuses
  a nonce it has seen inside the window);
- emay: ``POST /inter/sendSingleSMS``, JSON gzipped then AES-encrypted with the secretKey, each body
  distinct (a distinct ``requestTime`` and number: the simulator refuses a body it has seen).
wrk's LuaJIT has no md5, sha256 or AES, so for each measured segment the bench signs a pool of raw
HTTP requests in Python (as many as the segment can send: ``POOL_RATE`` × seconds) and a generated Lua
script hands them out in turn.  The pool is signed just before its segment, so every auth window holds
without touching the simulator's clock or config: kx's ``ts`` is good for 5 minutes, huawei's
``Created`` for 24 hours, and emay's ``requestValidPeriod`` is set to 600 s by the client.  After each
segment the simulator's own ``/_sim/metrics`` tells how many answers were refusals (column
``refused``: 0 unless the pool ran out and a nonce or body came round again).

The callback path (memory; ``--callbacks-only`` runs just this part, ``--no-callbacks`` skips it;
``--push-stores db,redis`` adds huawei's push capacity with those stores):
reports are pushed to a bare aiohttp receiver on core 1 (``bare_reference.py --receiver``, logging
each POST's arrival), the simulator on core 0.
- Reference: a bare aiohttp sender (uvloop, 20 connections like the dispatcher's per-receiver limit)
  POSTing one huawei status report (the same form body) per request to the same receiver, on core 0,
  before and after the simulator's runs (the median is taken); its POSTs/s and CPU µs per POST.
- Push capacity: on a frozen clock, sends of many numbers each (huawei ``batchSendSms`` with 500
  ``to`` and a ``statusCallback``: one report per POST; kx with 1,000 mobiles, ``batch_interval: 0``:
  JSON batches of up to 500) are delivered 1–1.5 s later; the clock is let run while wrk sends to the
  other vendor (each connection pausing ``SENDS_PAUSE_MS``: at most 500 sends/s at ``-c 50``; their
  reports are not pushed).  From when the backlog's first reports are due until wrk stops (or 90% has
  arrived): POSTs/s, reports/s (made and pushed), reports per POST, the simulator's CPU per report, and
  both against the bare sender.
  huawei also with nothing else running (the push path alone).  wrk at full speed is not used: it
  would share core 1 with the receiver and the pushes would wait for the receiver.
- Due-to-pushed delay (the instant scenario, each report's arrival less its message's ``done_at`` from
  ``GET /_sim/messages``): huawei at half its push capacity (wrk sends of 10 numbers, each connection
  pausing), kx at full send speed (one number per send: batched pushes outrun what sends make) and at
  half that.

Also measured: start-up to healthy (``sms-simulator serve`` until ``/_sim/health`` answers 200).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from kx_send import free_port, parse_wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "simulator" / "scenarios" / "instant.yaml"
VENDORS = ("kx", "huawei", "emay")
MODES = ("memory", "db", "redis", "workers2")
# not run by default: the bare handler with CEILING_WORK_US of CPU added to each request (about what the
# simulator costs), as one process pinned like the others and as two processes on both cores like
# workers2, nothing shared between them: how far two processes can go on the machine (bare_reference.py)
CEILINGS = ("ceiling", "ceiling2")
# not run by default either, they split the cost: ``raw``, the bare handler's work behind a hand-written
# HTTP/1.1 layer instead of aiohttp's (bare_reference.py --raw: bare less raw is what aiohttp's layer costs
# over a minimal one); ``nojournal``, the memory mode with ``record_requests: 0`` (no request journal, like
# WireMock's --no-request-journal: memory less nojournal is what the journal costs)
REFERENCES = ("bare", "raw", *CEILINGS)  # not the simulator
CEILING_WORK_US = 110


def bench_config(more: str = "") -> str:
    """The simulators' config in every bench: the instant scenario, kx reports pushed at once (``more``:
    further top-level YAML lines)."""
    return f"scenario: {SCENARIO}\nvendors:\n  kx: {{batch_interval: 0}}\n{more}"


POOL_RATE = {"kx": 16000, "huawei": 14000, "emay": 12000}  # requests/s a pool is sized for (above any mode)
CORES = os.cpu_count() or 1
LUA = """
local reqs, n, i = {}, 0, 0
function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  for line in io.lines(args[2]) do
    local len = tonumber(line)
    n = n + 1
    reqs[n] = data:sub(pos, pos + len - 1)
    pos = pos + len
  end
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
"""
THROTTLE = "function delay() return {ms} end\n"


# -- signed request pools ------------------------------------------------------------------------------
def raw(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def kx_pool(n: int, recipients: int = 1) -> list[bytes]:
    """``n`` kx sends, each to ``recipients`` distinct numbers (kx takes up to 1,000 per request)."""
    from simulator.vendors.kx.auth import make_sign

    ts = str(int(time.time() * 1000))
    sign = make_sign("100001", ts, "kxdemoapikey0001")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    out = []
    for i in range(n):
        first = i * recipients
        body = urlencode(
            {
                "userid": "100001",
                "ts": ts,
                "sign": sign,
                "mobile": ",".join(f"139{(first + j) % 100_000_000:08d}" for j in range(recipients)),
                "msgcontent": f"【测试】您的验证码是{i % 1_000_000:06d}",
            }
        ).encode()
        out.append(raw("/api/sms/send", body, form))
    return out


def huawei_pool(n: int, recipients: int = 1, callback: str = "") -> list[bytes]:
    """``n`` huawei batchSendSms sends, each to ``recipients`` distinct numbers (at most 500), with a
    ``statusCallback`` when ``callback`` is given (each report is then pushed there, one per POST)."""
    from simulator.vendors.huawei.auth import wsse_headers

    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for i in range(n):
        first = i * recipients
        fields = {
            "from": "csms12345678",
            "to": ",".join(f"+86139{(first + j) % 100_000_000:08d}" for j in range(recipients)),
            "templateId": "tplverify0001",
            "templateParas": f'["{i % 1_000_000:06d}"]',
        }
        if callback:
            fields["statusCallback"] = callback
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **wsse_headers("hwdemoappkey0001", "hwdemoappsecret01", secrets.token_hex(16), created),
        }
        out.append(raw("/sms/batchSendSms/v1", urlencode(fields).encode(), headers))
    return out


def emay_pool(n: int) -> list[bytes]:
    from simulator.vendors.emay import crypto

    start = int(time.time() * 1000)
    headers = {"appId": "EUCP-EMY-SMS1-DEMO1", "gzip": "on", "encode": "UTF-8"}
    out = []
    for i in range(n):
        plain = json.dumps(
            {
                "mobile": f"139{i % 100_000_000:08d}",
                "content": f"【测试】您的验证码是{i % 1_000_000:06d}",
                "requestTime": start + i,
                "requestValidPeriod": 600,
            },
            ensure_ascii=False,
        ).encode()
        out.append(
            raw("/inter/sendSingleSMS", crypto.encrypt(crypto.compress(plain), "0123456789ABCDEF"), headers)
        )
    return out


POOLS = {"kx": kx_pool, "huawei": huawei_pool, "emay": emay_pool}


def write_pool(folder: Path, requests: list[bytes]) -> tuple[Path, Path]:
    data, lens = folder / "pool.bin", folder / "pool.len"
    data.write_bytes(b"".join(requests))
    lens.write_text("".join(f"{len(r)}\n" for r in requests))
    return data, lens


# -- processes -------------------------------------------------------------------------------------------
def pinned(cmd: list[str], core: int | None) -> list[str]:
    if core is None or CORES < 2 or not shutil.which("taskset"):
        return cmd
    return ["taskset", "-c", str(core), *cmd]


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_sim/metrics", timeout=30) as r:
        text = r.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def answers(port: int, vendor: str) -> tuple[int, int]:
    """(requests answered, refusals: a vendor code or an HTTP error) for ``vendor`` so far; (-1, -1)
    from a simulator without /_sim/metrics (an older tree given to --compare)."""
    total = refused = 0
    try:
        samples = scrape(port)
    except urllib.error.HTTPError:
        return -1, -1
    for (name, labels), v in samples.items():
        lab = dict(labels)
        if name == "sms_simulator_requests_total" and lab["vendor"] == vendor:
            total += int(v)
            if lab["code"] or int(lab["status"]) >= 400:
                refused += int(v)
    return total, refused


def admin(port: int, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


class Server:
    """One target: the bare handler or the simulator in a mode; ``skipped`` says why it could not run."""

    def __init__(
        self, name: str, cmd: list[str], core: int | None, port: int, tmp: Path, cwd: Path = ROOT
    ) -> None:
        self.name, self.port, self.skipped = name, port, ""
        self.sim = name not in REFERENCES  # the simulator (metrics, checked answers)
        self.log = tmp / f"{name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(pinned(cmd, core), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        path = "/_sim/health" if self.sim else "/"
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                lines = self.log.read_text(errors="replace").strip().splitlines() or ["(no output)"]
                self.skipped = f"the server refused to start: {lines[-1]}"
                return
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        self.skipped = "did not answer within 20 s"
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def sim_cmd(port: int, config: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--config", str(config), *extra]


def start_redis(tmp: Path) -> tuple[subprocess.Popen | None, str]:
    """A throw-away redis-server on a free port: (process, URL) or (None, why not)."""
    exe = shutil.which("redis-server")
    if exe is None:
        return None, "redis-server is not installed (Debian: apt-get install -y redis-server)"
    port = free_port()
    proc = subprocess.Popen(
        pinned([exe, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp)], 1),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with __import__("socket").create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    return None, "redis-server did not start"


def start_servers(
    modes: list[str], tmp: Path, config: Path, compare: list[str]
) -> tuple[dict[str, Server], dict[str, str], list]:
    servers: dict[str, Server] = {}
    skipped: dict[str, str] = {}
    helpers: list = []
    port = free_port()
    servers["bare"] = Server("bare", [sys.executable, "bench/bare_reference.py", str(port)], 0, port, tmp)
    redis_url = ""
    for mode in modes:
        extra: list[str] = []
        core: int | None = 0
        mode_config = config
        if mode == "db":
            extra = ["--db", str(tmp / "bench.db")]
        elif mode in ("redis", "workers2"):
            if not redis_url:
                proc, redis_url = start_redis(tmp)
                if proc is None:
                    skipped[mode], redis_url = redis_url, ""
                    continue
                helpers.append(proc)
            extra = ["--redis", redis_url] + (["--workers", "2"] if mode == "workers2" else [])
            core = None if mode == "workers2" else 0
        elif mode in (*CEILINGS, "raw"):
            port = free_port()
            cmd = [sys.executable, "bench/bare_reference.py", str(port)]
            if mode == "raw":
                cmd.append("--raw")
            else:
                cmd += ["--work-us", str(CEILING_WORK_US)]
            two = mode == "ceiling2"
            server = Server(mode, cmd + (["--workers", "2"] if two else []), None if two else 0, port, tmp)
            if server.skipped:
                skipped[mode] = server.skipped
            else:
                servers[mode] = server
            continue
        elif mode == "nojournal":
            mode_config = tmp / "nojournal.yaml"
            mode_config.write_text(config.read_text() + "record_requests: 0\n")
        elif mode != "memory":
            skipped[mode] = "unknown mode"
            continue
        port = free_port()
        server = Server(mode, sim_cmd(port, mode_config, extra), core, port, tmp)
        if server.skipped:
            skipped[mode] = server.skipped
            continue
        admin(port, "PATCH", "/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1", {"rate_limit": 0})
        servers[mode] = server
    for spec in compare:  # NAME=DIR: the memory mode of another source tree (before/after a change)
        name, _, folder = spec.partition("=")
        port = free_port()
        server = Server(name, sim_cmd(port, config, []), 0, port, tmp, cwd=Path(folder).resolve())
        if server.skipped:
            skipped[name] = server.skipped
            continue
        admin(port, "PATCH", "/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1", {"rate_limit": 0})
        servers[name] = server
    return servers, skipped, helpers


# -- measuring -------------------------------------------------------------------------------------------
def ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def wrk(port: int, seconds: float, connections: int, pool: tuple[Path, Path], script: Path) -> dict:
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script)]
    cmd = pinned([*cmd, f"http://127.0.0.1:{port}/", "--", str(pool[0]), str(pool[1])], 1)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["p50_ms"], result["p99_ms"] = ms(result.pop("p50")), ms(result.pop("p99"))
    return result


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and every process below it (``--workers``)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid → (parent, cpu seconds)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0.0))[1]
        todo += [c for c, (parent, _) in stats.items() if parent == p]
    return total


def segment(server: Server, vendor: str, args: argparse.Namespace, tmp: Path, script: Path) -> dict:
    size = int(POOL_RATE[vendor] * args.seconds) if server.sim else 2000
    pool = write_pool(tmp, POOLS[vendor](size))
    before = answers(server.port, vendor) if server.sim else (0, 0)
    cpu = cpu_seconds(server.proc.pid)
    result = wrk(server.port, args.seconds, args.connections, pool, script)
    # CPU per request: what the server itself spent, hardly touched by other work on the machine (its
    # throughput is: the req/s of a busy shared machine say little, CPU per request a lot more)
    result["cpu_us"] = (cpu_seconds(server.proc.pid) - cpu) * 1e6 / max(1, result["requests"])
    result["pool"] = size
    if server.sim:
        after = answers(server.port, vendor)
        if after[0] >= 0:
            result["answered"], result["refused"] = after[0] - before[0], after[1] - before[1]
    return result


def startup(tmp: Path, times: int = 3) -> list[float]:
    """Seconds from ``sms-simulator serve`` to the first 200 on /_sim/health."""
    exe = Path(sys.executable).parent / "sms-simulator"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "simulator"]
    out = []
    for _ in range(times):
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen([*base, "serve", "--port", str(port)], stdout=subprocess.DEVNULL)
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_sim/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except Exception:
                    if time.perf_counter() - t0 > 20:
                        raise SystemExit("serve did not become healthy in 20 s") from None
                    time.sleep(0.005)
            out.append(time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait()
    return out


# -- the callback path -------------------------------------------------------------------------------------
PUSH_CONNECTIONS = 20  # the dispatcher's connections to one receiver (core/dispatch.py PER_DESTINATION)
RELEASE = (1.0, 1.5)  # a backlog's reports come due this long (uniformly spread) after the clock runs
LEAD = 1.5  # wrk's seconds of sending before the backlog starts coming due
SENDS_PAUSE_MS = 100  # sends meanwhile: each of wrk's connections waits this long between sends
PER_SEND = {"huawei": 500, "kx": 1000}  # the most numbers one send takes: a backlog is made of such sends
OTHER = {"huawei": "kx", "kx": "huawei"}  # whose sends wrk makes meanwhile (their reports are not pushed)
REPORT_ID = {"huawei": "smsMsgId", "kx": "taskid"}  # the pushed item's key naming its message
# one huawei status report as the simulator pushes it to a statusCallback: the bare sender's body
HUAWEI_REPORT = urlencode(
    {
        "sequence": "1",
        "total": "1",
        "updateTime": "2026-11-30T12:00:00Z",
        "source": "2",
        "smsMsgId": "1d6d8ad3-2c07-4c1e-8b5c-2a3a8a1b6f0e_1",
        "status": "DELIVRD",
        "statusDesc": "用户已成功收到短信",
    }
)
BARE_SENDER = """
import asyncio, json, sys, time, aiohttp, uvloop
url, seconds, body, ctype = sys.argv[1], float(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
async def main():
    done = 0
    stop = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20)) as s:
        async def worker():
            nonlocal done
            while time.perf_counter() < stop:
                async with s.post(url, data=body, headers={"Content-Type": ctype}) as r:
                    await r.read()
                done += 1
        t, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(20)))
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        print(json.dumps({"posts_per_s": done / took, "cpu_us_per_post": cpu * 1e6 / done}))
uvloop.run(main())
"""


def receiver(tmp: Path, name: str) -> tuple[Server, Path]:
    log = tmp / f"{name}.jsonl"
    port = free_port()
    cmd = [sys.executable, "bench/bare_reference.py", str(port), "--receiver", str(log)]
    return Server(name, cmd, 1, port, tmp), log


def arrivals(server: Server, log: Path, vendor: str) -> list[tuple[float, list[dict]]]:
    """(arrival time, the reports it carried) of every push the receiver got, in order of arrival:
    kx pushes JSON arrays, huawei one form-encoded report per POST to a statusCallback."""
    server.stop()
    out = []
    for line in log.read_text().splitlines():
        at, body = json.loads(line)
        out.append((at, json.loads(body) if vendor == "kx" else [dict(parse_qsl(body))]))
    return sorted(out, key=lambda a: a[0])


def bare_sender(tmp: Path, seconds: float, name: str) -> dict:
    """The reference: a bare aiohttp client (uvloop, 20 connections like the dispatcher, core 0) POSTing
    one huawei status report per request to the same receiver as the simulator's pushes (core 1)."""
    rec, _ = receiver(tmp, name)
    url = f"http://127.0.0.1:{rec.port}/status"
    form = "application/x-www-form-urlencoded"
    code = [sys.executable, "-c", BARE_SENDER, url, str(seconds), HUAWEI_REPORT, form]
    try:
        out = subprocess.run(pinned(code, 0), capture_output=True, text=True, check=True).stdout
    finally:
        rec.stop()
    return {k: round(v, 1) for k, v in json.loads(out).items()}


def replay(port: int, requests: list[bytes]) -> None:
    """Send raw requests one after another on one connection; each must be accepted."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for r in requests:
            head, _, body = r.partition(b"\r\n\r\n")
            first, *lines = head.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines)
            conn.request("POST", first.split(" ")[1], body=body, headers=headers)
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            if answer.get("code") not in ("0", "000000"):
                raise SystemExit(f"a backlog send was refused: {answer}")
    finally:
        conn.close()


def hold_reports(port: int, spread: tuple[float, float]) -> None:
    """Every message delivered between ``spread`` seconds after its send (a scenario)."""
    yaml = f"name: held\ndefaults:\n  outcome: delivered\n  delay: {{min: {spread[0]}, max: {spread[1]}}}\n"
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sim/scenario",
        data=yaml.encode(),
        method="PUT",
        headers={"Content-Type": "application/yaml"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def done_times(port: int, vendor: str) -> dict[str, float]:
    """message id (kx: taskid, huawei: smsMsgId) → when its report was made (simulated = wall clock
    here), from the admin API."""
    out: dict[str, float] = {}
    cursor = None
    while True:
        page = admin(
            port, "GET", f"/_sim/messages?vendor={vendor}&limit=1000{'&cursor=' + cursor if cursor else ''}"
        )
        for m in page["messages"]:
            if m["done_at"] is not None:
                out[m["id"]] = m["done_at"]
        cursor = page["next"]
        if not cursor:
            return out


def settle(port: int) -> None:
    """Wait (at most 10 s) until nothing waits in the outbox, then a little for the POSTs under way."""
    for _ in range(200):
        if admin(port, "GET", "/_sim/health")["callbacks_queued"] == 0:
            break
        time.sleep(0.05)
    time.sleep(0.3)


def push_capacity(
    vendor: str,
    args: argparse.Namespace,
    tmp: Path,
    config: Path,
    n: int,
    sends: bool = True,
    cwd: Path = ROOT,
    extra: list[str] | None = None,
) -> dict:
    """Push capacity while sends continue.  On a frozen clock, ``n`` reports' worth of sends (many
    numbers each) are delivered ``RELEASE`` s later; wrk starts sending to the other vendor (each
    connection waiting ``SENDS_PAUSE_MS`` between sends) and the clock is let run: the backlog comes
    due over ``RELEASE[1] - RELEASE[0]`` s while wrk goes on.  wrk's sends' reports are not pushed (kx
    in pull mode, huawei without a statusCallback), so every push counted is the backlog's.  The rates
    are taken from when the first backlog reports are due until wrk stops or 90% of the backlog has
    arrived, whichever is first: reports come due far faster than any push rate, so making and pushing
    them is the bottleneck throughout.  (From when every report is due instead, a kx backlog, whose
    batches carry 500 reports, was mostly pushed already: too little was left to measure.)  wrk at full
    speed is not used: it shares core 1 with the receiver, which then answers slowly and the pushes wait
    for it.  Without ``sends``, nothing else runs: the push path alone.  ``extra``: more ``serve``
    arguments (a store)."""
    label = f"{vendor}-capacity{'' if sends else '-alone'}{'-' + extra[0].strip('-') if extra else ''}"
    rec, log = receiver(tmp, f"receiver-{label}")
    url = f"http://127.0.0.1:{rec.port}/report"
    other = OTHER[vendor]
    per = PER_SEND[vendor]
    backlog = kx_pool(-(-n // per), per) if vendor == "kx" else huawei_pool(-(-n // per), per, url)
    n = len(backlog) * per
    seconds = math.ceil(LEAD + RELEASE[1] + args.seconds)
    count = int(args.connections * 1000 / SENDS_PAUSE_MS * seconds) if sends else 0
    pool = write_pool(tmp, POOLS[other](count))
    lua = tmp / "sends.lua"
    lua.write_text(LUA + THROTTLE.format(ms=SENDS_PAUSE_MS))
    port = free_port()
    sim = Server(f"push-{label}", sim_cmd(port, config, extra or []), 0, port, tmp, cwd=cwd)
    sent: dict = {}
    try:
        if vendor == "kx":
            admin(port, "PATCH", "/_sim/accounts/kx/100001", {"mode": "push", "report_url": url})
        hold_reports(port, RELEASE)
        admin(port, "POST", "/_sim/clock/freeze", {})
        began = time.time()
        replay(port, backlog)
        built = time.time() - began
        failed: list[BaseException] = []

        def send() -> None:
            try:
                if sends:
                    sent.update(wrk(port, seconds, args.connections, pool, lua))
                else:
                    time.sleep(seconds)
            except BaseException as exc:  # wrk failed: raised below, once the thread is done
                failed.append(exc)

        sender = threading.Thread(target=send)
        started = time.time()
        sender.start()
        time.sleep(LEAD - RELEASE[0])
        released = time.time()
        admin(port, "POST", "/_sim/clock/unfreeze", {})
        cpu: list[tuple[float, float]] = []  # (when, the simulator's CPU seconds so far)
        while sender.is_alive():
            cpu.append((time.time(), cpu_seconds(sim.proc.pid)))
            sender.join(0.1)
        ended = time.time()
        if failed:
            raise failed[0]
    except BaseException:
        rec.stop()
        raise
    finally:
        sim.stop()
    got = arrivals(rec, log, vendor)
    start = released + RELEASE[0]  # the first backlog reports are due then
    seen, stop = 0, None
    for at, items in got:
        seen += len(items)
        if seen >= n * 0.9 or at >= ended:
            stop = min(at, ended)
            break
    stop = stop or min(got[-1][0], ended) if got else None
    out = {
        "sends": f"{other}, {SENDS_PAUSE_MS} ms between sends on each of {args.connections} connections"
        if sends
        else "none",
        "sends_per_s": sent.get("rps", 0.0),
        "backlog": n,
        "backlog_built_s": round(built, 2),
        "first_push_after_due_s": round(got[0][0] - released - RELEASE[0], 2) if got else None,
        "pushed_while_sending": sum(len(items) for at, items in got if started <= at <= ended),
    }
    if stop is None or stop - start < 0.5:
        out["error"] = "the backlog was pushed within half a second of coming due: too small to measure"
        return out
    window = [(at, items) for at, items in got if start <= at <= stop]
    span = stop - start
    posts = len(window)
    reports = sum(len(items) for _, items in window)
    # the simulator's CPU over the window (its pushes, the backlog's reports and wrk's sends): what a
    # POST costs it, whatever else the machine runs meanwhile
    samples = [(at, c) for at, c in cpu if start - 0.1 <= at <= stop + 0.1]
    used = samples[-1][1] - samples[0][1] if len(samples) > 1 else 0.0
    took = samples[-1][0] - samples[0][0] if len(samples) > 1 else 0.0
    out.update(
        window_s=round(span, 2),
        posts_per_s=round(posts / span, 1),
        reports_per_s=round(reports / span, 1),
        reports_per_post=round(reports / posts, 1),
        cpu_share=round(used / took, 2) if took else None,
        cpu_us_per_post=round(used * 1e6 / (posts / span * took), 1) if took else None,
        cpu_us_per_report=round(used * 1e6 / (reports / span * took), 1) if took else None,
    )
    return out


def push_delay(
    vendor: str, rate: float | None, recipients: int, args: argparse.Namespace, tmp: Path, config: Path
) -> dict:
    """Due-to-pushed delay with reports due at about ``rate`` per second (None: wrk at full speed):
    wrk sends of ``recipients`` numbers each, every connection waiting between sends; each report's
    delay is its arrival at the receiver less its due time (its message's ``done_at``: the instant
    scenario delivers at once)."""
    rec, log = receiver(tmp, f"receiver-{vendor}-delay")
    url = f"http://127.0.0.1:{rec.port}/report"
    pause = max(1, round(args.connections * 1000 * recipients / rate)) if rate else 0
    lua = tmp / "throttled.lua"
    lua.write_text(LUA + (THROTTLE.format(ms=pause) if pause else ""))
    per_s = args.connections * 1000 / pause if pause else POOL_RATE[vendor] / recipients
    count = int(per_s * args.seconds * 1.5) + args.connections
    sends = kx_pool(count, recipients) if vendor == "kx" else huawei_pool(count, recipients, url)
    pool = write_pool(tmp, sends)
    port = free_port()
    sim = Server(f"delay-{vendor}", sim_cmd(port, config, []), 0, port, tmp)
    try:
        if vendor == "kx":
            admin(port, "PATCH", "/_sim/accounts/kx/100001", {"mode": "push", "report_url": url})
        t0 = time.time()
        sent = wrk(port, args.seconds, args.connections, pool, lua)
        t1 = time.time()
        settle(port)
        due = done_times(port, vendor)
    except BaseException:
        rec.stop()
        raise
    finally:
        sim.stop()
    got = arrivals(rec, log, vendor)
    key = REPORT_ID[vendor]
    delays = sorted(at - due[i[key]] for at, items in got for i in items if i.get(key) in due)
    in_window = [(at, items) for at, items in got if t0 <= at <= t1]
    return {
        "sends_per_s": sent["rps"],
        "recipients_per_send": recipients,
        "pause_ms": pause,
        "posts_per_s": round(len(in_window) / (t1 - t0), 1),
        "reports_per_s": round(sum(len(items) for _, items in in_window) / (t1 - t0), 1),
        "reports": len(delays),
        "delay_p50_ms": round(delays[len(delays) // 2] * 1000, 1) if delays else None,
        "delay_p99_ms": round(delays[int(len(delays) * 0.99)] * 1000, 1) if delays else None,
    }


CAPACITY = ("huawei_alone", "huawei_capacity", "kx_capacity")  # the push-capacity rows, in order


def callbacks(args: argparse.Namespace, tmp: Path, config: Path) -> dict:
    """The push path: the bare sender's rate (before and after, the median taken); each vendor's push
    capacity while sends continue (huawei: one report per POST; kx: JSON batches), and huawei's with
    nothing else running; the due-to-pushed delay at half of huawei's push capacity, and for kx (whose
    batched pushes outrun what sends can make) at full send speed and at half of that, as before."""
    out: dict = {"bare_sender": [bare_sender(tmp, args.seconds, "receiver-bare-1")]}
    bare = out["bare_sender"][0]["posts_per_s"]
    # backlogs: huawei's enough for the window at up to 0.8 x the bare sender's rate (faster, it runs
    # out sooner and the window is shorter); kx's at up to 3 x in reports (batches of 500 go fast); with a
    # durable store (--push-stores) huawei's at 0.5 x (its pushes are slower: a smaller backlog suffices)
    span = args.seconds + RELEASE[1] - RELEASE[0]
    out["huawei_alone"] = push_capacity("huawei", args, tmp, config, int(bare * 0.8 * span), sends=False)
    out["huawei_capacity"] = push_capacity("huawei", args, tmp, config, int(bare * 0.8 * span))
    out["kx_capacity"] = push_capacity("kx", args, tmp, config, int(bare * 3 * span))
    for store in args.push_stores:  # huawei's again with a durable store (--push-stores)
        helper, flag = None, ["--db", str(tmp / "push.db")]
        if store == "redis":
            helper, url = start_redis(tmp)
            if helper is None:
                out[f"huawei_capacity_{store}"] = {"sends": "-", "sends_per_s": 0, "error": url}
                continue
            flag = ["--redis", url]
        try:
            out[f"huawei_capacity_{store}"] = push_capacity(
                "huawei", args, tmp, config, int(bare * 0.5 * span), extra=flag
            )
        finally:
            if helper is not None:
                helper.terminate()
                helper.wait()
    out["bare_sender"].append(bare_sender(tmp, args.seconds, "receiver-bare-2"))
    bare = statistics.median(b["posts_per_s"] for b in out["bare_sender"])
    bare_cpu = statistics.median(b["cpu_us_per_post"] for b in out["bare_sender"])
    out["bare_posts_per_s"], out["bare_cpu_us_per_post"] = bare, bare_cpu
    for name in capacity_rows(out):
        cap = out[name]
        if "posts_per_s" in cap:
            cap["posts_x_bare"] = round(cap["posts_per_s"] / bare, 2)
            cap["reports_x_bare"] = round(cap["reports_per_s"] / bare, 2)
            if cap["cpu_us_per_report"]:
                cap["reports_x_bare_cpu"] = round(bare_cpu / cap["cpu_us_per_report"], 2)
    huawei = out["huawei_capacity"].get("reports_per_s")
    if huawei:
        out["huawei_delay"] = push_delay("huawei", huawei / 2, 10, args, tmp, config)
    out["kx_saturated"] = push_delay("kx", None, 1, args, tmp, config)
    out["kx_delay"] = push_delay("kx", out["kx_saturated"]["reports_per_s"] / 2, 1, args, tmp, config)
    return out


def capacity_rows(cb: dict) -> list[str]:
    """The push-capacity rows a run has, in order: memory's, then a durable store's (--push-stores)."""
    return [n for n in CAPACITY if n in cb] + [n for n in cb if n.startswith("huawei_capacity_")]


def callback_report(cb: dict) -> str:
    runs = ", ".join(f"{b['posts_per_s']:,.0f}" for b in cb["bare_sender"])
    lines = [
        "callbacks (memory; receiver: bare aiohttp on core 1 with wrk; simulator and bare sender on core 0):",
        f"  bare sender (aiohttp, 20 connections, one huawei report per POST): {cb['bare_posts_per_s']:,.0f}"
        f" POSTs/s (median of {runs}), {cb['bare_cpu_us_per_post']:.0f} CPU µs per POST",
        "  push capacity: a backlog of due reports pushed (huawei: one per POST; kx: batches), while wrk",
        "  sends to the other vendor (each connection pausing between sends) or with nothing else running;",
        "  × bare: the simulator's rate over the bare sender's POSTs/s; (CPU): bare CPU/POST over the",
        "  simulator's CPU/report in the window (its sends included)",
        "  | vendor | sends/s meanwhile | POSTs/s | reports/s | reports/POST | POSTs × bare | reports × bare "
        "| CPU µs/report | reports × bare (CPU) | window s |",
        "  |---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in capacity_rows(cb):
        c = cb[name]
        store = name.removeprefix("huawei_capacity_") if name.startswith("huawei_capacity_") else ""
        vendor = name.split("_")[0] + (f" (`--{store}`)" if store else "")
        sends = f"{c['sends_per_s']:,.0f}" if c["sends"] != "none" else "none"
        if "error" in c:
            lines.append(f"  | {vendor} | {sends} | {c['error']} |")
            continue
        lines.append(
            f"  | {vendor} | {sends} | {c['posts_per_s']:,.0f} | {c['reports_per_s']:,.0f} | "
            f"{c['reports_per_post']} | {c['posts_x_bare']} | {c['reports_x_bare']} | "
            f"{c['cpu_us_per_report']} | {c.get('reports_x_bare_cpu')} | {c['window_s']} |"
        )
    lines.append("  due-to-pushed delay (the instant scenario: a report is due when its send is answered):")
    for name, what in (
        ("huawei_delay", "huawei at half its push capacity (sends of 10 numbers)"),
        ("kx_saturated", "kx at full send speed (one number per send)"),
        ("kx_delay", "kx at half that"),
    ):
        d = cb.get(name)
        if d:
            lines.append(
                f"  {what}: {d['reports_per_s']:,.0f} reports/s ({d['sends_per_s']:,.0f} sends/s, "
                f"{d['posts_per_s']:,.0f} POSTs/s): p50 {d['delay_p50_ms']} ms, p99 {d['delay_p99_ms']} ms"
            )
    return "\n".join(lines)


# -- the report ------------------------------------------------------------------------------------------
def summary(results: dict[str, dict[str, list[dict]]]) -> list[dict]:
    rows = []
    for vendor, by_target in results.items():
        bare = by_target.get("bare") or []
        bare_rps = statistics.median(r["rps"] for r in bare) if bare else None
        bare_p99 = statistics.median(r["p99_ms"] for r in bare) if bare else None
        bare_cpu = statistics.median(r["cpu_us"] for r in bare) if bare else None
        for target, runs in by_target.items():
            rps = statistics.median(r["rps"] for r in runs)
            p99 = statistics.median(r["p99_ms"] for r in runs)
            cpu = statistics.median(r["cpu_us"] for r in runs)
            rows.append(
                {
                    "vendor": vendor,
                    "server": target,
                    "req_s": round(rps),
                    "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
                    "p99_ms": round(p99, 2),
                    "x_bare": round(rps / bare_rps, 2) if bare_rps else None,
                    "p99_x_bare": round(p99 / bare_p99, 2) if bare_p99 else None,
                    "cpu_us_req": round(cpu),
                    "x_bare_cpu": round(bare_cpu / cpu, 2) if bare_cpu and cpu else None,
                    "refused": sum(r["refused"] for r in runs) if all("refused" in r for r in runs) else "-",
                    "rounds": [round(r["rps"]) for r in runs],
                }
            )
    return rows


def same_load(servers: dict[str, Server], results: dict, args: argparse.Namespace, tmp: Path) -> list[dict]:
    """Latency when every server gets the same offered load: half the in-memory simulator's saturated
    rate (each of wrk's connections waits ``connections / rate`` between requests), one segment per
    vendor and server, each server's p99 against the bare handler's at that load."""
    rows = []
    for vendor, by_target in results.items():
        if "memory" not in by_target or "bare" not in servers:
            continue
        rate = statistics.median(r["rps"] for r in by_target["memory"]) / 2
        pause = max(1, round(args.connections * 1000 / rate))
        lua = tmp / "same-load.lua"
        lua.write_text(LUA + THROTTLE.format(ms=pause))
        runs = {target: segment(server, vendor, args, tmp, lua) for target, server in servers.items()}
        bare_p99 = runs["bare"]["p99_ms"]
        for target, r in runs.items():
            print(
                f"same load {vendor:6} {target:8} {r['rps']:>7.0f} req/s p99 {r['p99_ms']} ms",
                file=sys.stderr,
            )
            rows.append(
                {
                    "vendor": vendor,
                    "server": target,
                    "offered_req_s": round(rate),
                    "req_s": round(r["rps"]),
                    "p50_ms": r["p50_ms"],
                    "p99_ms": r["p99_ms"],
                    "p99_x_bare": round(r["p99_ms"] / bare_p99, 2) if bare_p99 else None,
                    "refused": r.get("refused", "-"),
                }
            )
    return rows


def table(rows: list[dict], cols: list[str] | None = None) -> str:
    cols = cols or [
        "vendor",
        "server",
        "req_s",
        "p50_ms",
        "p99_ms",
        "x_bare",
        "p99_x_bare",
        "cpu_us_req",
        "x_bare_cpu",
        "refused",
        "rounds",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    out = {"python": sys.version.split()[0], "wrk": wrk_v[0] if wrk_v else "?", "cores": str(CORES)}
    for pkg in ("aiohttp", "uvloop", "orjson", "sms-simulator"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = "-"
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=3, help="length of each measured segment")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--vendors", default=",".join(VENDORS))
    p.add_argument("--no-callbacks", action="store_true", help="skip the callback-path measurement")
    p.add_argument("--callbacks-only", action="store_true", help="only the callback-path measurement")
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also run the memory mode of the source tree in DIR (e.g. `git archive main | tar -x -C DIR`) "
        "as server NAME, interleaved with the rest: before/after numbers from one run",
    )
    p.add_argument(
        "--push-stores",
        default="",
        help="also measure huawei's push capacity with these stores (db,redis): a backlog of half the bare "
        "sender's rate over the window, while sends go on",
    )
    p.add_argument(
        "--max-messages",
        type=int,
        default=0,
        help="the simulators' store.max_messages: small enough, the later rounds measure a store at its "
        "bound (each message sent evicts an old one: a long load test's steady state)",
    )
    p.add_argument("--json", metavar="FILE", help="also write every number to FILE")
    args = p.parse_args()
    args.push_stores = [x for x in args.push_stores.split(",") if x]
    for store in args.push_stores:
        if store not in ("db", "redis"):
            raise SystemExit(f"--push-stores takes db and redis, not {store!r}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (Debian: apt-get install -y wrk)")
    if args.seconds > 240:
        raise SystemExit("--seconds above 240 would outlast kx's 5-minute ts window of a segment's pool")
    modes = [m for m in args.modes.split(",") if m]
    vendors = [v for v in args.vendors.split(",") if v]
    for v in vendors:
        if v not in POOLS:
            raise SystemExit(f"unknown vendor {v!r}: {', '.join(POOLS)}")
    began = time.perf_counter()
    report: dict = {"versions": versions(), "command": " ".join(sys.argv)}
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as name:
        tmp = Path(name)
        script = tmp / "pool.lua"
        script.write_text(LUA)
        config = tmp / "bench.yaml"
        bound = f"store: {{max_messages: {args.max_messages}}}\n" if args.max_messages else ""
        config.write_text(bench_config(bound))
        if args.callbacks_only:
            modes, vendors, args.compare = [], [], []
        report["startup_s"] = [round(t, 3) for t in startup(tmp)] if not args.callbacks_only else []
        servers, skipped, helpers = start_servers(modes, tmp, config, args.compare)
        try:
            for mode, why in skipped.items():
                print(f"mode {mode} skipped: {why}", file=sys.stderr)
            results: dict[str, dict[str, list[dict]]] = {v: {} for v in vendors}
            for r in range(args.rounds):
                for vendor in vendors:
                    for target, server in servers.items():
                        res = segment(server, vendor, args, tmp, script)
                        results[vendor].setdefault(target, []).append(res)
                        print(
                            f"round {r + 1} {vendor:6} {target:8} {res['rps']:>9.0f} req/s", file=sys.stderr
                        )
            report["same_load"] = same_load(servers, results, args, tmp)
        finally:
            for s in servers.values():
                s.stop()
            for h in helpers:
                h.terminate()
                h.wait()
        report["skipped"] = skipped
        report["runs"] = results
        report["summary"] = summary(results)
        if not args.no_callbacks:
            report["callbacks"] = callbacks(args, tmp, config)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print(f"versions: {report['versions']}")
    if report["startup_s"]:
        print(f"start-up to healthy: {report['startup_s']} s")
    for mode, why in report["skipped"].items():
        print(f"skipped {mode}: {why}")
    if report["summary"]:
        print(table(report["summary"]))
    if report.get("same_load"):
        print("\nlatency at the same offered load (half the memory mode's saturated rate):")
        cols = ["vendor", "server", "offered_req_s", "req_s", "p50_ms", "p99_ms", "p99_x_bare", "refused"]
        print(table(report["same_load"], cols))
    if "callbacks" in report:
        print(callback_report(report["callbacks"]))
    print(f"bench took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
