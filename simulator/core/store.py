"""Where the simulator keeps its records: bounded, indexed and pageable.

:class:`MemoryStore` keeps everything in this process (the CI default, the fastest);
:class:`simulator.core.sqlite.SqliteStore` is the same store written through to SQLite with group
commits, so a restart finds everything again.  Every change goes through a method here (``add_*``,
``set_status``, ``add_event``, ``save_*``), which is what lets a durable store know what to write.

Bounds: at most ``max_messages`` messages (the oldest *finished* ones are evicted with their reports,
pull-queue entries, callback attempts and request-log entries; MO likewise), ``max_attempts`` callback
attempts, and a request log of at most ``max_requests`` entries and ``max_request_bytes`` bytes, each
body kept up to ``body_limit`` bytes (with its full length recorded).

Pages: ``page_*`` answer ``(items, next_cursor, total)``; a cursor is the ``seq`` of the last item
handed out, so pages stay stable while new records arrive.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from . import billing, quotas
from .accounts import Account
from .models import (
    FINAL_STATUSES,
    CallbackAttempt,
    Message,
    MoRecord,
    Report,
    RequestLog,
    TimelineEntry,
)

T = TypeVar("T")
PullItem = Report | MoRecord | dict  # a dict: plain data a vendor queues itself (emay clicks)

DEFAULT_MAX_MESSAGES = 100_000
DEFAULT_MAX_REQUEST_BYTES = 64 << 20
DEFAULT_BODY_LIMIT = 64 << 10


class Store(Protocol):
    """The operations the core and the vendors use."""

    durable: bool

    def new_id(self, prefix: str) -> str: ...
    def next_number(self, name: str, spread: int = 0) -> int: ...
    def add_message(self, msg: Message) -> None: ...
    def get_message(self, sim_id: str) -> Message | None: ...
    def messages_by_vendor_id(self, vendor: str | None, vendor_id: str) -> list[Message]: ...
    def query_messages(self, **filters: Any) -> list[Message]: ...
    def set_status(self, msg: Message, status: str, at: float, note: str = "") -> None: ...
    def add_event(self, msg: Message, at: float, event: str, note: str = "") -> None: ...
    def save_message(self, msg: Message) -> None: ...
    def last_sender(self, vendor: str, mobile: str) -> str | None: ...
    def add_report(self, report: Report) -> None: ...
    def reports(self, vendor: str, account: str) -> list[Report]: ...
    def resolve(self, ref: str) -> Report | MoRecord | None: ...
    def add_mo(self, mo: MoRecord) -> None: ...
    def get_mo(self, sim_id: str) -> MoRecord | None: ...
    def query_mo(self, **filters: Any) -> list[MoRecord]: ...
    def pull_put(
        self, vendor: str, account: str, stream: str, item: PullItem, expires_at: float | None
    ) -> None: ...
    def pull_take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]: ...
    def pull_size(self, vendor: str, account: str, stream: str, now: float) -> int: ...
    def pull_depths(self, now: float) -> dict[tuple[str, str, str], int]: ...
    def count_messages(self) -> int: ...
    def status_counts(self) -> dict[str, int]: ...
    def sizes(self) -> dict[str, int]: ...
    def add_attempt(self, attempt: CallbackAttempt) -> None: ...
    def attempts(self, **filters: Any) -> list[CallbackAttempt]: ...
    def add_request(self, log: RequestLog) -> None: ...
    def get_request(self, request_id: str) -> RequestLog | None: ...
    def save_account(self, account: Account) -> None: ...
    def collection(self, name: str) -> dict[str, Any]: ...
    async def charge(self, account: Account, units: int, allow_negative: bool | None = None) -> None: ...
    def refund(self, account: Account, units: int) -> None: ...
    async def claim_once(self, name: str, key: str, expires_at: float, now: float) -> bool: ...
    async def count_send(
        self, limits: dict[str, Any], vendor: str, account: str, mobile: str, content: str, now: float
    ) -> str | None: ...
    async def take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]: ...
    def clear(self) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def commit(self) -> None: ...
    def unavailable(self, exc: BaseException) -> bool: ...

    warnings: tuple[str, ...]


def page(
    source: Sequence[T],
    seq: Callable[[T], int],
    keep: Callable[[T], bool] | None,
    limit: int,
    cursor: int | None,
    newest_first: bool,
    total: int | None = None,
) -> tuple[list[T], int | None, int]:
    """One page of ``source`` (ordered by ``seq``): up to ``limit`` items after ``cursor`` that pass
    ``keep``, the cursor of the next page (None on the last) and how many items pass in all."""
    if newest_first:
        end = len(source) if cursor is None else bisect.bisect_left(source, cursor, key=seq)
        indexes: Iterable[int] = range(end - 1, -1, -1)
    else:
        start = 0 if cursor is None else bisect.bisect_right(source, cursor, key=seq)
        indexes = range(start, len(source))
    out: list[T] = []
    more = False
    for i in indexes:
        item = source[i]
        if keep is None or keep(item):
            if len(out) == limit:
                more = True
                break
            out.append(item)
    if total is None:
        total = len(source) if keep is None else sum(1 for x in source if keep(x))
    return out, (seq(out[-1]) if more and out else None), total


def _seq(x: Any) -> int:
    return x.seq


def item_ref(item: Report | MoRecord) -> str:
    """How batches, queues and files refer to a report or a reply: ``r:<sim_id>/<segment>`` or
    ``mo:<sim_id>`` (:meth:`MemoryStore.resolve` turns it back)."""
    return f"r:{item.id}" if isinstance(item, Report) else f"mo:{item.sim_id}"


def _ix_add(index: dict[str, Any], key: str, msg: Message) -> None:
    have = index.get(key)
    if have is None:
        index[key] = msg
    elif isinstance(have, list):
        have.append(msg)
    else:
        index[key] = [have, msg]


def _ix_get(index: dict[str, Any], key: str) -> list[Message]:
    have = index.get(key)
    if have is None:
        return []
    return list(have) if isinstance(have, list) else [have]


def _ix_drop(index: dict[str, Any], gone: dict[str, list[Message]]) -> None:
    """Take the ``gone`` messages (by key) out of ``index``: each found by its seq when they are few
    among the key's (a kx taskid or a busy number holds thousands), else the key's list rebuilt."""
    for key, msgs in gone.items():
        have = index.get(key)
        if isinstance(have, list):
            if len(msgs) * 8 < len(have) and all([_ix_del(have, m) for m in msgs]):
                kept = have
            else:
                dead = {m.sim_id for m in msgs}
                kept = [m for m in have if m.sim_id not in dead]
            if not kept:
                del index[key]
            elif len(kept) == 1:
                index[key] = kept[0]
            elif kept is not have:
                index[key] = kept
        elif have is not None and any(have is m for m in msgs):
            del index[key]


def _ix_del(have: list[Message], msg: Message) -> bool:
    """Delete ``msg`` from ``have`` (in seq order, as a rule) where its seq says it is; False if not there."""
    i = bisect.bisect_left(have, msg.seq, key=_seq)
    if i < len(have) and have[i] is msg:
        del have[i]
        return True
    return False


def _drop_front(lst: list[Message], gone: dict[str, Message], count: int, newest: int) -> bool:
    """Take the ``count`` messages of ``gone`` that ``lst`` holds out of it when they all sit near its
    front (the oldest finish first, as a rule): only that front is rebuilt.  False, and ``lst`` as it
    was, when they do not (the caller leaves them for :func:`_compact`)."""
    reach = min(len(lst), 8 * count + 64)
    if not reach or lst[reach - 1].seq < newest:  # the newest of them lies further on (seq order)
        return False
    end = 0
    for i, m in enumerate(itertools.islice(lst, reach)):
        if m.sim_id in gone:
            count -= 1
            if not count:
                end = i + 1
                break
    if not end:
        return False
    lst[:end] = [m for m in itertools.islice(lst, end) if m.sim_id not in gone]
    return True


def _compact(lst: list[Message], live: dict[str, Message]) -> None:
    """Keep in ``lst`` (in place) only the messages ``live`` still holds."""
    lst[:] = [m for m in lst if live.get(m.sim_id) is m]


class MemoryStore:
    """Everything in this process's memory, bounded (see the module docstring)."""

    durable = False

    def __init__(
        self,
        max_requests: int = 5000,
        max_attempts: int = 20000,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        body_limit: int = DEFAULT_BODY_LIMIT,
        seeded: bool = True,
    ) -> None:
        self.max_requests = max_requests
        self.max_attempts = max_attempts
        self.max_messages = max(1, max_messages)
        self.max_request_bytes = max_request_bytes
        self.body_limit = body_limit
        # seeded: sequences start at 1 after every reset (repeatable runs); unseeded: they start at a
        # random point and go on across resets, so ids never repeat from one run to the next
        self.seeded = seeded
        self._counters: dict[str, int] = {}
        self._seq = itertools.count(1)
        self.clear()

    def clear(self) -> None:
        if self.seeded:
            self._counters = {}
        self._messages: dict[str, Message] = {}
        self._order: list[Message] = []
        # vendor → vendor id → message(s); mobile → message(s): a lone message is kept as itself, not in
        # a list of one (most ids and numbers have one message: a list each costs ~70 bytes)
        self._by_vendor_id: dict[str, dict[str, Message | list[Message]]] = defaultdict(dict)
        self._by_mobile: dict[str, Message | list[Message]] = {}
        self._by_account: dict[tuple[str, str], list[Message]] = defaultdict(list)
        self._by_vendor: dict[str, list[Message]] = defaultdict(list)
        self._last_sender: dict[str, dict[str, str]] = defaultdict(dict)  # vendor → mobile → account
        self._finished: deque[Message] = deque()  # eviction candidates, in the order they finished
        self._dead = 0  # evicted messages the ordered indexes (_order, _by_account, _by_vendor) still hold
        self._mo: dict[str, MoRecord] = {}
        self._pull: dict[tuple[str, str, str], deque[tuple[PullItem, float | None, int]]] = defaultdict(deque)
        self._pull_ids = itertools.count(1)
        self._attempts: OrderedDict[str, CallbackAttempt] = OrderedDict()
        self._requests: OrderedDict[str, RequestLog] = OrderedDict()
        self._request_bytes = 0
        self._collections: dict[str, dict[str, Any]] = {}

    # ids -----------------------------------------------------------------------------------------------
    def _count(self, name: str, spread: int = 0) -> int:
        n = self._counters.get(name)
        if n is None:
            n = random.randrange(spread) if spread and not self.seeded else 0
        n += 1
        self._counters[name] = n
        return n

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{self._count(prefix):06d}"

    def next_number(self, name: str, spread: int = 0) -> int:
        """A per-name sequence (1, 2, 3… when seeded) for vendors' numeric ids.  ``spread``: without a
        seed, start at a random point below it, so a vendor id handed to a customer is not handed out
        again by the next run."""
        return self._count("#" + name, spread)

    # messages ------------------------------------------------------------------------------------------
    def add_message(self, msg: Message) -> None:
        msg.seq = next(self._seq)
        self._index(msg)
        self._last_sender[msg.vendor][msg.mobile] = msg.account
        if len(self._messages) > self.max_messages:
            self._evict_messages()

    def _index(self, msg: Message) -> None:
        self._messages[msg.sim_id] = msg
        self._order.append(msg)
        _ix_add(self._by_vendor_id[msg.vendor], msg.id, msg)
        _ix_add(self._by_mobile, msg.mobile, msg)
        self._by_account[(msg.vendor, msg.account)].append(msg)
        self._by_vendor[msg.vendor].append(msg)

    def get_message(self, sim_id: str) -> Message | None:
        return self._messages.get(sim_id)

    def messages_by_vendor_id(self, vendor: str | None, vendor_id: str) -> list[Message]:
        if vendor is not None:
            return _ix_get(self._by_vendor_id.get(vendor, {}), vendor_id)
        return [m for ids in self._by_vendor_id.values() for m in _ix_get(ids, vendor_id)]

    def _message_source(
        self, vendor: str | None, account: str | None, mobile: str | None
    ) -> tuple[Sequence[Message], bool]:
        """The narrowest index for the filters, and whether it already applies all three."""
        if self._dead:
            self._compact()
        if mobile is not None:
            return _ix_get(self._by_mobile, mobile), vendor is None and account is None
        if vendor is not None and account is not None:
            return self._by_account.get((vendor, account), ()), True
        if vendor is not None:
            return self._by_vendor.get(vendor, ()), True
        return self._order, account is None

    @staticmethod
    def _message_filter(
        vendor: str | None,
        account: str | None,
        mobile: str | None,
        status: str | None,
        since: float | None,
        text: str | None = None,
    ) -> Callable[[Message], bool]:
        def keep(m: Message) -> bool:
            return (
                (vendor is None or m.vendor == vendor)
                and (account is None or m.account == account)
                and (mobile is None or m.mobile == mobile)
                and (status is None or m.status == status)
                and (since is None or m.created_at >= since)
                and (text is None or text in m.content)
            )

        return keep

    def query_messages(
        self,
        vendor: str | None = None,
        account: str | None = None,
        mobile: str | None = None,
        status: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> list[Message]:
        """Every matching message, oldest first (the last ``limit`` when given)."""
        source, exact = self._message_source(vendor, account, mobile)
        if exact and status is None and since is None:
            out = list(source)
        else:
            keep = self._message_filter(vendor, account, mobile, status, since)
            out = [m for m in source if keep(m)]
        return out[-limit:] if limit else out

    def page_messages(
        self,
        limit: int,
        cursor: int | None = None,
        newest_first: bool = True,
        vendor: str | None = None,
        account: str | None = None,
        mobile: str | None = None,
        status: str | None = None,
        since: float | None = None,
        text: str | None = None,
    ) -> tuple[list[Message], int | None, int]:
        source, exact = self._message_source(vendor, account, mobile)
        if exact and since is not None:
            # created_at never decreases along an index (the clock does not go backwards)
            source = source[bisect.bisect_left(source, since, key=lambda m: m.created_at) :]
            since = None
        if exact and status is None and since is None and text is None:
            return page(source, _seq, None, limit, cursor, newest_first)
        keep = self._message_filter(vendor, account, mobile, status, since, text)
        total = None
        if exact and since is None and text is None:  # only the status left to check: count it fast
            total = sum(1 for m in source if m.status == status)
        return page(source, _seq, keep, limit, cursor, newest_first, total)

    def count_messages(self) -> int:
        return len(self._messages)

    def status_counts(self) -> dict[str, int]:
        """Stored messages by status (for metrics, at scrape time: one pass, nothing kept per request)."""
        return dict(Counter(m.status for m in self._messages.values()))

    def sizes(self) -> dict[str, int]:
        """How much is kept: messages, MO, callback attempts, journaled requests and their bytes."""
        return {
            "messages": len(self._messages),
            "mo": len(self._mo),
            "callback_attempts": len(self._attempts),
            "requests": len(self._requests),
            "request_bytes": self._request_bytes,
        }

    def set_status(self, msg: Message, status: str, at: float, note: str = "") -> None:
        was_finished = self.finished(msg)
        msg.status = status
        msg.timeline.append(TimelineEntry(at, status, note))
        if not was_finished and self.finished(msg):
            self._finished.append(msg)
        self.save_message(msg)

    def add_event(self, msg: Message, at: float, event: str, note: str = "") -> None:
        msg.timeline.append(TimelineEntry(at, event, note))
        if event == "no_report":  # the carrier will never answer: the message is finished
            self._finished.append(msg)
        self.save_message(msg)

    def save_message(self, msg: Message) -> None:
        """The message changed (a durable store writes it at the next commit)."""

    def last_sender(self, vendor: str, mobile: str) -> str | None:
        return self._last_sender[vendor].get(mobile) if vendor in self._last_sender else None

    @staticmethod
    def finished(msg: Message) -> bool:
        """Nothing will happen to it any more: a final state, or a carrier that never reports."""
        return msg.status in FINAL_STATUSES or msg.outcome == "no_report"

    def _evict_messages(self) -> None:
        """Drop the messages that finished first (a thousandth of the bound at a time), with what hangs on
        them: reports in pull queues, callback attempts, the request that created them.

        The ordered indexes are lists (pages bisect them by seq).  The evicted finished first, so as a
        rule they lead those lists and only the front is rebuilt (``_drop_front``): the cost follows the
        number evicted, not the number kept.  With a backlog of messages still under way at the front
        (a frozen clock's, a slow scenario's) the evicted are the newest instead, and rebuilding every
        list up to them at each eviction held the loop 90% of the time; those are left in the lists and
        taken out all at once when an eighth of what the lists hold is evicted, or before the lists are
        next read (``_compact``): at most an eighth more kept meanwhile."""
        chunk = max(1, self.max_messages // 1000)
        target = len(self._messages) - self.max_messages + chunk
        if len(self._finished) < min(chunk, target):  # too few finished yet: the rest are under way
            return
        gone: dict[str, Message] = {}
        while self._finished and len(gone) < target:
            m = self._finished.popleft()
            if self._messages.get(m.sim_id) is m:
                gone[m.sim_id] = m
        if not gone:
            return
        fronts = [(self._order, len(gone))]
        fronts += [
            (self._by_account[k], n) for k, n in Counter((m.vendor, m.account) for m in gone.values()).items()
        ]
        fronts += [(self._by_vendor[v], n) for v, n in Counter(m.vendor for m in gone.values()).items()]
        newest = max(m.seq for m in gone.values())
        for lst, n in fronts:
            if not _drop_front(lst, gone, n, newest):
                self._dead += len(gone)  # left in the indexes (some or all): taken out by _compact
                break
        for m in gone.values():
            del self._messages[m.sim_id]
            for cid in m.callbacks:
                self._drop_attempt(cid)
            if m.request_id:
                self._drop_request(m.request_id)
        by_mobile: dict[str, list[Message]] = defaultdict(list)
        by_id: dict[str, dict[str, list[Message]]] = defaultdict(lambda: defaultdict(list))
        for m in gone.values():
            by_mobile[m.mobile].append(m)
            by_id[m.vendor][m.id].append(m)
        _ix_drop(self._by_mobile, by_mobile)
        for v, ids in by_id.items():
            _ix_drop(self._by_vendor_id[v], ids)
        self._purge_pull()
        for m in gone.values():
            m.reports = ()  # a report points back at its message: break the cycle, free it at once
        if self._dead * 8 > len(self._order):
            self._compact()
        self._messages_evicted(list(gone))

    def _compact(self) -> None:
        """Take the evicted messages out of the ordered indexes."""
        live = self._messages
        _compact(self._order, live)
        for lists in (self._by_account, self._by_vendor):
            for key, lst in list(lists.items()):
                _compact(lst, live)
                if not lst:
                    del lists[key]
        self._dead = 0

    def _messages_evicted(self, sim_ids: list[str]) -> None:
        """Hook for a durable store."""

    # reports and replies -------------------------------------------------------------------------------
    def add_report(self, report: Report) -> None:
        msg = report.message
        msg.reports = (*msg.reports, report)
        self.save_message(msg)

    def reports(self, vendor: str, account: str) -> list[Report]:
        if self._dead:
            self._compact()
        return [r for m in self._by_account.get((vendor, account), ()) for r in m.reports]

    def get_report(self, ref: str) -> Report | None:
        sim_id, _, segment = ref.rpartition("/")
        msg = self._messages.get(sim_id)
        if msg is None:
            return None
        return next((r for r in msg.reports if str(r.segment) == segment), None)

    def resolve(self, ref: str) -> Report | MoRecord | None:
        """The report or reply an :func:`item_ref` names, if it is still stored."""
        kind, _, rid = ref.partition(":")
        if kind == "r":
            return self.get_report(rid)
        return self.get_mo(rid) if kind == "mo" else None

    def add_mo(self, mo: MoRecord) -> None:
        mo.seq = next(self._seq)
        self._mo[mo.sim_id] = mo
        if len(self._mo) > self.max_messages:
            self._evict_mo()

    def _evict_mo(self) -> None:
        """The oldest replies, a thousandth of the bound at a time."""
        n = len(self._mo) - self.max_messages + max(1, self.max_messages // 1000)
        gone = set(itertools.islice(self._mo, n))
        for sid in gone:
            del self._mo[sid]
        self._purge_pull()
        self._mo_evicted(list(gone))

    def _mo_evicted(self, sim_ids: list[str]) -> None:
        """Hook for a durable store."""

    def get_mo(self, sim_id: str) -> MoRecord | None:
        return self._mo.get(sim_id)

    def _mo_filter(
        self, vendor: str | None, account: str | None, mobile: str | None
    ) -> Callable[[MoRecord], bool] | None:
        if vendor is None and account is None and mobile is None:
            return None
        return lambda m: (
            (vendor is None or m.vendor == vendor)
            and (account is None or m.account == account)
            and (mobile is None or m.mobile == mobile)
        )

    def query_mo(
        self, vendor: str | None = None, account: str | None = None, mobile: str | None = None
    ) -> list[MoRecord]:
        keep = self._mo_filter(vendor, account, mobile)
        return [m for m in self._mo.values() if keep is None or keep(m)]

    def page_mo(
        self,
        limit: int,
        cursor: int | None = None,
        newest_first: bool = True,
        vendor: str | None = None,
        account: str | None = None,
        mobile: str | None = None,
    ) -> tuple[list[MoRecord], int | None, int]:
        return page(
            list(self._mo.values()),
            _seq,
            self._mo_filter(vendor, account, mobile),
            limit,
            cursor,
            newest_first,
        )

    # pull queues: each item handed out once, dropped when its retention ends ----------------------------
    def pull_put(
        self, vendor: str, account: str, stream: str, item: PullItem, expires_at: float | None
    ) -> None:
        entry = (item, expires_at, next(self._pull_ids))
        self._pull[(vendor, account, stream)].append(entry)
        self._pulled_in((vendor, account, stream), entry)

    def _pulled_in(self, key: tuple[str, str, str], entry: tuple[PullItem, float | None, int]) -> None:
        """Hook for a durable store."""

    def _pulled_out(self, entry_ids: list[int]) -> None:
        """Hook for a durable store."""

    def pull_take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]:
        q = self._pull.get((vendor, account, stream))
        out: list[Any] = []
        taken: list[int] = []
        while q and len(out) < limit:
            item, expires_at, eid = q.popleft()
            taken.append(eid)
            if (expires_at is None or expires_at > now) and self._live(item):
                out.append(item)
        if taken:
            self._pulled_out(taken)
        return out

    async def take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]:
        """:meth:`pull_take` as vendors call it: a shared store hands each item out once across every
        process sharing it, which takes a round trip."""
        return self.pull_take(vendor, account, stream, limit, now)

    def pull_size(self, vendor: str, account: str, stream: str, now: float) -> int:
        """Items waiting in a queue: its entries less the run of expired or evicted ones at its front.
        Reports and replies are queued, finish, expire and are evicted in about the same order, so
        that run is the dead entries (an evicted record's lead the queue until the eviction drops
        them); one that expired or was evicted behind a live entry counts until the queue is read.
        Counting every entry held the loop for 23-27 ms at 100,000 queued, at every metrics scrape."""
        q = self._pull.get((vendor, account, stream))
        if not q:
            return 0
        dead = 0
        for item, exp, _ in q:
            if (exp is None or exp > now) and self._live(item):
                break
            dead += 1
        return len(q) - dead

    def pull_depths(self, now: float) -> dict[tuple[str, str, str], int]:
        """(vendor, account, stream) → items waiting to be pulled, for every queue that has held any."""
        return {key: self.pull_size(*key, now) for key in list(self._pull)}

    def _live(self, item: PullItem) -> bool:
        """Still stored (not evicted)."""
        if isinstance(item, Report):
            return self._messages.get(item.message.sim_id) is item.message
        if isinstance(item, MoRecord):
            return self._mo.get(item.sim_id) is item
        return True  # plain data a vendor queues itself (emay short-link clicks)

    def _purge_pull(self) -> None:
        """Drop the queue entries of evicted records.  They finished first, so they lead their queues:
        pop from the front; one held behind a live entry (rare: a report routed again) is skipped when
        the queue is read and dropped once the entries before it go."""
        dropped: list[int] = []
        for key, q in self._pull.items():
            before = len(dropped)
            while q and not self._live(q[0][0]):
                dropped.append(q.popleft()[2])
            if len(dropped) > before:
                self._purged(key)
        if dropped:
            self._pulled_out(dropped)

    def _purged(self, key: tuple[str, str, str]) -> None:
        """Hook for a shared store: entries of evicted records left the front of queue ``key``."""

    # callback attempts and raw API requests --------------------------------------------------------------
    def add_attempt(self, attempt: CallbackAttempt) -> None:
        attempt.seq = next(self._seq)
        self._attempts[attempt.id] = attempt
        while len(self._attempts) > self.max_attempts:
            self._drop_attempt(next(iter(self._attempts)))

    def _drop_attempt(self, attempt_id: str) -> None:
        self._attempts.pop(attempt_id, None)

    def _attempt_filter(
        self, vendor: str | None, account: str | None, stream: str | None, message: str | None
    ) -> Callable[[CallbackAttempt], bool]:
        return lambda a: (
            (vendor is None or a.vendor == vendor)
            and (account is None or a.account == account)
            and (stream is None or a.stream == stream)
            and (message is None or message in a.message_ids)
        )

    def attempts(
        self,
        vendor: str | None = None,
        account: str | None = None,
        stream: str | None = None,
        message: str | None = None,
    ) -> list[CallbackAttempt]:
        keep = self._attempt_filter(vendor, account, stream, message)
        return [a for a in self._attempts.values() if keep(a)]

    def page_attempts(
        self,
        limit: int,
        cursor: int | None = None,
        newest_first: bool = True,
        vendor: str | None = None,
        account: str | None = None,
        stream: str | None = None,
        message: str | None = None,
        failed: bool | None = None,
    ) -> tuple[list[CallbackAttempt], int | None, int]:
        keep = self._attempt_filter(vendor, account, stream, message)
        if failed is not None:
            base = keep
            keep = lambda a: base(a) and a.ok is not failed  # noqa: E731
        filtered = any(x is not None for x in (vendor, account, stream, message, failed))
        return page(
            list(self._attempts.values()), _seq, keep if filtered else None, limit, cursor, newest_first
        )

    def get_attempt(self, attempt_id: str) -> CallbackAttempt | None:
        return self._attempts.get(attempt_id)

    def add_request(self, log: RequestLog) -> None:
        log.seq = next(self._seq)
        limit = self.body_limit
        if len(log.request_body) > limit:
            log.request_size = len(log.request_body)
            log.request_body = log.request_body[:limit]
        if len(log.response_body) > limit:
            log.response_size = len(log.response_body)
            log.response_body = log.response_body[:limit]
        self._requests[log.id] = log
        log.kept_bytes = log.size()
        self._request_bytes += log.kept_bytes
        while self._requests and (
            len(self._requests) > self.max_requests or self._request_bytes > self.max_request_bytes
        ):
            self._drop_request(next(iter(self._requests)))

    def _drop_request(self, request_id: str) -> None:
        log = self._requests.pop(request_id, None)
        if log is not None:
            self._request_bytes -= log.kept_bytes

    def get_request(self, request_id: str) -> RequestLog | None:
        return self._requests.get(request_id)

    def requests(self, vendor: str | None = None) -> list[RequestLog]:
        return [r for r in self._requests.values() if vendor is None or r.vendor == vendor]

    def page_requests(
        self,
        limit: int,
        cursor: int | None = None,
        newest_first: bool = True,
        vendor: str | None = None,
        failed: bool | None = None,
    ) -> tuple[list[RequestLog], int | None, int]:
        def keep(r: RequestLog) -> bool:
            return (vendor is None or r.vendor == vendor) and (
                failed is None or ((r.status or 0) >= 400) is failed
            )

        filtered = vendor is not None or failed is not None
        return page(
            list(self._requests.values()), _seq, keep if filtered else None, limit, cursor, newest_first
        )

    # accounts ------------------------------------------------------------------------------------------
    def save_account(self, account: Account) -> None:
        """An account changed (balance, mode, URLs, options): a durable store writes it."""

    # vendor-owned records (apps, signatures, templates, short links, replay caches…) -------------------
    # balances and once-only keys: exact across processes on a shared store ------------------------------
    async def charge(self, account: Account, units: int, allow_negative: bool | None = None) -> None:
        """Take ``units`` from the balance or raise ``insufficient_balance`` (:func:`billing.charge`)."""
        billing.charge(account, units, allow_negative)

    def refund(self, account: Account, units: int) -> None:
        billing.refund(account, units)

    async def claim_once(self, name: str, key: str, expires_at: float, now: float) -> bool:
        """Whether ``key`` is new in ``name`` (or its last claim expired), claiming it until
        ``expires_at``.  A vendor's own collection already refused repeats in this process; a shared
        store makes the claim exact across processes."""
        return True

    async def count_send(
        self, limits: dict[str, Any], vendor: str, account: str, mobile: str, content: str, now: float
    ) -> str | None:
        """The quota limit (core/quotas.py) a message to ``mobile`` would pass, else count it and None;
        a shared store makes the count exact across processes."""
        return quotas.check(self.collection(quotas.COLLECTION), limits, vendor, account, mobile, content, now)

    def collection(self, name: str) -> dict[str, Any]:
        coll = self._collections.get(name)
        if coll is None:
            coll = self._collections[name] = self._new_collection(name)
        return coll

    def _new_collection(self, name: str) -> dict[str, Any]:
        return {}

    # durability ----------------------------------------------------------------------------------------
    def save_scenario(self, scenario: Any) -> None:
        """The scenario in force changed: a durable store writes it."""

    def load(self, build_account: Callable[[dict], Account], build_scenario: Callable[[Any], Any]) -> Any:
        """A durable store fills itself from its file and returns what else it kept; memory: None."""
        return None

    async def start(self) -> None:
        """The app started (a shared store begins following the other processes)."""

    async def stop(self) -> None:
        """The app is stopping."""

    warnings: tuple[str, ...] = ()  # what the store noticed that the user should know (GET /_sim/health)

    def unavailable(self, exc: BaseException) -> bool:
        """Whether ``exc`` says the store is out of reach for now (a shared store's server down or
        restarting), not that something is wrong: the request is answered as the vendor's system error,
        with one log line a second."""
        return False

    async def commit(self) -> None:
        """Return once every change made so far is durable (nothing to do in memory)."""

    def close(self) -> None:
        """Write what is pending and let go of files (nothing to do in memory)."""
