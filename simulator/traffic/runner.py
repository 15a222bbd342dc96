"""Options, rate control and counters for a traffic run.

:func:`parse_options` checks the options the CLI and ``POST /_sim/traffic`` share (one set of rules and
messages for both).  :class:`Traffic` sends the plan at the requested rate on the real clock: request
*i* is due at ``start + i / rate`` (so the rate does not drift), at most ``concurrency`` requests are in
flight, and when the server cannot keep up the schedule is re-based instead of bursting to catch up.
It stops on its own after ``duration`` seconds or ``count`` requests, on :meth:`Traffic.stop`, or on a
fatal error (URL unreachable, credentials refused), which it keeps in ``error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field
from yarl import URL

from .clients import CLIENTS, Credentials, CredentialsError, Result, huawei_templates
from .content import Item, Planner

VENDOR_KEYS = tuple(CLIENTS)
DEFAULT_URL = "http://127.0.0.1:8090"
DEFAULT_DURATION = 10.0
MAX_RATE = 10_000.0
MAX_DURATION = 86_400.0
MAX_COUNT = 10_000_000
MAX_CONCURRENCY = 1000
MAX_WAIT = 60.0
MAX_NOTES = 50  # refusal/error lines reported; past that they are only counted
REQUEST_TIMEOUT = 30.0


class OptionsIn(BaseModel):
    """The options as given (``POST /_sim/traffic``'s body; the CLI's flags): their names and what they
    take, for the OpenAPI document.  :func:`parse_options` checks them, with one-line messages for both
    the CLI (text values) and the admin API."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="the server's base URL (admin API: default this server)")
    vendor: str | list[str] | None = Field(None, description="all, kx,huawei,… or a list")
    rate: float | None = Field(None, ge=0.01, le=MAX_RATE, description="requests per second (default 10)")
    duration: float | None = Field(
        None, ge=0.01, le=MAX_DURATION, description=f"seconds (default {DEFAULT_DURATION:g} unless count)"
    )
    count: int | None = Field(None, ge=1, le=MAX_COUNT, description="requests")
    seed: int | None = Field(None, ge=0, description="same seed, same vendors, recipients, texts, replies")
    reply_share: float | None = Field(None, ge=0, le=1, description="of accepted recipients (default 0.1)")
    magic_share: float | None = Field(None, ge=0, le=1, description="of recipients (default 0.1)")
    concurrency: int | None = Field(None, ge=1, le=MAX_CONCURRENCY, description="in flight (default 32)")
    accounts: dict[str, str] | None = Field(None, description="vendor → account id (default: the first)")
    wait: float | None = Field(None, ge=0, le=MAX_WAIT, description="seconds to wait for a starting server")


OPTION_KEYS = tuple(OptionsIn.model_fields)


class OptionError(ValueError):
    """A bad option; the message is one line meant for the user."""


