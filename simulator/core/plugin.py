"""What the core needs from a vendor, without knowing any vendor.

Each vendor package implements :class:`VendorCore`: how outcomes become its report codes, where its
reports and replies go (pushed to a URL, queued for polling, or only kept), how a batch of them is
turned into an HTTP request, and what answer from the customer counts as received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .accounts import Account
from .models import Message, MoRecord, Report


@dataclass(frozen=True)
class Push:
    """Send to ``url``; items with the same url and stream are batched together."""

    url: str
    stream: str


@dataclass(frozen=True)
class Pull:
    """Queue for the vendor's query endpoint; handed out once, dropped after ``retention`` seconds."""

    stream: str
    retention: float | None = None


@dataclass(frozen=True)
class Keep:
    """Neither pushed nor pollable: only kept (visible in the admin API) for ``retention`` seconds."""

    retention: float | None = None


Destination = Push | Pull | Keep


@dataclass
class PushPolicy:
    batch_interval: float = 1.0  # simulated seconds to collect a batch before POSTing it
    batch_max: int = 100  # items per POST
    retry_delays: list[float] = field(default_factory=lambda: [60.0, 300.0, 900.0])  # after each failure
    timeout: float = 5.0  # real seconds to wait for the receiver


@dataclass
class OutboundRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    plain: str | None = None  # readable form of an encrypted body, for the UI and tests


class VendorCore(Protocol):
    key: str
    validity_seconds: float  # how long the carrier tries before a message expires
    segment_reports: bool  # one report per billed segment (Report.segment = 1..n) instead of one
    unsubscribe_code: str | None  # report code for a send to an unsubscribed number; None: blacklisted's
    quota_codes: dict[str, str]  # report code per quota limit (core/quotas.py); missing: rejected's
    quota_defaults: dict[str, Any]  # the documented defaults of the limits

    def report_code(self, outcome: str, override: str | None) -> str: ...
    def report_destination(self, account: Account, message: Message) -> Destination | None: ...
    def mo_destination(self, account: Account, mo: MoRecord) -> Destination | None: ...
    def new_mo_id(self, mo: MoRecord) -> str: ...
    def push_policy(self, account: Account, stream: str) -> PushPolicy: ...
    def build_push(
        self, account: Account, target: Push, items: list[Report | MoRecord], attempt: int
    ) -> OutboundRequest: ...
    def push_accepted(self, stream: str, status: int, body: bytes) -> bool: ...
    def push_expectation(self, stream: str) -> str: ...  # push_accepted's rule in words (diagnoses)
