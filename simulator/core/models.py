"""The records the simulator keeps: messages, reports, replies, callback attempts, API requests.

Plain dataclasses with a one-line comment per field; :mod:`simulator.core.store` keeps and indexes them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal


def body_text(body: bytes | str, limit: int = 65536) -> str:
    """A recorded body as text: UTF-8 when it is, else ``base64:…``; at most ``limit`` bytes."""
    if isinstance(body, str):
        return body
    try:
        return body[:limit].decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(body[:limit]).decode()


EMPTY: Mapping[str, Any] = MappingProxyType({})  # one shared empty mapping for records that have none

# Vendor-neutral message states.
Status = Literal[
    "accepted", "scheduled", "sent", "delivered", "undeliverable", "expired", "rejected", "cancelled"
]
STATUSES = ("accepted", "scheduled", "sent", "delivered", "undeliverable", "expired", "rejected", "cancelled")
FINAL_STATUSES = frozenset({"delivered", "undeliverable", "expired", "rejected", "cancelled"})

# Vendor-neutral outcomes a scenario can ask for, and the status each ends in.
OUTCOME_STATUS: dict[str, str] = {
    "delivered": "delivered",
    "undeliverable": "undeliverable",
    "expired": "expired",
    "rejected": "rejected",
    "blacklisted": "rejected",
    "no_report": "sent",  # the carrier never answers: the message stays sent, no report is made
}
OUTCOMES = tuple(OUTCOME_STATUS)


@dataclass(slots=True)
class TimelineEntry:
    at: float  # simulated time, epoch seconds
    status: str  # the state entered, or an event name (report, callback, mo)
    note: str = ""  # free text: why, or which callback attempt


@dataclass(slots=True)
class Message:
    sim_id: str  # the simulator's own unique id (m-000001)
    id: str  # the vendor's own message id (unique per recipient, except kx taskids shared per request)
    vendor: str  # vendor key
    account: str  # account id within the vendor
    mobile: str  # recipient, as the vendor normalised it
    content: str  # the text the phone receives (signature included)
    segments: int  # billed segments
    cost: int = 0  # units taken from the balance (refunded when a scheduled send is cancelled)
    status: str = "accepted"  # one of STATUSES
    created_at: float = 0.0  # when the API accepted it (simulated clock)
    scheduled_at: float | None = None  # timer send: when it is due
    sent_at: float | None = None  # handed to the carrier
    done_at: float | None = None  # final state reached
    outcome: str | None = None  # scenario outcome chosen (delivered, blacklisted, …)
    code: str | None = None  # the vendor's report code for the outcome (DELIVRD, F1120, …)
    batch: str | None = None  # request-level id (kx taskid, huawei request, …)
    request_id: str | None = None  # the API request that created it (RequestLog.id)
    extra: dict[str, Any] = field(default_factory=dict)  # vendor fields (messageid, extend, callback…)
    timeline: list[TimelineEntry] = field(default_factory=list)  # every state change and event
    callbacks: Sequence[str] = ()  # ids of callback attempts that carried it (replaced, never appended)
    seq: int = 0  # the store's order of arrival (paging cursors)
    reports: Sequence[Report] = field(default=(), repr=False)  # the reports made for it (likewise)

    def public(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "cost": self.cost,
            "sent_at": self.sent_at,
            "request_id": self.request_id,
            "timeline": [asdict(t) for t in self.timeline],
            "callbacks": list(self.callbacks),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sim_id": self.sim_id,
            "vendor": self.vendor,
            "account": self.account,
            "mobile": self.mobile,
            "content": self.content,
            "segments": self.segments,
            "status": self.status,
            "outcome": self.outcome,
            "code": self.code,
            "created_at": self.created_at,
            "scheduled_at": self.scheduled_at,
            "done_at": self.done_at,
            "batch": self.batch,
            "extra": self.extra,
        }


@dataclass(slots=True)
class Report:
    message: Message  # the message reported on
    outcome: str  # vendor-neutral outcome
    code: str  # vendor report code
    at: float  # when the carrier reported (simulated)
    segment: int = 1  # 1-based segment number for per-segment reports
    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY)  # vendor fields computed when built

    @property
    def id(self) -> str:
        """``<message sim_id>/<segment>``: how a store refers to it (push batches, pull queues)."""
        return f"{self.message.sim_id}/{self.segment}"


@dataclass(slots=True)
class MoRecord:
    id: str  # vendor-style MO id
    sim_id: str  # simulator id (mo-000001)
    vendor: str
    account: str  # the account it was routed to
    mobile: str  # the phone that replied
    content: str
    at: float  # when the phone sent it (simulated)
    extension: str = ""  # the extension / srcid the reply was addressed to
    message_sim_id: str | None = None  # the message it answers, when known
    extra: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # the store's order of arrival (paging cursors)

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        del d["seq"]
        return d


@dataclass(slots=True)
class CallbackAttempt:
    id: str  # cb-000001
    vendor: str
    account: str
    stream: str  # report, mo, or a vendor's own stream name
    url: str
    attempt: int  # 1 for the first try
    at: float  # simulated time of the attempt
    method: str = "POST"
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    status: int | None = None  # HTTP status answered, None when no answer
    response_body: str = ""
    latency_ms: float | None = None  # real time the receiver took
    error: str | None = None  # connection error, timeout, or "unexpected answer"
    ok: bool = False  # the vendor's expected answer was received
    diagnosis: str | None = None  # not acknowledged: what the receiver did and what the vendor expects
    gave_up: bool = False  # the last allowed attempt failed
    next_retry_at: float | None = None  # when the next attempt is scheduled
    items: int = 0  # reports/MO carried
    message_ids: list[str] = field(default_factory=list)  # sim_ids of messages carried
    held_back: float = 0.0  # simulated seconds the attempt was held back (scenario chaos slow_push)
    seq: int = 0  # the store's order of arrival (paging cursors)

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        del d["seq"]
        return d


@dataclass(slots=True)
class RequestLog:
    """One vendor API request.  Headers and bodies are kept as received (cheap on the hot path) and
    turned into text only when shown."""

    id: str  # rq-000001
    vendor: str
    method: str
    path: str
    at: float  # simulated time
    remote: str | None = None
    query: str = ""
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: bytes | str = b""
    status: int | None = None
    response_body: bytes | str = b""
    response_headers: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # emay's code is one
    latency_ms: float | None = None
    request_size: int | None = None  # the body's length as received, when the kept body was truncated
    response_size: int | None = None  # likewise for the answer
    seq: int = 0  # the store's order of arrival (paging cursors)
    kept_bytes: int = 0  # size() when the store took it (the request log's byte bound)

    def size(self) -> int:
        """Roughly the bytes this entry holds (bodies and headers), for the request log's byte bound."""
        return (
            len(self.request_body)
            + len(self.response_body)
            + sum(len(k) + len(v) for k, v in self.response_headers.items())
            + sum(len(k) + len(v) for k, v in self.request_headers.items())
            + 200
        )

    # notes for the user (e.g. a UTC timestamp accepted); a shared empty tuple until the first one (most
    # entries have none: one object less kept per journaled request)
    warnings: Sequence[str] = ()
    diagnosis: str | None = None  # why it was refused, in plain words (docs/admin-api.md#diagnoses)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "vendor": self.vendor,
            "method": self.method,
            "path": self.path,
            "at": self.at,
            "remote": self.remote,
            "query": self.query,
            "request_headers": dict(self.request_headers),
            "request_body": body_text(self.request_body),
            "status": self.status,
            "response_body": body_text(self.response_body),
            "response_headers": dict(self.response_headers),
            "latency_ms": self.latency_ms,
            "request_size": self.request_size,
            "response_size": self.response_size,
            "warnings": list(self.warnings),
            "diagnosis": self.diagnosis,
        }
