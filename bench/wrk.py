"""Throughput and latency of each vendor's main send path, and of the callback path, against a bare handler.

    python bench/wrk.py [--seconds 3] [--rounds 2] [--connections 50]
                        [--modes memory,db,redis,workers2] [--vendors kx,huawei,emay] [--no-callbacks]

Starts the bare reference handler (bench/bare_reference.py: aiohttp on uvloop, a form parsed, one md5,
canned JSON from orjson) and the simulator in each mode — ``memory``, ``db`` (``--db`` on a fresh SQLite
file), ``redis`` (``--redis URL`` on a Debian ``redis-server`` started on a free port) and ``workers2``
(``--workers 2 --redis URL``); a mode whose flag the server refuses is skipped with the server's own
message.  Each server is pinned to core 0 (``taskset``; ``workers2`` gets both cores, it is about
scaling), wrk (Debian's ``wrk``, one thread) to core 1.  The rounds are interleaved — every vendor on
every server, then again — so a neighbour's load on the machine touches all servers alike, and the
medians over rounds are compared.  Then latency at the same load: every server gets the same offered
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

The callback path (kx, memory): the account pushes its reports to a bare aiohttp receiver on core 1
(``bare_reference.py --receiver``) with ``batch_interval: 0``, while wrk sends at full speed, then at
about half that rate; the receiver logs each push's arrival, and the bench takes each report's due time
(its message's ``done_at``, from ``GET /_sim/messages``) to give pushes/s, reports/s and the
due-to-pushed delay.  A bare aiohttp sender (20 connections, the dispatcher's per-receiver limit, one
report per POST) pushing to the same receiver gives the reference rate.

Also measured: start-up to healthy (``sms-simulator serve`` until ``/_sim/health`` answers 200).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from kx_send import free_port, parse_wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "simulator" / "scenarios" / "instant.yaml"
VENDORS = ("kx", "huawei", "emay")
MODES = ("memory", "db", "redis", "workers2")
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


def kx_pool(n: int) -> list[bytes]:
    from simulator.vendors.kx.auth import make_sign

    ts = str(int(time.time() * 1000))
    sign = make_sign("100001", ts, "kxdemoapikey0001")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    out = []
    for i in range(n):
        body = urlencode(
            {
                "userid": "100001",
                "ts": ts,
                "sign": sign,
                "mobile": f"139{i % 100_000_000:08d}",
                "msgcontent": f"【测试】您的验证码是{i % 1_000_000:06d}",
            }
        ).encode()
        out.append(raw("/api/sms/send", body, form))
    return out


def huawei_pool(n: int) -> list[bytes]:
    from simulator.vendors.huawei.auth import wsse_headers

    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for i in range(n):
        body = urlencode(
            {
                "from": "csms12345678",
                "to": f"+86139{i % 100_000_000:08d}",
                "templateId": "tplverify0001",
                "templateParas": f'["{i % 1_000_000:06d}"]',
            }
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **wsse_headers("hwdemoappkey0001", "hwdemoappsecret01", secrets.token_hex(16), created),
        }
        out.append(raw("/sms/batchSendSms/v1", body, headers))
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
        self.log = tmp / f"{name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(pinned(cmd, core), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        path = "/_sim/health" if name != "bare" else "/"
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
        elif mode != "memory":
            skipped[mode] = "unknown mode"
            continue
        port = free_port()
        server = Server(mode, sim_cmd(port, config, extra), core, port, tmp)
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
    size = 2000 if server.name == "bare" else int(POOL_RATE[vendor] * args.seconds)
    pool = write_pool(tmp, POOLS[vendor](size))
    before = answers(server.port, vendor) if server.name != "bare" else (0, 0)
    cpu = cpu_seconds(server.proc.pid)
    result = wrk(server.port, args.seconds, args.connections, pool, script)
    # CPU per request: what the server itself spent, hardly touched by other work on the machine (its
    # throughput is: the req/s of a busy shared machine say little, CPU per request a lot more)
    result["cpu_us"] = (cpu_seconds(server.proc.pid) - cpu) * 1e6 / max(1, result["requests"])
    result["pool"] = size
    if server.name != "bare":
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
BARE_SENDER = """
import asyncio, sys, time, aiohttp, uvloop
url, seconds = sys.argv[1], float(sys.argv[2])
body = sys.argv[3].encode()
async def main():
    done = 0
    stop = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20)) as s:
        async def worker():
            nonlocal done
            while time.perf_counter() < stop:
                async with s.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                done += 1
        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(20)))
        print(done / (time.perf_counter() - t))
