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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import aiohttp
from yarl import URL

from .accounts import Account, Accounts
from .clock import Clock, Timer
from .events import EventBus
from .metrics import Metrics
from .models import CallbackAttempt, MoRecord, Report, body_text
from .plugin import OutboundRequest, Push, VendorCore
from .pushclient import PushClient
from .store import MemoryStore, item_ref

log = logging.getLogger("simulator.dispatch")
PER_DESTINATION = 20  # connections to one receiver (scheme, host, port) at a time

Sender = Callable[[OutboundRequest, float], Awaitable[tuple[int, bytes]]]
Item = Report | MoRecord
Destination = tuple[str, str, int | None]  # scheme, host, port


# (vendor, account, url, stream[, process tag], n) → refs of up to CHUNK items waiting for their channel's
# batch timer, in order: a durable store writes a bounded record when one is added (a channel's one list
# of refs, written whole at every change, grew with a backlog: 2.7 ms of CPU per report with --db)
OUTBOX = "_sim.outbox"
CHUNK = 64
BATCHES = "_sim.push_batches"  # batch id → {"key": channel key, "items": refs, "attempt": n}
FAIL_FIRST = "_sim.chaos_fail_first"  # refs whose first push attempt fails (scenario chaos) → True
SLOW = "_sim.chaos_slow_push"  # refs whose first push attempt is held back (scenario chaos) → seconds


def _message_ids(items: list[Item]) -> list[str]:
    """The sim_ids of the messages ``items`` belong to, each once, in order of first appearance."""
    ids = dict.fromkeys(it.message.sim_id if isinstance(it, Report) else it.message_sim_id for it in items)
    return [sid for sid in ids if sid]


@lru_cache(maxsize=1024)
def _parse(url: str) -> tuple[URL, Destination]:
    """A callback URL parsed once (receivers are few; huawei's statusCallback may vary per send)."""
    parsed = URL(url)
    return parsed, (parsed.scheme, parsed.host or "", parsed.port)


@lru_cache(maxsize=64)
def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds)


@dataclass(slots=True)
class _Queued:
    """A batch waiting for its destination's next free worker."""

    batch_id: str
    started: float  # perf_counter when it was queued: the attempt's latency counts from here
    done: asyncio.Future[None] | None  # set once the attempt is over (push_now: before_answer waits)


class _ChaosFailure(Exception):
    """A push attempt the scenario's chaos makes fail before anything is sent."""


