"""pytest plugin (loaded by pytest through the ``pytest11`` entry point once sms-simulator is installed).

Fixtures (docs/pytest-plugin.md):

- ``sms_simulator``: a real simulator listening on a free 127.0.0.1 port, run by a background thread with
  its own event loop, so plain synchronous code (``requests``, urllib) and other processes can reach it.
  Function scope: every test gets a fresh simulator (frozen clock, ``seed: 0``), so nothing leaks from one
  test to the next.  Config and scenario come from ``@pytest.mark.sms_simulator(config={…},
  scenario="flaky" | "<YAML text>")`` or from overriding the ``sms_simulator_config`` /
  ``sms_simulator_scenario`` fixtures.
- ``sms_callback_receiver``: a small threaded HTTP server on 127.0.0.1 that records every request and
  answers what each vendor expects from a receiver (``receiver.url_for("kx")``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

MARKER = "sms_simulator"
DEFAULTS: dict[str, Any] = {"clock": {"frozen": True}, "seed": 0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(config=None, scenario=None): the sms_simulator fixture's config (a dict, merged over "
        "a frozen clock and seed 0) and scenario (a packaged scenario's name or YAML text)",
    )


def load_named_or_text(scenario: str):
    """A packaged scenario's name (``flaky``) or a file's path, else the text parsed as YAML."""
    from .config import resolve_scenario
    from .core.scenarios import load_scenario, parse_scenario

    if "\n" not in scenario and ":" not in scenario:
        return load_scenario(resolve_scenario(scenario))
    return parse_scenario(scenario)


class SimulatorError(AssertionError):
    """An admin call the helper made was refused (the status and the answer are in the message)."""


@dataclass
class Signed:
    """What a client sends to authenticate: query/form parameters and headers (huawei: X-WSSE)."""

    params: dict[str, str]
    headers: dict[str, str]


class Simulator:
    """A running simulator; every helper is a plain HTTP call to its admin API (``/_sim/``)."""

    def __init__(self, config: Any, scenario: Any = None) -> None:
        from .app import SIM_KEY, build_sim, create_app

        self.config = config
        self._app = create_app(config, build_sim(config, scenario))
        self.sim = self._app[SIM_KEY]  # the in-process state, for assertions the admin API lacks
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="sms-simulator", daemon=True)
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------------------
    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as e:  # reported to the test thread
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _start(self) -> None:
        from aiohttp import web

        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> Simulator:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # -- admin API ------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        """One admin call; JSON in and out."""
        q = {k: v for k, v in query.items() if v is not None}
        url = f"{self.url}{path}{'?' + urlencode(q) if q else ''}"
        headers = {"Accept": "application/json"}
        data = None
        if body is not None or method != "GET":
            data = json.dumps(body if body is not None else {}).encode()
            headers["Content-Type"] = "application/json"
        if self.config.admin_token:
            headers["Authorization"] = f"Bearer {self.config.admin_token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            raise SimulatorError(
                f"{method} {path}: HTTP {e.code} {e.read().decode(errors='replace')}"
            ) from None

    def _pages(self, path: str, key: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.request("GET", path, limit=1000, order="asc", cursor=cursor, **filters)
            out += page[key]
            cursor = page.get("next")
            if not cursor:
                return out

    @property
    def accounts(self) -> dict[str, dict[str, Any]]:
        """The first account of each vendor (as ``GET /_sim/accounts`` shows it), by vendor."""
        out: dict[str, dict[str, Any]] = {}
        for a in self.request("GET", "/_sim/accounts")["accounts"]:
            out.setdefault(a["vendor"], a)
        return out

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Every message passing the filters (``vendor``, ``account``, ``mobile``, ``status``, ``since``,
        ``text``), oldest first, read through all pages."""
        return self._pages("/_sim/messages", "messages", filters)

    def mo(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages("/_sim/mo", "mo", filters)

    def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        """Every callback attempt (``vendor``, ``account``, ``stream``, ``message``, ``failed``), oldest
        first."""
        return self._pages("/_sim/callbacks", "callbacks", filters)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages("/_sim/requests", "requests", filters)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the simulated clock on: everything due fires, and the pushes it caused are answered."""
        return self.request("POST", "/_sim/clock/advance", {"seconds": seconds})

    def reply(self, mobile: str, text: str, vendor: str | None = None, **more: Any) -> dict[str, Any]:
        """The phone ``mobile`` replies (MO).  ``vendor`` defaults to the one that last sent to it."""
        if vendor is None:
            sent = self.messages(mobile=mobile)
            if not sent:
                raise SimulatorError(f"nothing was sent to {mobile}: give vendor=")
            vendor = sent[-1]["vendor"]
        return self.request(
            "POST", "/_sim/mo", {"vendor": vendor, "mobile": mobile, "content": text, **more}
        )["mo"]

    def reset(self) -> dict[str, Any]:
        return self.request("POST", "/_sim/reset")

    def push_to(self, receiver: CallbackReceiver, vendor: str, account: str | None = None) -> dict[str, Any]:
        """Switch an account (default: the vendor's first) to push mode, reports and replies to
        ``receiver``."""
        aid = account or self.accounts[vendor]["id"]
        url = receiver.url_for(vendor)
        body = {"mode": "push", "report_url": f"{url}/report", "mo_url": f"{url}/mo"}
        return self.request("PATCH", f"/_sim/accounts/{vendor}/{aid}", body)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
        """Call ``predicate`` until it returns something truthy (returned), for ``timeout`` real seconds at
        most; then AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"wait_for: still {value!r} after {timeout} s")
            time.sleep(interval)

    # -- signing (simulator/signing.py: the same code as ``sms-simulator sign``) -----------------------
    def secret(self, vendor: str, account: str | None = None) -> tuple[str, str, dict[str, Any]]:
        """(id, secret, options) of an account from the config (the admin API masks secrets)."""
        for a in self.config.all_accounts():
            if a.vendor == vendor and account in (None, a.id):
                return a.id, a.secret, a.options
        raise SimulatorError(f"no {vendor} account {account or ''} in the config")

    def sign(
        self,
        vendor: str,
        params: dict[str, str] | None = None,
        account: str | None = None,
        ts: str | None = None,
    ) -> Signed:
        """A vendor's auth parameters/headers for an account, signed now: kx ``userid/ts/sign``; huawei
        X-WSSE headers; mobset ``CorpID/LoginName/TimeStamp/SecretKey``; smsgw ``action`` and the signed
        ``params`` with the MD5 ``password``; emay ``appId/timestamp/sign`` (simple interface)."""
        from .signing import auth

        aid, secret, options = self.secret(vendor, account)
        query, headers = auth(vendor, aid, secret, options, params, ts)
        return Signed(query, headers)

    def kx_sign(self, **kw: Any) -> Signed:
        return self.sign("kx", **kw)

    def huawei_sign(self, **kw: Any) -> Signed:
        return self.sign("huawei", **kw)

    def smsgw_sign(self, **kw: Any) -> Signed:
        return self.sign("smsgw", **kw)

    def mobset_sign(self, **kw: Any) -> Signed:
        return self.sign("mobset", **kw)

    def emay_sign(self, **kw: Any) -> Signed:
        return self.sign("emay", **kw)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.text(), keep_blank_values=True))