uvloop.run(main())
"""


def receiver(tmp: Path, name: str) -> tuple[Server, Path]:
    log = tmp / f"{name}.jsonl"
    port = free_port()
    cmd = [sys.executable, "bench/bare_reference.py", str(port), "--receiver", str(log)]
    return Server(name, cmd, 1, port, tmp), log


def arrivals(server: Server, log: Path) -> list[tuple[float, list[dict]]]:
    server.stop()
    out = []
    for line in log.read_text().splitlines():
        at, body = json.loads(line)
        out.append((at, json.loads(body)))
    return out


def done_times(port: int) -> dict[str, float]:
    """kx taskid → when its report was made (simulated = wall clock here), from the admin API."""
    out: dict[str, float] = {}
    cursor = None
    while True:
        page = admin(
            port, "GET", f"/_sim/messages?vendor=kx&limit=1000{'&cursor=' + cursor if cursor else ''}"
        )
        for m in page["messages"]:
            if m["done_at"] is not None:
                out[m["id"]] = m["done_at"]
        cursor = page["next"]
        if not cursor:
            return out


def pushed(server_port: int, got: list[tuple[float, list[dict]]], t0: float, t1: float) -> dict:
    due = done_times(server_port)
    in_window = [(at, items) for at, items in got if t0 <= at <= t1]
    delays = sorted(at - due[i["taskid"]] for at, items in got for i in items if i["taskid"] in due)
    span = t1 - t0
    return {
        "pushes_per_s": round(len(in_window) / span, 1),
        "reports_per_s": round(sum(len(items) for _, items in in_window) / span, 1),
        "reports": sum(len(items) for _, items in got),
        "delay_p50_ms": round(delays[len(delays) // 2] * 1000, 1) if delays else None,
        "delay_p99_ms": round(delays[int(len(delays) * 0.99)] * 1000, 1) if delays else None,
    }


def callbacks(args: argparse.Namespace, tmp: Path, config: Path, script: Path) -> dict:
    out: dict = {}
    rec, log = receiver(tmp, "receiver-bare")
    item = json.dumps(
        [{"time": "20261130120000", "taskid": "1", "code": "DELIVRD", "msg": "成功", "mobile": "1"}]
    )
    code = [sys.executable, "-c", BARE_SENDER, f"http://127.0.0.1:{rec.port}/report", str(args.seconds), item]
    rate = subprocess.run(pinned(code, 0), capture_output=True, text=True, check=True).stdout
    out["bare_sender_pushes_per_s"] = round(float(rate), 1)
    rec.stop()

    port = free_port()
    sim = Server("callbacks", sim_cmd(port, config, []), 0, port, tmp)
    try:
        for label, pause in (("saturated", 0.0), ("half", None)):
            rec, log = receiver(tmp, f"receiver-{label}")
            admin(
                port,
                "PATCH",
                "/_sim/accounts/kx/100001",
                {"mode": "push", "report_url": f"http://127.0.0.1:{rec.port}/report"},
            )
            lua = script
            if pause is None:  # about half the saturated send rate: each connection waits between requests
                sends = out["saturated"]["sends_per_s"]
                pause = max(1, round(args.connections * 1000 / (sends / 2)))
                lua = tmp / "throttled.lua"
                lua.write_text(LUA + THROTTLE.format(ms=pause))
            pool = write_pool(tmp, kx_pool(int(POOL_RATE["kx"] * args.seconds)))
            t0 = time.time()
            sent = wrk(port, args.seconds, args.connections, pool, lua)
            t1 = time.time()
            for _ in range(200):  # let the last pushes go
                if admin(port, "GET", "/_sim/health")["callbacks_queued"] == 0:
                    break
                time.sleep(0.05)
            time.sleep(0.3)
            result = pushed(port, arrivals(rec, log), t0, t1)
            result.update(sends_per_s=sent["rps"], send_p99_ms=sent["p99_ms"], pause_ms=pause)
            out[label] = result
    finally:
        sim.stop()
    out["ratio_saturated_reports_vs_bare_sender"] = round(
        out["saturated"]["reports_per_s"] / out["bare_sender_pushes_per_s"], 2
    )
    return out


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
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also run the memory mode of the source tree in DIR (e.g. `git archive main | tar -x -C DIR`) "
        "as server NAME, interleaved with the rest: before/after numbers from one run",
    )
    p.add_argument("--json", metavar="FILE", help="also write every number to FILE")
    args = p.parse_args()
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
        config.write_text(f"scenario: {SCENARIO}\nvendors:\n  kx: {{batch_interval: 0}}\n")
        report["startup_s"] = [round(t, 3) for t in startup(tmp)]
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
            report["callbacks"] = callbacks(args, tmp, config, script)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print(f"versions: {report['versions']}")
    print(f"start-up to healthy: {report['startup_s']} s")
    for mode, why in report["skipped"].items():
        print(f"skipped {mode}: {why}")
    print(table(report["summary"]))
    if report.get("same_load"):
        print("\nlatency at the same offered load (half the memory mode's saturated rate):")
        cols = ["vendor", "server", "offered_req_s", "req_s", "p50_ms", "p99_ms", "p99_x_bare", "refused"]
        print(table(report["same_load"], cols))
    if "callbacks" in report:
        print("callbacks (kx push, memory):", json.dumps(report["callbacks"]))
    print(f"bench took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
