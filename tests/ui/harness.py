"""Harness of the sandbox UI's browser tests: a real simulator in a subprocess, headless Chromium.

Chromium is the Debian package (``/usr/bin/chromium``; ``.ci/run`` installs it), never a Playwright
download.  Without it (or without the ``playwright`` package) these tests skip with the reason.
Screenshots of every page go to ``tests/ui/screenshots/`` (ignored by git; CI keeps them as artifacts).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SIM_UI_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SIM_UI_SCREENSHOTS", Path(__file__).parent / "screenshots"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

try:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # as the pages' own default: a loaded machine delays the live feed
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "playwright is not installed (pip install -e '.[test]')"
    elif not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
    if reason:
        for item in items:
            if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def kx_send(self, mobiles: str, text: str = "【测试】您的验证码是1234") -> dict:
        from simulator.vendors.kx.auth import make_sign

        ts = str(int(time.time() * 1000))
        form = {
            "userid": "100001",
            "ts": ts,
            "sign": make_sign("100001", ts, "kxdemoapikey0001"),
            "mobile": mobiles,
            "msgcontent": text,
        }
        req = urllib.request.Request(self.url + "/api/sms/send", data=urllib.parse.urlencode(form).encode())
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def emay_send(self, mobile: str, text: str = "您的快递已到达驿站，取件码 8899。") -> None:
        """An Emay send through the traffic generator's client (gzip + AES, as the vendor's SDK does)."""
        import asyncio

        import aiohttp

        from simulator.traffic.clients import Credentials, EmayClient
        from simulator.traffic.content import Item

        client = EmayClient(Credentials("emay", "EUCP-EMY-SMS1-DEMO1", "0123456789ABCDEF"), self.url)
        item = Item(0, "emay", "parcel", [mobile], "亿美测试", text)

        async def go():
            async with aiohttp.ClientSession() as s:
                return await client.send(s, item)

        # in a thread of its own: the sync Playwright API already runs an event loop in this one
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, go()).result(30)
        assert result.accepted == [mobile], result


def start_server(*extra: str, config: str = "clock: {frozen: true}\nseed: 1\n", tmp: Path) -> Server:
    cfg = tmp / "sim.yaml"
    cfg.write_text(config)
    port = free_port()
    cmd = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--config", str(cfg), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(f"http://127.0.0.1:{port}", proc)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.call("GET", "/_sim/health")
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"the simulator did not start: {proc.stderr.read().decode()}") from None
            time.sleep(0.05)


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(0.5)  # state in memory: nothing to lose (open /_sim/events streams delay its exit)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    server = start_server(tmp=tmp_path_factory.mktemp("ui"))
    yield server
    stop_server(server)


@pytest.fixture
def server(sim_server):
    """The module's simulator, reset (and every account back to the config) before each test."""
    sim_server.call("POST", "/_sim/reset", {})
    return sim_server


@pytest.fixture(scope="module")
def browser():
    # per module, not per session: the sync API keeps an event loop running in this thread while it is
    # open, which the async tests after these would trip over
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page on a laptop-sized screen; JavaScript errors and failed loads (but a 400) fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)  # generous: a loaded CI machine delays the live feed
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    expected = "the server responded with a status of 400"  # an invalid input the test sends on purpose

    def console(m) -> None:
        if m.type == "error" and expected not in m.text:
            errors.append(m.text)

    pg.on("console", console)
    yield pg
    context.close()
    assert not errors, errors


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page in a full-page shot
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sim_id_of(page) -> str:
    return page.locator("#messages tbody tr").first.get_attribute("data-sim")


@dataclass
class Receiver:
    """A local callback receiver (a thread): records every request, answers ``status`` and ``SUCCESS``."""

    url: str = ""
    status: int = 200
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    event: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            self.event.wait(0.05)
            self.event.clear()
        return self.requests


@pytest.fixture
def receiver():
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            rec.requests.append((self.path, body))
            rec.event.set()
            self.send_response(rec.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"SUCCESS")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    rec.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield rec
    httpd.shutdown()
    httpd.server_close()


def kx_sign_fill(url: str, n: int) -> None:
    """Store ``n`` messages fast: kx sends of 1,000 numbers each through the real API."""
    sent = 0
    server = Server(url, None)  # type: ignore[arg-type]
    while sent < n:
        k = min(1000, n - sent)
        body = server.kx_send(
            ",".join(f"139{sent + i:08d}" for i in range(k)), "【测试】您的验证码是1234，5分钟内有效。"
        )
        assert body["code"] == "0", body
        sent += k