@dataclass
class Options:
    url: str = DEFAULT_URL
    vendors: list[str] = field(default_factory=lambda: list(VENDOR_KEYS))
    rate: float = 10.0  # requests per second
    duration: float | None = None  # seconds; None when count bounds the run
    count: int | None = None  # requests
    seed: int = 0
    reply_share: float = 0.1  # of accepted recipients, who answer
    magic_share: float = 0.1  # of recipients, replaced by a magic number of the default scenario
    concurrency: int = 32  # requests in flight at most
    accounts: dict[str, str] = field(default_factory=dict)  # vendor → account id (default: the first)
    wait: float = 3.0  # seconds to wait for a server that is still starting (connection refused)
    explicit_vendors: bool = False  # the vendors were named (a vendor that cannot send is an error)

    def public(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("explicit_vendors")
        return out


def _number(data: dict[str, Any], key: str, low: float, high: float, integer: bool = False) -> Any:
    value = data[key]
    if isinstance(value, str):
        try:
            value = int(value) if integer else float(value)
        except ValueError:
            pass
    ok_type = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise OptionError(f"{key} must be {'an integer' if integer else 'a number'}, not {data[key]!r}")
    if not low <= value <= high:
        raise OptionError(f"{key} must be between {low:g} and {high:g}, not {value:g}")
    return value


def parse_vendors(value: Any) -> tuple[list[str], bool]:
    """``all``, ``kx,huawei`` or a list → the vendors in their usual order, and whether they were named."""
    if value is None or value == "all" or value == ["all"]:
        return list(VENDOR_KEYS), False
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise OptionError("vendor must be 'all', a comma-separated list or a list of vendor names")
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(wanted - set(VENDOR_KEYS))
    if unknown or not wanted:
        raise OptionError(f"unknown vendor {', '.join(unknown) or '(none)'}; known: {', '.join(VENDOR_KEYS)}")
    return [v for v in VENDOR_KEYS if v in wanted], True


def parse_options(data: dict[str, Any]) -> Options:
    """Options from a JSON object or the CLI's arguments; raises OptionError with a one-line message."""
    unknown = sorted(set(data) - set(OPTION_KEYS))
    if unknown:
        raise OptionError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTION_KEYS)}")
    data = {k: v for k, v in data.items() if v is not None}
    o = Options()
    if "url" in data:
        url = data["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise OptionError(f"url must be an http:// or https:// URL, not {url!r}")
        o.url = url.rstrip("/")
    o.vendors, o.explicit_vendors = parse_vendors(data.get("vendor"))
    if "rate" in data:
        o.rate = float(_number(data, "rate", 0.01, MAX_RATE))
    if "duration" in data and "count" in data:
        raise OptionError("give duration or count, not both")
    if "duration" in data:
        o.duration = float(_number(data, "duration", 0.01, MAX_DURATION))
    elif "count" in data:
        o.count = _number(data, "count", 1, MAX_COUNT, integer=True)
    else:
        o.duration = DEFAULT_DURATION
    o.seed = _number(data, "seed", 0, 2**63 - 1, integer=True) if "seed" in data else secrets.randbelow(2**31)
    for key in ("reply_share", "magic_share"):
        if key in data:
            setattr(o, key, float(_number(data, key, 0, 1)))
    if "wait" in data:
        o.wait = float(_number(data, "wait", 0, MAX_WAIT))
    if "concurrency" in data:
        o.concurrency = _number(data, "concurrency", 1, MAX_CONCURRENCY, integer=True)
    if "accounts" in data:
        accounts = data["accounts"]
        if not isinstance(accounts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in accounts.items()
        ):
            raise OptionError('accounts must map a vendor to an account id, e.g. {"kx": "100001"}')
        bad = sorted(set(accounts) - set(VENDOR_KEYS))
        if bad:
            raise OptionError(f"accounts: unknown vendor {', '.join(bad)}")
        o.accounts = dict(accounts)
    return o


def pick_credentials(accounts: Iterable[Any], options: Options) -> dict[str, Credentials]:
    """One account per vendor (the named one, else the first) from config or live accounts.

    Vendors that cannot send (no account; huawei without an approved template and channel) are an
    error when named, and left out of ``all``; ``options.vendors`` is narrowed to those that remain."""
    by_vendor: dict[str, list[Credentials]] = {}
    for a in accounts:
        opts = a.options if isinstance(a.options, dict) else a.options.model_dump() if a.options else {}
        by_vendor.setdefault(a.vendor, []).append(Credentials(a.vendor, a.id, a.secret, opts))
    chosen: dict[str, Credentials] = {}
    for vendor in options.vendors:
        wanted = options.accounts.get(vendor)
        found = [c for c in by_vendor.get(vendor, []) if wanted in (None, c.id)]
        problem = None
        if not found:
            problem = f"no {vendor} account {wanted!r}" if wanted else f"no {vendor} account"
        elif vendor == "huawei" and not huawei_templates(found[0].options):
            problem = f"huawei app {found[0].id} has no template with a signature channel of its type"
        if problem is None:
            chosen[vendor] = found[0]
        elif options.explicit_vendors or wanted:
            raise OptionError(problem)
    if not chosen:
        raise OptionError("no account to send with")
    options.vendors = [v for v in options.vendors if v in chosen]
    return chosen


def planner_for(options: Options, creds: dict[str, Credentials]) -> Planner:
    hw = creds.get("huawei")
    return Planner(
        options.seed,
        options.vendors,
        magic_share=options.magic_share,
        reply_share=options.reply_share,
        huawei_templates=huawei_templates(hw.options) if hw else None,
    )


@dataclass
class VendorCount:
    requests: int = 0
    accepted: int = 0
    refused: int = 0
    errors: int = 0


class Traffic:
    """One run.  ``note`` receives each refusal and error as a line (the CLI prints them)."""

    def __init__(
        self,
        options: Options,
        creds: dict[str, Credentials],
        *,
        verify_tls: bool = True,
        note: Callable[[str], None] | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.options = options
        self.admin_headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.clients = {v: CLIENTS[v](creds[v], options.url) for v in options.vendors}
        self.planner = planner_for(options, creds)
        self.verify_tls = verify_tls
        self._note = note
        self.running = False
        self.error: str | None = None
        self.started_at: float | None = None  # epoch seconds
        self._t0: float | None = None  # loop time at start
        self._t1: float | None = None  # loop time at the end
        self._stop = asyncio.Event()
        self.sent = 0
        self.answered = 0
        self.accepted = 0
        self.refused: Counter[str] = Counter()  # "vendor code" → messages
        self.errors = 0
        self.replies = 0
        self.reply_errors = 0
        self.replies_off: str | None = None
        self.vendors = {v: VendorCount() for v in options.vendors}
        self.recent: deque[str] = deque(maxlen=20)
        self._notes = 0

    # -- control ----------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message
        self._stop.set()

    def note(self, line: str) -> None:
        self.recent.append(line)
        self._notes += 1
        if self._note is None:
            return
        if self._notes <= MAX_NOTES:
            self._note(line)
        elif self._notes == MAX_NOTES + 1:
            self._note(f"(more than {MAX_NOTES} refusals and errors: the rest are only counted)")

    # -- the run ------------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Send until the bound, a stop or a fatal error; never raises for those (see ``error``)."""
        o = self.options
        loop = asyncio.get_running_loop()
        self.running = True
        if not await self._reachable():
            self.running = False
            return
        self.started_at = time.time()
        self._t0 = base = loop.time()
        interval = 1.0 / o.rate
        step = 0  # requests since `base`: request i is due at base + i * interval (no drift)
        slots = asyncio.Semaphore(o.concurrency)
        tasks: set[asyncio.Task[None]] = set()

        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            slots.release()

        connector = aiohttp.TCPConnector(limit=o.concurrency, ssl=self.verify_tls)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        try:
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                try:
                    while not self._stop.is_set():
                        if o.count is not None and self.sent >= o.count:
                            break
                        due = base + step * interval
                        if o.duration is not None and due - self._t0 >= o.duration - 1e-9:
                            break
                        wait = due - loop.time()
                        if wait > 0:
                            await asyncio.sleep(min(wait, 0.05))
                            continue
                        await slots.acquire()
                        if self._stop.is_set():
                            slots.release()
                            break
                        item = next(self.planner)
                        self.sent += 1
                        self.vendors[item.vendor].requests += 1
                        task = asyncio.create_task(self._one(session, item))
                        tasks.add(task)
                        task.add_done_callback(done)
                        step += 1
                        if loop.time() - (base + step * interval) > 1.0:
                            base, step = loop.time(), 0  # the server is at capacity: no burst to catch up
                finally:
                    if self.error is not None or asyncio.current_task().cancelling():  # type: ignore[union-attr]
                        for t in tasks:
                            t.cancel()
                    if tasks:
                        await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._t1 = loop.time()
            self.running = False

    async def _reachable(self) -> bool:
        """Connect once to the server, retrying for ``wait`` seconds while it refuses (still starting,
        as in ``sms-simulator serve & sms-simulator traffic``)."""
        url = URL(self.options.url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.wait
        while True:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(url.host, url.port), 5.0)
            except (OSError, TimeoutError) as e:
                if self._stop.is_set():  # stopped while waiting: not an error
                    return False
                refused = isinstance(e, ConnectionRefusedError)
                if refused and loop.time() < deadline:
                    await asyncio.sleep(0.1)
                    continue
                if refused:
                    reason = "connection refused (is sms-simulator serve running there?)"
                elif isinstance(e, TimeoutError):
                    reason = "no answer to a connection within 5 s"
                else:
                    reason = e.strerror or str(e)
                self._fail(f"cannot reach {self.options.url}: {reason}")
                return False
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True

    async def _one(self, session: aiohttp.ClientSession, item: Item) -> None:
        vendor = item.vendor
        client = self.clients[vendor]
        try:
            result = await client.send(session, item)
        except aiohttp.ClientConnectorError as e:
            if isinstance(e.os_error, ConnectionRefusedError):
                reason = "connection refused (is sms-simulator serve running there?)"
            else:
                reason = e.os_error.strerror if e.os_error and e.os_error.strerror else str(e)
            self._fail(f"cannot reach {self.options.url}: {reason}")
            return
        except CredentialsError as e:
            self._fail(str(e))
            return
        except Exception as e:  # a timeout, a dropped connection, an answer of the wrong shape
            self.answered += 1
            self.errors += 1
            self.vendors[vendor].errors += 1
            self.note(f"error: {vendor} request {item.seq}: {describe(e)}")
            return
        self.answered += 1
        if result.auth:
            self._fail(
                f"{vendor} refused the credentials of account {client.creds.id}: "
                f"code {result.code}{' ' + result.message if result.message else ''}"
            )
            return
        self._count(item, result)
        for mobile in result.accepted:
            if mobile in item.replies and self.replies_off is None and not self._stop.is_set():
                await self._reply(session, item, mobile)

    def _count(self, item: Item, result: Result) -> None:
        vc = self.vendors[item.vendor]
        self.accepted += len(result.accepted)
        vc.accepted += len(result.accepted)
        for code in result.refused.values():
            self.refused[f"{item.vendor} {code}"] += 1
        vc.refused += len(result.refused)
        if result.code is not None:
            text = f" {result.message}" if result.message else ""
            self.note(
                f"refused: {item.vendor} code {result.code}{text} "
                f"(request {item.seq}, {', '.join(item.recipients)})"
            )
        else:
            for mobile, code in result.refused.items():
                self.note(f"refused: {item.vendor} {mobile} code {code} (request {item.seq})")

    async def _reply(self, session: aiohttp.ClientSession, item: Item, mobile: str) -> None:
        """The phone answers, through the admin API as ``POST /_sim/mo`` does for a person."""
        body = {
            "vendor": item.vendor,
            "mobile": mobile,
            "content": item.replies[mobile],
            "account": self.clients[item.vendor].creds.id,
        }
        try:
            url = f"{self.options.url}/_sim/mo"
            async with session.post(url, json=body, headers=self.admin_headers) as resp:
                ok = resp.status == 201
                missing = resp.status in (404, 405) and resp.content_type != "application/json"
        except (aiohttp.ClientError, TimeoutError) as e:
            ok, missing = False, False
            self.note(f"error: reply from {mobile}: {describe(e)}")
        if ok:
            self.replies += 1
            return
        self.reply_errors += 1
        if missing and self.replies_off is None:
            self.replies_off = f"{self.options.url} has no /_sim/mo: phones do not answer"
            self.note(f"note: {self.replies_off}")

    # -- reading ----------------------------------------------------------------------------------------
    def elapsed(self) -> float:
        if self._t0 is None:
            return 0.0
        end = self._t1 if self._t1 is not None else asyncio.get_running_loop().time()
        return max(0.0, end - self._t0)

    def rate(self) -> float:
        """Achieved requests per second: answered requests over the time since the first was sent."""
        elapsed = self.elapsed()
        return self.answered / elapsed if elapsed > 0 else 0.0

    def status(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "options": self.options.public(),
            "started_at": self.started_at,
            "elapsed": round(self.elapsed(), 3),
            "sent": self.sent,
            "answered": self.answered,
            "accepted": self.accepted,
            "refused": sum(self.refused.values()),
            "refused_by_code": dict(self.refused.most_common()),
            "errors": self.errors,
            "replies": self.replies,
            "reply_errors": self.reply_errors,
            "rate": round(self.rate(), 2),
            "vendors": {v: asdict(c) for v, c in self.vendors.items()},
            "error": self.error,
            "recent": list(self.recent),
        }

    def progress(self) -> str:
        refused = sum(self.refused.values())
        codes = ", ".join(f"{k} ×{n}" for k, n in self.refused.most_common(2))
        parts = [
            f"sent {self.sent}",
            f"accepted {self.accepted}",
            f"refused {refused}" + (f" ({codes}{', …' if len(self.refused) > 2 else ''})" if codes else ""),
            *([f"errors {self.errors}"] if self.errors else []),
            f"replies {self.replies}",
            f"{self.rate():.1f}/s of {self.options.rate:g}/s",
            f"{self.elapsed():.0f} s",
        ]
        return " · ".join(parts)

    def summary(self) -> str:
        o = self.options
        bound = f"{o.duration:g} s" if o.duration is not None else f"{o.count} requests"
        lines = [
            f"traffic to {o.url}: {self.answered} requests in {self.elapsed():.2f} s "
            f"({self.rate():.1f}/s achieved, {o.rate:g}/s requested, bound {bound}, seed {o.seed})",
            f"  messages accepted {self.accepted}, refused {sum(self.refused.values())}; "
            f"request errors {self.errors}; replies {self.replies}"
            + (f" ({self.reply_errors} failed)" if self.reply_errors else ""),
        ]
        for v, c in self.vendors.items():
            lines.append(
                f"  {v:<7} {c.requests:>6} requests {c.accepted:>6} accepted {c.refused:>4} refused"
                f" {c.errors:>4} errors"
            )
        if self.refused:
            codes = ", ".join(f"{k} ×{n}" for k, n in self.refused.most_common())
            lines.append(f"  refused by code: {codes}")
        return "\n".join(lines)


def describe(e: BaseException) -> str:
    text = str(e).strip()
    if isinstance(e, TimeoutError):
        return f"no answer within {REQUEST_TIMEOUT:g} s"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


async def run_with_progress(traffic: Traffic, write: Callable[[str], None], tty: bool) -> None:
    """Run, writing the progress line: rewritten in place on a terminal, once a second otherwise."""
    task = asyncio.create_task(traffic.run())
    period = 0.25 if tty else 1.0
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=period)
            if not task.done() and traffic.started_at is not None:
                write(f"\r{traffic.progress()}\x1b[K" if tty else traffic.progress() + "\n")
    finally:
        if not task.done():
            traffic.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if tty:
            write("\r\x1b[K")
