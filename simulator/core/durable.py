"""What the durable stores share: a memory store whose every change marks its record, so that a backend
(SQLite: :mod:`simulator.core.sqlite`; Redis: :mod:`simulator.core.redis_store`) writes the marked
records in one batch per event-loop turn; and the JSON forms records are written in.

Vendor-owned records (``collection(name)``) are kept per key as JSON; dataclass values are written with
their class (only classes under ``simulator.`` are ever rebuilt from a file).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import importlib
import itertools
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .accounts import Account
from .clock import Clock, Timer
from .models import CallbackAttempt, Message, MoRecord, Report, RequestLog, TimelineEntry
from .store import MemoryStore, PullItem, item_ref

log = logging.getLogger(__name__)


class DatabaseError(Exception):
    """The durable store cannot be used; the message is one line meant for the user."""


# -- a JSON codec for vendor records -------------------------------------------------------------------
def encode(value: Any) -> Any:
    """Plain JSON for plain data; tagged objects for tuples, bytes, sets, non-string keys, dataclasses."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$d": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, bytes | bytearray):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, set | frozenset):
        return {"$s": [encode(v) for v in value]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}", "f": fields}
    raise TypeError(f"cannot store a {type(value).__name__} in a collection")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$t" in value:
        return tuple(decode(v) for v in value["$t"])
    if "$d" in value:
        return {decode(k): decode(v) for k, v in value["$d"]}
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$s" in value:
        return {decode(v) for v in value["$s"]}
    if "$dc" in value:
        module, _, name = value["$dc"].partition(":")
        if not module.startswith("simulator."):
            raise DatabaseError(f"refusing to build {value['$dc']!r} from the database")
        cls = getattr(importlib.import_module(module), name)
        if not dataclasses.is_dataclass(cls):
            raise DatabaseError(f"{value['$dc']!r} is not a record type")
        return cls(**{k: decode(v) for k, v in value["f"].items()})
    return {k: decode(v) for k, v in value.items()}


def dumps(value: Any) -> str:
    # ASCII: a key or value may hold lone surrogates (header bytes that were not UTF-8), which SQLite's
    # UTF-8 text cannot take as they are
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