class Dispatcher:
    """Batches and pushes.  Its state is data in the store (``OUTBOX``, ``BATCHES``) and timers of two
    kinds on the clock — ``push.flush`` (vendor, account, url, stream) and ``push.retry`` (batch id) — so
    a restarted process picks up where the last one stopped."""

    def __init__(
        self,
        clock: Clock,
        store: MemoryStore,
        accounts: Accounts,
        vendors: dict[str, VendorCore],
        bus: EventBus,
        sender: Sender | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.store = store
        self.accounts = accounts
        self.vendors = vendors
        self.bus = bus
        self._sender = sender
        self._session: aiohttp.ClientSession | None = None  # https receivers
        self._client: PushClient | None = None  # plain-http receivers (core/pushclient.py)
        self._tasks: set[asyncio.Task[None]] = set()
        # batches to attempt, per destination, in order; at most PER_DESTINATION workers take from each
        # (a batch waits here, as data, instead of as a task of its own waiting for a connection slot)
        self._queues: dict[Destination, deque[_Queued]] = {}
        self._workers: dict[Destination, int] = {}
        self._flushing: set[tuple[str, str, str, str]] = set()  # channels with a push.flush timer
        # this process's outbox entries per channel, in order (the store's OUTBOX is the data; this finds a
        # channel's entries without reading every entry), and the number the next entry gets
        self._pending: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        self._entry_number = 0
        self._resume: list[str] = []  # batches that were in flight when the last process stopped
        self.tag = ""  # a shared store: this process's number, so each process batches its own outbox
        # send request id → pushes to finish before that request is answered (chaos before_answer)
        self.urgent: dict[str, list[asyncio.Future[None]]] = {}
        # one connection budget per destination (scheme, host, port): a receiver that hangs uses up
        # its own budget only, and a callback's timeout starts once it has a connection slot
        self._slots: dict[tuple[str, str, int | None], asyncio.Semaphore] = {}
        self._users: dict[tuple[str, str, int | None], int] = {}  # callbacks using or awaiting a slot
        clock.register("push.flush", self._flush)
        clock.register("push.retry", self._start)

    # lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._sender is None and self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, limit_per_host=PER_DESTINATION), auto_decompress=False
            )
            self._client = PushClient()
        resume, self._resume = self._resume, []
        for batch_id in resume:
            self._start(batch_id)

    async def close(self) -> None:
        await self.drain(timeout=2)
        for t in list(self._tasks):
            t.cancel()
        for queue in self._queues.values():
            for entry in queue:
                if entry.done is not None and not entry.done.done():
                    entry.done.cancel()
        self._queues.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def reset(self) -> None:
        self._flushing.clear()
        self._pending.clear()
        self._resume.clear()
        self.urgent.clear()

    def restored(self, timers: list[Timer]) -> None:
        """After a restart: note the channels that wait for a batch timer, and the batches that were
        being attempted when the process stopped (attempted again once the dispatcher starts)."""
        retrying = set()
        for t in timers:
            if t.kind == "push.flush":
                self._flushing.add(tuple(t.args))  # type: ignore[arg-type]
            elif t.kind == "push.retry":
                retrying.add(t.args[0])
        if not self.tag:  # shared: the batches in flight are other live processes' (not resumed here)
            self._resume = [b for b in self.store.collection(BATCHES) if b not in retrying]
        outbox = self.store.collection(OUTBOX)
        numbered = [e for e in dict.keys(outbox) if isinstance(e[-1], int)]
        self._entry_number = max([self._entry_number, *(e[-1] for e in numbered)])
        for key in [k for k in dict.keys(outbox) if not isinstance(k[-1], int)]:
            refs = outbox.pop(key)  # a channel's whole list, as stored before the chunks
            for i in range(0, len(refs), CHUNK):
                self._entry_number += 1
                numbered.append((*key, self._entry_number))
                outbox[numbered[-1]] = refs[i : i + CHUNK]
        for entry in sorted(numbered, key=lambda e: e[-1]):
            if self._mine(entry[:-1]):
                self._pending.setdefault(entry[:-1], []).append(entry)

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
        # dict.values: counting is not a change (a durable store's dict counts reads through its own)
        return sum(len(refs) for refs in dict.values(self.store.collection(OUTBOX)))

    # queueing ----------------------------------------------------------------------------------------
    def enqueue(
        self, account: Account, target: Push, item: Item, fail_first: bool = False, slow: float = 0.0
    ) -> None:
        key: tuple[str, ...] = (account.vendor, account.id, target.url, target.stream)
        if self.tag:
            key += (self.tag,)
        ref = item_ref(item)
        outbox = self.store.collection(OUTBOX)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = []
        chunk = dict.get(outbox, pending[-1]) if pending else None  # dict.get: a look is not a change
        if chunk is not None and len(chunk) < CHUNK:
            outbox[pending[-1]].append(ref)  # read through the store's dict: written at the next commit
        else:
            self._entry_number += 1
            pending.append((*key, self._entry_number))
            outbox[pending[-1]] = [ref]
        if fail_first:
            self.store.collection(FAIL_FIRST)[ref] = True
        if slow:
            self.store.collection(SLOW)[ref] = slow
        if key not in self._flushing:
            self._flushing.add(key)
            policy = self.vendors[account.vendor].push_policy(account, target.stream)
            self.clock.call_later(policy.batch_interval, "push.flush", *key)

    def _flush(self, vendor: str, account_id: str, url: str, stream: str, tag: str = "") -> None:
        key: tuple[str, ...] = (
            (vendor, account_id, url, stream, tag) if tag else (vendor, account_id, url, stream)
        )
        self._flushing.discard(key)
        outbox = self.store.collection(OUTBOX)
        entries = self._pending.pop(key, None) if self._mine(key) else None
        if entries is None:  # another process's channel (its timer fired here): its entries as stored
            entries = sorted((e for e in dict.keys(outbox) if e[:-1] == key), key=lambda e: e[-1])
        refs = [ref for e in entries for ref in outbox.pop(e, None) or ()]
        account = self.accounts.get(vendor, account_id)
        if account is None or not refs:
            return
        policy = self.vendors[vendor].push_policy(account, stream)
        n = max(1, policy.batch_max)
        batches = self.store.collection(BATCHES)
        failing = self.store.collection(FAIL_FIRST)
        slow = self.store.collection(SLOW)
        for i in range(0, len(refs), n):
            batch_id = self.store.new_id("pb")
            batch = {"key": [vendor, account_id, url, stream], "items": refs[i : i + n], "attempt": 0}
            if failing and any([failing.pop(r, None) for r in batch["items"]]):
                batch["fail_first"] = True
            held = max([slow.pop(r, 0.0) for r in batch["items"]]) if slow else 0.0
            if held:
                batch["slow"] = held
            batches[batch_id] = batch
            if held:  # a slow push: its first attempt goes out once the carrier got round to it
                self.clock.call_later(held, "push.retry", batch_id)
            else:
                self._start(batch_id)

    def push_now(
        self, account: Account, target: Push, item: Item, request_id: str, fail_first: bool = False
    ) -> None:
        """Push one item at once, in a batch of its own, and have :meth:`before_answer` wait for it
        (chaos ``before_answer``: the report reaches the customer before the send is answered)."""
        batch_id = self.store.new_id("pb")
        key = [account.vendor, account.id, target.url, target.stream]
        batch: dict[str, Any] = {"key": key, "items": [item_ref(item)], "attempt": 0}
        if fail_first:
            batch["fail_first"] = True
        self.store.collection(BATCHES)[batch_id] = batch
        done = self._start(batch_id, notify=True)
        if done is not None:
            self.urgent.setdefault(request_id, []).append(done)

    async def before_answer(self, request_id: str | None) -> None:
        """Wait for the pushes that must reach their receiver before this request is answered."""
        tasks = self.urgent.pop(request_id, None) if request_id is not None else None
        if tasks:
            await asyncio.wait(tasks)

    def _mine(self, key: tuple[str, ...]) -> bool:
        """Whether this process enqueues to the channel ``key`` (shared: the keys carry its tag)."""
        return (key[4] if len(key) > 4 else "") == self.tag

    def _items(self, refs: list[str]) -> list[Item]:
        out: list[Item] = []
        for ref in refs:
            item = self.store.resolve(ref)
            if item is not None:
                out.append(item)
        return out

    def _start(self, batch_id: str, notify: bool = False) -> asyncio.Future[None] | None:
        """Attempt the batch (its next attempt): queued for its destination, taken in turn by one of
        at most PER_DESTINATION workers.  With ``notify``, a future done once the attempt is over."""
        batches = self.store.collection(BATCHES)
        batch = batches.get(batch_id)
        if batch is None:
            return None
        batches[batch_id] = {**batch, "attempt": batch["attempt"] + 1}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("no running loop: push to %s not sent", batch["key"][2])
            return None
        dest = _parse(batch["key"][2])[1]
        done = loop.create_future() if notify else None
        queue = self._queues.get(dest)
        if queue is None:
            queue = self._queues[dest] = deque()
        queue.append(_Queued(batch_id, time.perf_counter(), done))
        # an injected sender (tests) has no connection budget: a worker for every batch, as it takes them
        workers = self._workers.get(dest, 0)
        if self._sender is not None or workers < PER_DESTINATION:
            self._workers[dest] = workers + 1
            task = loop.create_task(self._work(dest, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return done

    async def _work(self, dest: Destination, queue: deque[_Queued]) -> None:
        """One worker of a destination: attempts its queued batches one after another until none is left."""
        try:
            while queue:
                entry = queue.popleft()
                try:
                    await self._attempt(entry.batch_id, entry.started)
                except Exception:  # never lose the worker (and the batches queued behind it)
                    log.exception("push attempt failed")
                finally:
                    if entry.done is not None and not entry.done.done():
                        entry.done.set_result(None)
        finally:
            left = self._workers.get(dest, 1) - 1
            if left:
                self._workers[dest] = left
            else:
                self._workers.pop(dest, None)
                if not queue and self._queues.get(dest) is queue:
                    del self._queues[dest]

    def retry_now(self, attempt: CallbackAttempt) -> str | None:
        """Attempt again, now, what ``attempt`` carried (the sandbox's "retry now"); the new attempt's
        batch id, or None when nothing it carried is still kept.

        A batch still waiting for its next retry is attempted at once (its timer is cancelled, so its
        retry schedule goes on from there).  Otherwise (it succeeded or gave up) a new batch to the same
        URL and stream is made of what the carried messages have of that kind: their reports, or the
        replies that answer them on an ``mo`` stream (both on a stream that carries both)."""
        key = [attempt.vendor, attempt.account, attempt.url, attempt.stream]
        batches = self.store.collection(BATCHES)
        wanted = set(attempt.message_ids)
        for timer in self.clock.timers():
            if timer.kind != "push.retry" or timer.cancelled:
                continue
            batch = batches.get(timer.args[0])
            carried = set(_message_ids(self._items(batch["items"]))) if batch and batch["key"] == key else ()
            if wanted & set(carried):
                timer.cancel()
                self._start(timer.args[0])
                return timer.args[0]
        if self.accounts.get(attempt.vendor, attempt.account) is None:
            return None
        reports = attempt.stream != "mo"
        replies = attempt.stream in ("mo", "push")
        refs: list[str] = []
        for sid in attempt.message_ids:
            msg = self.store.get_message(sid)
            if msg is None:
                continue
            if reports:
                refs += [item_ref(r) for r in msg.reports]
            if replies:
                refs += [
                    item_ref(m)
                    for m in self.store.query_mo(vendor=msg.vendor, account=msg.account, mobile=msg.mobile)
                    if m.message_sim_id == sid
                ]
        if not refs:
            return None
        batch_id = self.store.new_id("pb")
        batches[batch_id] = {"key": key, "items": refs, "attempt": 0}
        self._start(batch_id)
        return batch_id

    # sending -----------------------------------------------------------------------------------------
    async def _send(self, req: OutboundRequest, timeout: float) -> tuple[int, bytes]:
        if self._sender is not None:
            return await self._sender(req, timeout)
        if self._session is None or self._client is None:
            await self.start()
        assert self._session is not None and self._client is not None
        url, dest = _parse(req.url)
        slots = self._slots.get(dest)
        if slots is None:
            slots = self._slots[dest] = asyncio.Semaphore(PER_DESTINATION)
        self._users[dest] = self._users.get(dest, 0) + 1
        try:
            # waiting for a slot is not part of the timeout: the request is made once one is free
            if dest[0] == "http":
                async with slots, asyncio.timeout(timeout):
                    return await self._client.request(req.method, url, req.headers, req.body)
            async with (
                slots,
                self._session.request(
                    req.method,
                    url,
                    data=req.body,
                    headers=req.headers,
                    timeout=_timeout(timeout),
                    allow_redirects=False,
                ) as resp,
            ):
                return resp.status, await resp.content.read(1 << 20)
        finally:
            self._users[dest] -= 1
            if not self._users[dest]:  # nobody sends there now: forget the destination
                del self._users[dest]
                self._slots.pop(dest, None)

    async def _attempt(self, batch_id: str, started: float) -> None:
        """One attempt of a batch ``_start`` queued (``started``: ``perf_counter`` then; the latency
        recorded counts from there, the wait for a free connection included, as it always did)."""
        batch = self.store.collection(BATCHES).get(batch_id)
        if batch is None:
            return
        vendor_key, account_id, url, stream = batch["key"]
        number = batch["attempt"]
        items = self._items(batch["items"])
        vendor = self.vendors[vendor_key]
        account = self.accounts.get(vendor_key, account_id)
        if account is None or not items:
            self.store.collection(BATCHES).pop(batch_id, None)
            return
        target = Push(url, stream)
        policy = vendor.push_policy(account, stream)
        at = self.clock.now()
        attempt = CallbackAttempt(
            id=self.store.new_id("cb"),
            vendor=vendor_key,
            account=account_id,
            stream=stream,
            url=url,
            attempt=number,
            at=at,
            items=len(items),
            message_ids=_message_ids(items),
        )
        if number == 1 and batch.get("slow"):
            attempt.held_back = batch["slow"]
        try:
            req = vendor.build_push(account, target, items, number)
            attempt.method = req.method
            attempt.request_headers = dict(req.headers)
            attempt.request_body = req.plain if req.plain is not None else body_text(req.body)
            if req.plain is not None:
                attempt.request_headers["x-sim-raw-body"] = body_text(req.body, 4096)
            try:
                if number == 1 and batch.get("fail_first"):
                    raise _ChaosFailure()
                status, body = await self._send(req, policy.timeout)
                attempt.status = status
                attempt.response_body = body_text(body, 4096)
                attempt.ok = vendor.push_accepted(stream, status, body)
                if not attempt.ok:
                    attempt.error = "unexpected answer"
            except _ChaosFailure:
                attempt.error = "chaos: the carrier's first push attempt failed (nothing was sent)"
            except TimeoutError:
                attempt.error = f"timeout after {policy.timeout}s"
            except aiohttp.ClientError as exc:
                attempt.error = f"{type(exc).__name__}: {exc}"
            except OSError as exc:
                attempt.error = f"{type(exc).__name__}: {exc}"
            attempt.latency_ms = round((time.perf_counter() - started) * 1000, 3)
            if not attempt.ok:
                attempt.diagnosis = _unacknowledged(attempt, vendor.push_expectation(stream))
        except Exception as exc:  # a vendor formatter bug must not kill the dispatcher
            log.exception("building push failed")
            attempt.error = f"internal: {type(exc).__name__}: {exc}"
        batches = self.store.collection(BATCHES)
        if batch_id not in batches:  # reset while the POST was under way
            pass
        elif not attempt.ok and number <= len(policy.retry_delays):
            delay = policy.retry_delays[number - 1]
            attempt.next_retry_at = self.clock.now() + delay
            self.clock.call_later(delay, "push.retry", batch_id)
        else:
            attempt.gave_up = not attempt.ok
            del batches[batch_id]
        self._record(attempt)

    def _record(self, attempt: CallbackAttempt) -> None:
        latency = attempt.latency_ms
        sent = latency is not None and attempt.status is not None
        self.metrics.callback(attempt.vendor, attempt.stream, attempt.ok, latency / 1000 if sent else None)
        self.store.add_attempt(attempt)
        note = f"{attempt.id} {attempt.stream} → {attempt.url}: " + (
            "ok" if attempt.ok else (attempt.error or "failed") + (" (gave up)" if attempt.gave_up else "")
        )
        if attempt.held_back:
            note += f" (chaos: a slow push, sent {attempt.held_back:g} s late)"
        for sid in attempt.message_ids:
            msg = self.store.get_message(sid)
            if msg is not None:
                msg.callbacks = [*msg.callbacks, attempt.id]
                self.store.add_event(msg, attempt.at, "callback", note)
        with contextlib.suppress(Exception):
            if self.bus.active:
                self.bus.publish("callback", attempt=attempt.public())
            else:  # nobody listens: counted, without building the event
                self.bus.publish("callback")


def _unacknowledged(attempt: CallbackAttempt, expected: str) -> str:
    """Why the vendor does not count an attempt as acknowledged: what came back, and what it expects."""
    if attempt.status is None:
        got = f"there was no answer ({attempt.error})"
    else:
        body = attempt.response_body
        shown = f"the body {body[:60] + ('…' if len(body) > 60 else '')!r}" if body else "no body"
        got = f"the receiver answered HTTP {attempt.status} with {shown}"
    return f"not acknowledged: {got}; {attempt.vendor} expects {expected}"
