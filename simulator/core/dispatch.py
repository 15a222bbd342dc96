"""Callback dispatcher: batches reports and replies per destination, POSTs them, retries on the clock.

Every attempt is recorded (request, answer, latency, error) in the store and published on the event
bus.  Nothing here ever raises into request handling.  Batching and retries run on the simulated
clock, so a test advances the clock instead of waiting; the HTTP request itself is real.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from .accounts import Account, Accounts
from .clock import Clock, Timer
from .events import EventBus
from .models import CallbackAttempt, MoRecord, Report, body_text
from .plugin import OutboundRequest, Push, VendorCore
from .store import MemoryStore

log = logging.getLogger("simulator.dispatch")

Sender = Callable[[OutboundRequest, float], Awaitable[tuple[int, bytes]]]
Item = Report | MoRecord


@dataclass
class _Channel:
    vendor: str
    account: str
    target: Push
    buffer: deque[Item] = field(default_factory=deque)
    timer: Timer | None = None


@dataclass(eq=False)
class _Batch:
    channel: _Channel
    items: list[Item]
    attempt: int = 0
    retry: Timer | None = None


def _message_ids(items: list[Item]) -> list[str]:
    out: list[str] = []
    for it in items:
        sid = it.message.sim_id if isinstance(it, Report) else it.message_sim_id
        if sid and sid not in out:
            out.append(sid)
    return out


class Dispatcher:
    def __init__(
        self,
        clock: Clock,
        store: MemoryStore,
        accounts: Accounts,
        vendors: dict[str, VendorCore],
        bus: EventBus,
        sender: Sender | None = None,
    ) -> None:
        self.clock = clock
        self.store = store
        self.accounts = accounts
        self.vendors = vendors
        self.bus = bus
        self._sender = sender
        self._session: aiohttp.ClientSession | None = None
        self._channels: dict[tuple[str, str, str, str], _Channel] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._retrying: set[_Batch] = set()

    # lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._sender is None and self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200), auto_decompress=False
            )

    async def close(self) -> None:
        await self.drain(timeout=2)
        for t in list(self._tasks):
            t.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def reset(self) -> None:
        for ch in self._channels.values():
            if ch.timer:
                ch.timer.cancel()
        for b in self._retrying:
            if b.retry:
                b.retry.cancel()
        self._retrying.clear()
        self._channels.clear()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every POST already started has been answered (or failed)."""
        deadline = time.monotonic() + timeout
        while self._tasks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            await asyncio.wait(list(self._tasks), timeout=remaining)

    @property
    def queued(self) -> int:
        return sum(len(c.buffer) for c in self._channels.values())

    # queueing ----------------------------------------------------------------------------------------
    def enqueue(self, account: Account, target: Push, item: Item) -> None:
        key = (account.vendor, account.id, target.url, target.stream)
        ch = self._channels.get(key)
        if ch is None:
            ch = self._channels[key] = _Channel(account.vendor, account.id, target)
        ch.buffer.append(item)
        if ch.timer is None:
            policy = self.vendors[account.vendor].push_policy(account, target.stream)
            ch.timer = self.clock.call_later(policy.batch_interval, self._flush, ch, label="push-batch")

    def _flush(self, ch: _Channel) -> None:
        ch.timer = None
        account = self.accounts.get(ch.vendor, ch.account)
        if account is None or not ch.buffer:
            ch.buffer.clear()
            return
        policy = self.vendors[ch.vendor].push_policy(account, ch.target.stream)
        while ch.buffer:
            n = min(len(ch.buffer), max(1, policy.batch_max))
            items = [ch.buffer.popleft() for _ in range(n)]
            self._start(_Batch(ch, items))

    def _start(self, batch: _Batch) -> None:
        batch.attempt += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("no running loop: push to %s not sent", batch.channel.target.url)
            return
        task = loop.create_task(self._attempt(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # sending -----------------------------------------------------------------------------------------
    async def _send(self, req: OutboundRequest, timeout: float) -> tuple[int, bytes]:
        if self._sender is not None:
            return await self._sender(req, timeout)
        if self._session is None:
            await self.start()
        assert self._session is not None
        async with self._session.request(
            req.method,
            req.url,
            data=req.body,
            headers=req.headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as resp:
            return resp.status, await resp.content.read(1 << 20)

    async def _attempt(self, batch: _Batch) -> None:
        ch = batch.channel
        vendor = self.vendors[ch.vendor]
        account = self.accounts.get(ch.vendor, ch.account)
        if account is None:
            return
        policy = vendor.push_policy(account, ch.target.stream)
        at = self.clock.now()
        attempt = CallbackAttempt(
            id=self.store.new_id("cb"),
            vendor=ch.vendor,
            account=ch.account,
            stream=ch.target.stream,
            url=ch.target.url,
            attempt=batch.attempt,
            at=at,
            items=len(batch.items),
            message_ids=_message_ids(batch.items),
        )
        try:
            req = vendor.build_push(account, ch.target, batch.items, batch.attempt)
            attempt.method = req.method
            attempt.request_headers = dict(req.headers)
            attempt.request_body = req.plain if req.plain is not None else body_text(req.body)
            if req.plain is not None:
                attempt.request_headers["x-sim-raw-body"] = body_text(req.body, 4096)
            started = time.perf_counter()
            try:
                status, body = await self._send(req, policy.timeout)
                attempt.status = status
                attempt.response_body = body_text(body, 4096)
                attempt.ok = vendor.push_accepted(ch.target.stream, status, body)
                if not attempt.ok:
                    attempt.error = "unexpected answer"
            except TimeoutError:
                attempt.error = f"timeout after {policy.timeout}s"
            except aiohttp.ClientError as exc:
                attempt.error = f"{type(exc).__name__}: {exc}"
            except OSError as exc:
                attempt.error = f"{type(exc).__name__}: {exc}"
            attempt.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        except Exception as exc:  # a vendor formatter bug must not kill the dispatcher
            log.exception("building push failed")
            attempt.error = f"internal: {type(exc).__name__}: {exc}"
        if not attempt.ok:
            if batch.attempt <= len(policy.retry_delays):
                delay = policy.retry_delays[batch.attempt - 1]
                attempt.next_retry_at = self.clock.now() + delay
                batch.retry = self.clock.call_later(delay, self._retry, batch, label="push-retry")
                self._retrying.add(batch)
            else:
                attempt.gave_up = True
        self._record(attempt)

    def _retry(self, batch: _Batch) -> None:
        self._retrying.discard(batch)
        batch.retry = None
        self._start(batch)

    def _record(self, attempt: CallbackAttempt) -> None:
        self.store.add_attempt(attempt)
        note = f"{attempt.id} {attempt.stream} → {attempt.url}: " + (
            "ok" if attempt.ok else (attempt.error or "failed") + (" (gave up)" if attempt.gave_up else "")
        )
        for sid in attempt.message_ids:
            msg = self.store.get_message(sid)
            if msg is not None:
                msg.callbacks.append(attempt.id)
                self.store.add_event(msg, attempt.at, "callback", note)
        with contextlib.suppress(Exception):
            self.bus.publish("callback", attempt=attempt.public())
