"""Where the simulator keeps its records, behind an interface a persistent store can implement later.

Every state change of a message goes through the store (``add_message``, ``set_status``), so a durable
implementation can write them through.  Lookups on hot paths use indexes, never scans.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterable
from typing import Any, Protocol

from .models import CallbackAttempt, Message, MoRecord, Report, RequestLog, TimelineEntry


class Store(Protocol):
    """The operations the core and the vendors use; implemented by :class:`MemoryStore`."""

    def new_id(self, prefix: str) -> str: ...
    def add_message(self, msg: Message) -> None: ...
    def get_message(self, sim_id: str) -> Message | None: ...
    def messages_by_vendor_id(self, vendor: str | None, vendor_id: str) -> list[Message]: ...
    def query_messages(self, **filters: Any) -> list[Message]: ...
    def set_status(self, msg: Message, status: str, at: float, note: str = "") -> None: ...
    def add_event(self, msg: Message, at: float, event: str, note: str = "") -> None: ...
    def last_sender(self, vendor: str, mobile: str) -> str | None: ...
    def add_report(self, report: Report) -> None: ...
    def reports(self, vendor: str, account: str) -> list[Report]: ...
    def add_mo(self, mo: MoRecord) -> None: ...
    def query_mo(self, **filters: Any) -> list[MoRecord]: ...
    def pull_put(
        self, vendor: str, account: str, stream: str, item: Any, expires_at: float | None
    ) -> None: ...
    def pull_take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]: ...
    def pull_size(self, vendor: str, account: str, stream: str, now: float) -> int: ...
    def add_attempt(self, attempt: CallbackAttempt) -> None: ...
    def attempts(self, **filters: Any) -> list[CallbackAttempt]: ...
    def add_request(self, log: RequestLog) -> None: ...
    def get_request(self, request_id: str) -> RequestLog | None: ...
    def collection(self, name: str) -> dict[str, Any]: ...
    def clear(self) -> None: ...


class MemoryStore:
    """In-memory store.  ``max_requests`` bounds the raw request log (a ring buffer)."""

    def __init__(self, max_requests: int = 5000, max_attempts: int = 20000) -> None:
        self.max_requests = max_requests
        self.max_attempts = max_attempts
        self.clear()

    def clear(self) -> None:
        self._counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._messages: dict[str, Message] = {}
        self._by_vendor_id: dict[tuple[str, str], list[Message]] = defaultdict(list)
        self._by_mobile: dict[str, list[Message]] = defaultdict(list)
        self._by_account: dict[tuple[str, str], list[Message]] = defaultdict(list)
        self._last_sender: dict[tuple[str, str], str] = {}
        self._reports: dict[tuple[str, str], list[Report]] = defaultdict(list)
        self._mo: dict[str, MoRecord] = {}
        self._pull: dict[tuple[str, str, str], deque[tuple[Any, float | None]]] = defaultdict(deque)
        self._attempts: OrderedDict[str, CallbackAttempt] = OrderedDict()
        self._requests: OrderedDict[str, RequestLog] = OrderedDict()
        self._collections: dict[str, dict[str, Any]] = defaultdict(dict)

    # ids -----------------------------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._counters[prefix]):06d}"

    def next_number(self, name: str) -> int:
        """A per-name sequence (1, 2, 3…) for vendors' numeric ids."""
        return next(self._counters["#" + name])

    # messages ------------------------------------------------------------------------------------------
    def add_message(self, msg: Message) -> None:
        self._messages[msg.sim_id] = msg
        self._by_vendor_id[(msg.vendor, msg.id)].append(msg)
        self._by_mobile[msg.mobile].append(msg)
        self._by_account[(msg.vendor, msg.account)].append(msg)
        self._last_sender[(msg.vendor, msg.mobile)] = msg.account

    def get_message(self, sim_id: str) -> Message | None:
        return self._messages.get(sim_id)

    def messages_by_vendor_id(self, vendor: str | None, vendor_id: str) -> list[Message]:
        if vendor is not None:
            return list(self._by_vendor_id.get((vendor, vendor_id), ()))
        return [m for (v, i), ms in self._by_vendor_id.items() if i == vendor_id for m in ms]

    def query_messages(
        self,
        vendor: str | None = None,
        account: str | None = None,
        mobile: str | None = None,
        status: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> list[Message]:
        source: Iterable[Message]
        if mobile is not None:
            source = self._by_mobile.get(mobile, ())
        elif vendor is not None and account is not None:
            source = self._by_account.get((vendor, account), ())
        else:
            source = self._messages.values()
        out = [
            m
            for m in source
            if (vendor is None or m.vendor == vendor)
            and (account is None or m.account == account)
            and (status is None or m.status == status)
            and (since is None or m.created_at >= since)
        ]
        return out[-limit:] if limit else out

    def set_status(self, msg: Message, status: str, at: float, note: str = "") -> None:
        msg.status = status
        msg.timeline.append(TimelineEntry(at, status, note))

    def add_event(self, msg: Message, at: float, event: str, note: str = "") -> None:
        msg.timeline.append(TimelineEntry(at, event, note))

    def last_sender(self, vendor: str, mobile: str) -> str | None:
        return self._last_sender.get((vendor, mobile))

    # reports and replies -------------------------------------------------------------------------------
    def add_report(self, report: Report) -> None:
        self._reports[(report.message.vendor, report.message.account)].append(report)

    def reports(self, vendor: str, account: str) -> list[Report]:
        return list(self._reports.get((vendor, account), ()))

    def add_mo(self, mo: MoRecord) -> None:
        self._mo[mo.sim_id] = mo

    def query_mo(
        self, vendor: str | None = None, account: str | None = None, mobile: str | None = None
    ) -> list[MoRecord]:
        return [
            m
            for m in self._mo.values()
            if (vendor is None or m.vendor == vendor)
            and (account is None or m.account == account)
            and (mobile is None or m.mobile == mobile)
        ]

    # pull queues: each item handed out once, dropped when its retention ends ----------------------------
    def pull_put(self, vendor: str, account: str, stream: str, item: Any, expires_at: float | None) -> None:
        self._pull[(vendor, account, stream)].append((item, expires_at))

    def pull_take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]:
        q = self._pull.get((vendor, account, stream))
        out: list[Any] = []
        while q and len(out) < limit:
            item, expires_at = q.popleft()
            if expires_at is None or expires_at > now:
                out.append(item)
        return out

    def pull_size(self, vendor: str, account: str, stream: str, now: float) -> int:
        q = self._pull.get((vendor, account, stream), ())
        return sum(1 for _, exp in q if exp is None or exp > now)

    # callback attempts and raw API requests --------------------------------------------------------------
    def add_attempt(self, attempt: CallbackAttempt) -> None:
        self._attempts[attempt.id] = attempt
        while len(self._attempts) > self.max_attempts:
            self._attempts.popitem(last=False)

    def attempts(
        self,
        vendor: str | None = None,
        account: str | None = None,
        stream: str | None = None,
        message: str | None = None,
    ) -> list[CallbackAttempt]:
        return [
            a
            for a in self._attempts.values()
            if (vendor is None or a.vendor == vendor)
            and (account is None or a.account == account)
            and (stream is None or a.stream == stream)
            and (message is None or message in a.message_ids)
        ]

    def get_attempt(self, attempt_id: str) -> CallbackAttempt | None:
        return self._attempts.get(attempt_id)

    def add_request(self, log: RequestLog) -> None:
        self._requests[log.id] = log
        while len(self._requests) > self.max_requests:
            self._requests.popitem(last=False)

    def get_request(self, request_id: str) -> RequestLog | None:
        return self._requests.get(request_id)

    def requests(self, vendor: str | None = None) -> list[RequestLog]:
        return [r for r in self._requests.values() if vendor is None or r.vendor == vendor]

    # vendor-owned records (apps, signatures, templates, short links…) ----------------------------------
    def collection(self, name: str) -> dict[str, Any]:
        return self._collections[name]