# -- collections that report what changed ----------------------------------------------------------------
class TrackedDict(dict):
    """A dict that tells its store which keys to write.  Reading a value through ``[]``/``get``/
    ``values``/``items`` counts as a change too, because vendor records are changed in place."""

    __slots__ = ("_mark",)

    def __init__(self, mark: Callable[[Any], None]) -> None:
        super().__init__()
        self._mark = mark

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self._mark(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            self._mark(key)
        return super().get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._mark(key)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._mark(key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self._mark(key)
        return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._mark(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def values(self):  # type: ignore[override]
        for k in self:
            self._mark(k)
        return super().values()

    def items(self):  # type: ignore[override]
        for k in self:
            self._mark(k)
        return super().items()

    def popitem(self) -> tuple[Any, Any]:
        k, v = super().popitem()
        self._mark(k)
        return k, v

    def clear(self) -> None:
        for k in self:
            self._mark(k)
        super().clear()


@dataclass
class Loaded:
    """What :meth:`SqliteStore.load` gives back to the simulator besides the records it keeps."""

    accounts: list[Account] = field(default_factory=list)
    scenario: Any = None
    clock: dict[str, Any] = field(default_factory=dict)
    timers: list[tuple[int, float, str, tuple[Any, ...]]] = field(default_factory=list)


class DurableStore(MemoryStore):
    """The memory store, marking every change for a backend to write (``_kick`` asks for a write soon)."""

    durable = True

    def __init__(self, **kwargs: Any) -> None:
        self._ready = False
        self._reset_dirty()
        self._changes = 0  # changes made (a counter)
        self._written = 0  # changes committed
        self._scheduled: asyncio.Handle | None = None  # _flush_soon, once per loop turn
        self._waiter: asyncio.Future[None] | None = None
        self.before_write: Callable[[dict[int, Timer]], Any] | None = None  # see _fire_before_write
        super().__init__(**kwargs)
        self._ready = True

    def _reset_dirty(self) -> None:
        self._d_msgs: dict[str, Message] = {}
        self._x_msgs: set[str] = set()
        self._d_mo: dict[str, MoRecord] = {}
        self._x_mo: set[str] = set()
        self._d_pull: list[tuple[int, str, str, str, str, float | None]] = []
        self._x_pull: list[int] = []
        self._d_att: dict[str, CallbackAttempt] = {}
        self._x_att: set[str] = set()
        self._d_req: dict[str, RequestLog] = {}
        self._x_req: set[str] = set()
        self._d_timers: dict[int, Timer] = {}
        self._x_timers: set[int] = set()
        self._d_accounts: dict[tuple[str, str], Account] = {}
        self._d_coll: dict[str, set[Any]] = {}
        self._d_meta: dict[str, str] = {}
        self._wipe = False

    # -- marking changes -------------------------------------------------------------------------------
    def _kick(self) -> None:
        self._changes += 1
        if self._scheduled is None and self._ready:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop: written by the next commit()/flush()/close()
            self._scheduled = loop.call_soon(self._flush_soon)

    def _count(self, name: str, spread: int = 0) -> int:
        n = super()._count(name, spread)
        self._kick()  # the counters are written with the next commit
        return n

    def save_message(self, msg: Message) -> None:
        self._d_msgs[msg.sim_id] = msg
        self._kick()

    def add_message(self, msg: Message) -> None:
        super().add_message(msg)
        self.save_message(msg)

    def _messages_evicted(self, sim_ids: list[str]) -> None:
        for sid in sim_ids:
            self._d_msgs.pop(sid, None)
            self._x_msgs.add(sid)
        self._kick()

    def add_mo(self, mo: MoRecord) -> None:
        self._d_mo[mo.sim_id] = mo
        super().add_mo(mo)
        self._kick()

    def _mo_evicted(self, sim_ids: list[str]) -> None:
        for sid in sim_ids:
            self._d_mo.pop(sid, None)
            self._x_mo.add(sid)
        self._kick()

    def _pulled_in(self, key: tuple[str, str, str], entry: tuple[PullItem, float | None, int]) -> None:
        item, expires, eid = entry
        # a report or reply by reference; plain data (emay clicks) kept whole
        ref = item_ref(item) if isinstance(item, Report | MoRecord) else "v:" + dumps(encode(item))
        self._d_pull.append((eid, *key, ref, expires))
        self._kick()

    def _pulled_out(self, entry_ids: list[int]) -> None:
        self._x_pull += entry_ids
        self._kick()

    def add_attempt(self, attempt: CallbackAttempt) -> None:
        self._d_att[attempt.id] = attempt
        super().add_attempt(attempt)
        self._kick()

    def _drop_attempt(self, attempt_id: str) -> None:
        super()._drop_attempt(attempt_id)
        self._d_att.pop(attempt_id, None)
        self._x_att.add(attempt_id)
        self._kick()

    def add_request(self, log: RequestLog) -> None:
        self._d_req[log.id] = log
        super().add_request(log)
        self._kick()

    def _drop_request(self, request_id: str) -> None:
        super()._drop_request(request_id)
        self._d_req.pop(request_id, None)
        self._x_req.add(request_id)
        self._kick()

    def save_account(self, account: Account) -> None:
        self._d_accounts[account.key] = account
        self._kick()

    def save_scenario(self, scenario: Any) -> None:
        self._d_meta["scenario"] = dumps(scenario.model_dump(mode="json"))
        self._kick()

    def _new_collection(self, name: str) -> dict[str, Any]:
        self._d_coll.setdefault(name, set())

        def mark(key: Any) -> None:
            # the set of this commit (each commit starts new ones): never one kept from an earlier commit,
            # which would write every key ever marked again at each commit
            dirty = self._d_coll.get(name)
            if dirty is None:
                dirty = self._d_coll[name] = set()
            dirty.add(key)
            self._kick()

        return TrackedDict(mark)

    # the clock's journal
    def timer_added(self, timer: Timer) -> None:
        self._d_timers[timer.seq] = timer
        self._kick()

    def timer_removed(self, timer: Timer) -> None:
        if self._d_timers.pop(timer.seq, None) is None:
            self._x_timers.add(timer.seq)
        self._kick()

    def clock_changed(self, clock: Clock) -> None:
        self._d_meta["clock"] = dumps(clock.state())
        self._kick()

    def clear(self) -> None:
        super().clear()
        if self._ready:
            self._reset_dirty()
            self._wipe = True
            self._kick()

    # -- writing ---------------------------------------------------------------------------------------
    def unwritten(self, seq: int) -> bool:
        """Whether timer ``seq`` was made since the last write (nobody else knows it yet)."""
        return seq in self._d_timers

    def _fire_before_write(self) -> None:
        """Fire the due timers made since the last write (a delivery due at once), so that what they
        change goes in this write and they are never written and deleted themselves (the Sim sets
        ``before_write`` to the clock's :meth:`~.clock.Clock.fire_unwritten`)."""
        if self.before_write is None or not self._d_timers:
            return
        try:
            self.before_write(self._d_timers)
        except Exception:  # (a timer's own error is the clock's to report) the write goes on
            log.exception("firing the due timers before a write")

    def _flush_soon(self) -> None:
        self._fire_before_write()
        self._scheduled = None
        waiter, self._waiter = self._waiter, None
        try:
            self.flush()
        except Exception as e:
            if waiter is not None and not waiter.done():
                waiter.set_exception(e)
            raise
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def commit(self) -> None:
        if self._written == self._changes:
            return
        loop = asyncio.get_running_loop()
        if self._waiter is None:
            self._waiter = loop.create_future()
        if self._scheduled is None:
            self._scheduled = loop.call_soon(self._flush_soon)
        await asyncio.shield(self._waiter)

    def flush(self) -> None:
        """Write every change made so far in one transaction."""
        if self._written == self._changes:
            return
        target = self._changes
        self._write_changes()
        self._reset_dirty()
        self._written = target

    def _write_changes(self) -> None:
        """The backend: write every marked change at once, or raise and write nothing."""
        raise NotImplementedError


def _count_from(n: int) -> Iterator[int]:
    return itertools.count(n)


def _fast_json(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, a lone surrogate (header
        # bytes that are not UTF-8): escaped as ASCII, which _loads reads back
        return json.dumps(value, ensure_ascii=True, default=_json_default).encode()


def _loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # a row written by the ASCII fallback with \udcxx escapes
        return json.loads(data)


def _record_json(record: Any) -> bytes:
    """A dataclass record as JSON: orjson reads the fields itself (``dataclasses.asdict`` deep-copied
    every list and dict first: a fifth of a push's CPU with --redis); the same bytes as
    ``_fast_json(dataclasses.asdict(record))``, which is still the way when orjson cannot."""
    try:
        return orjson.dumps(record, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return _fast_json(dataclasses.asdict(record))


def _message_json(m: Message) -> bytes:
    return _fast_json(
        [
            m.sim_id, m.id, m.vendor, m.account, m.mobile, m.content, m.segments, m.cost, m.status,
            m.created_at, m.scheduled_at, m.sent_at, m.done_at, m.outcome, m.code, m.batch, m.request_id,
            m.extra, [(t.at, t.status, t.note) for t in m.timeline], m.callbacks, m.seq,
            [(r.outcome, r.code, r.at, r.segment, r.data) for r in m.reports],
        ]
    )  # fmt: skip


def _message_from_json(data: bytes | str) -> Message:
    (
        sim_id, id_, vendor, account, mobile, content, segments, cost, status, created_at, scheduled_at,
        sent_at, done_at, outcome, code, batch, request_id, extra, timeline, callbacks, seq, reports,
    ) = _loads(data)  # fmt: skip
    msg = Message(
        sim_id, id_, vendor, account, mobile, content, segments, cost, status, created_at, scheduled_at,
        sent_at, done_at, outcome, code, batch, request_id, extra,
        [TimelineEntry(*t) for t in timeline], callbacks, seq,
    )  # fmt: skip
    msg.reports = [Report(msg, o, c, at, seg, d) for o, c, at, seg, d in reports]
    return msg


def _request_row(r: RequestLog) -> tuple[Any, ...]:
    data = {
        "id": r.id,
        "vendor": r.vendor,
        "method": r.method,
        "path": r.path,
        "at": r.at,
        "remote": r.remote,
        "query": r.query,
        "request_headers": dict(r.request_headers),
        "status": r.status,
        "latency_ms": r.latency_ms,
        "request_size": r.request_size,
        "response_size": r.response_size,
        "response_headers": dict(r.response_headers),
        "warnings": r.warnings,
        "diagnosis": r.diagnosis,
        "seq": r.seq,
    }
    body = r.request_body.encode() if isinstance(r.request_body, str) else bytes(r.request_body)
    answer = r.response_body.encode() if isinstance(r.response_body, str) else bytes(r.response_body)
    return (r.id, r.seq, _fast_json(data), body, answer)