@dataclass
class CallbackReceiver:
    """Records every request; answers ``/<vendor>/…`` with that vendor's expected acknowledgement."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    override: tuple[int, bytes] | None = None  # answer this instead (to test retries)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def url_for(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    def answer(self, path: str) -> tuple[int, bytes]:
        if self.override is not None:
            return self.override
        from .vendors import VENDORS

        cls = VENDORS.get(path.strip("/").split("/")[0])
        body = getattr(cls, "push_ok_body", None) if cls is not None else None
        return 200, body if body is not None else b"OK"

    def record(self, item: Received) -> None:
        with self._cond:
            self.requests.append(item)
            self._cond.notify_all()

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Wait (real time) until ``count`` requests arrived; AssertionError when they do not."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} callback(s) received, {count} expected")
            return list(self.requests)

    def path(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def _receiver_handler(rec: CallbackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            rec.record(
                Received(self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers), body)
            )
            status, answer = rec.answer(parts.path)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = _any

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def sms_simulator_config() -> dict[str, Any]:
    """Override to give every test in a module or folder the same config (the marker's is merged over)."""
    return {}


@pytest.fixture
def sms_simulator_scenario() -> str | None:
    """Override with a packaged scenario's name or YAML text (the marker's wins)."""
    return None


@pytest.fixture
def sms_simulator(
    request: pytest.FixtureRequest, sms_simulator_config: dict[str, Any], sms_simulator_scenario: str | None
) -> Iterator[Simulator]:
    from .config import config_from_dict

    marker = request.node.get_closest_marker(MARKER)
    kwargs = dict(marker.kwargs) if marker is not None else {}
    data = {**DEFAULTS, **sms_simulator_config, **(kwargs.get("config") or {})}
    scenario_text = kwargs.get("scenario", sms_simulator_scenario)
    scenario = load_named_or_text(scenario_text) if scenario_text else None
    sim = Simulator(config_from_dict(data), scenario).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def sms_callback_receiver() -> Iterator[CallbackReceiver]:
    rec = CallbackReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _receiver_handler(rec))
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="sms-callback-receiver", daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
