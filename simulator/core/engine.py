"""The carrier: accepts messages, moves them through their states on the clock, makes reports and MO.

accepted → (scheduled →) sent → delivered | undeliverable | expired | rejected   (or cancelled)

Vendors call :meth:`Engine.submit` after their own auth and validation; the scenario decides each
message's outcome and delay; reports and replies are routed to the dispatcher (push) or the pull queues
as the vendor says.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import billing
from .accounts import Account, Accounts
from .clock import Clock, Timer
from .dispatch import Dispatcher
from .errors import DropConnection, SimError
from .events import EventBus
from .models import FINAL_STATUSES, OUTCOME_STATUS, Message, MoRecord, Report
from .plugin import Keep, Pull, Push, VendorCore
from .scenarios import Decision, ScenarioRunner
from .store import MemoryStore


class HttpFault(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def valid_text(text: str) -> str:
    """Lone surrogates (from JSON's "\\ud800") cannot be stored, shown or pushed as UTF-8: like the vendors'
    Java platforms, replace them with '?'."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _valid_extra(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: valid_text(v) if isinstance(v, str) else v for k, v in extra.items()}


@dataclass
class Submission:
    """One recipient of a send request, as the vendor normalised it."""

    mobile: str
    content: str  # the text the phone receives (signature included)
    id: str = ""  # the vendor's message id; empty: filled by ``id_factory``
    batch: str | None = None  # request-level id
    scheduled_at: float | None = None  # timer send
    template: str | None = None  # template id, for scenario matching
    units: int | None = None  # balance units to charge; default: segments
    segments: int | None = None  # billed segments; default: count_segments(content)
    extra: dict[str, Any] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        clock: Clock,
        store: MemoryStore,
        accounts: Accounts,
        vendors: dict[str, VendorCore],
        dispatcher: Dispatcher,
        bus: EventBus,
        runner: ScenarioRunner,
    ) -> None:
        self.clock = clock
        self.store = store
        self.accounts = accounts
        self.vendors = vendors
        self.dispatcher = dispatcher
        self.bus = bus
        self.runner = runner
        self._timers: dict[str, Timer] = {}
        self._decisions: dict[str, Decision] = {}

    def reset(self, runner: ScenarioRunner) -> None:
        self.runner = runner
        self._timers.clear()
        self._decisions.clear()

    # submitting --------------------------------------------------------------------------------------
    def decide(self, vendor: str, account: Account, sub: Submission) -> Decision:
        return self.runner.decide(vendor, account.id, sub.mobile, sub.content, sub.template)

    async def apply_faults(self, decisions: list[Decision]) -> None:
        """Act on the first fault among the decisions: latency, bare HTTP status, drop, or error."""
        for d in decisions:
            f = d.fault
            if f is None:
                continue
            if f.latency:
                await asyncio.sleep(f.latency)
            if f.drop:
                raise DropConnection()
            if f.http_status:
                raise HttpFault(f.http_status)
            if f.error:
                raise SimError(f.error, rule=d.rule)
            return

    async def submit(
        self,
        account: Account,
        subs: list[Submission],
        request_id: str | None = None,
        id_factory: Callable[[Submission, int], str] | None = None,
    ) -> list[Message]:
        """Accept every submission or none: faults first, then one charge for all of them."""
        decisions = [self.decide(account.vendor, account, s) for s in subs]
        await self.apply_faults(decisions)
        return self.accept(account, subs, decisions, request_id, id_factory)

    def accept(
        self,
        account: Account,
        subs: list[Submission],
        decisions: list[Decision],
        request_id: str | None = None,
        id_factory: Callable[[Submission, int], str] | None = None,
        allow_negative: bool | None = None,
    ) -> list[Message]:
        """Charge the account for every submission at once (``allow_negative`` overrides the account's
        setting, for vendors whose charge type decides it), store the messages and start them."""
        segs = [s.segments if s.segments is not None else billing.count_segments(s.content) for s in subs]
        units = [s.units if s.units is not None else n for s, n in zip(subs, segs, strict=True)]
        billing.charge(account, sum(units), allow_negative)
        now = self.clock.now()
        out = []
        for i, (sub, dec) in enumerate(zip(subs, decisions, strict=True)):
            msg = Message(
                sim_id=self.store.new_id("m"),
                id=sub.id or (id_factory(sub, i) if id_factory else ""),
                vendor=account.vendor,
                account=account.id,
                mobile=valid_text(sub.mobile),
                content=valid_text(sub.content),
                segments=segs[i],
                cost=units[i],
                created_at=now,
                scheduled_at=sub.scheduled_at,
                batch=sub.batch,
                request_id=request_id,
                extra=_valid_extra(sub.extra),
            )
            if not msg.id:
                msg.id = msg.sim_id
            self.store.add_message(msg)
            self.store.set_status(msg, "accepted", now, f"rule {dec.rule}: {dec.outcome}")
            self._decisions[msg.sim_id] = dec
            if self.bus.active:
                self.bus.publish("message", message=msg.summary())
            if sub.scheduled_at is not None and sub.scheduled_at > now:
                self.store.set_status(msg, "scheduled", now, "timer send")
                self._timers[msg.sim_id] = self.clock.call_at(sub.scheduled_at, self._send, msg, label="send")
            else:
                self._send(msg)
            out.append(msg)
        return out

    # state machine -----------------------------------------------------------------------------------
    def _status(self, msg: Message, status: str, note: str = "") -> None:
        self.store.set_status(msg, status, self.clock.now(), note)
        if self.bus.active:
            self.bus.publish(
                "status", id=msg.id, sim_id=msg.sim_id, vendor=msg.vendor, status=status, note=note
            )

    def _send(self, msg: Message) -> None:
        msg.sent_at = self.clock.now()
        self._status(msg, "sent")
        dec = self._decisions.get(msg.sim_id, Decision())
        delay = self.vendors[msg.vendor].validity_seconds if dec.use_validity else dec.delay
        self._timers[msg.sim_id] = self.clock.call_later(delay, self._finish, msg, label="outcome")

    def _finish(self, msg: Message, outcome: str | None = None, code: str | None = None) -> None:
        self._timers.pop(msg.sim_id, None)
        dec = self._decisions.pop(msg.sim_id, Decision())
        outcome = outcome or dec.outcome
        msg.outcome = outcome
        if outcome == "no_report":
            self.store.add_event(msg, self.clock.now(), "no_report", "the carrier never reports")
            return
        vendor = self.vendors[msg.vendor]
        msg.code = vendor.report_code(outcome, code if code is not None else dec.code)
        msg.done_at = self.clock.now()
        self._status(msg, OUTCOME_STATUS[outcome], f"{outcome} ({msg.code})")
        parts = range(1, msg.segments + 1) if vendor.segment_reports else (1,)
        for part in parts:
            report = Report(self.store.new_id("r"), msg, outcome, msg.code, msg.done_at, segment=part)
            self.store.add_report(report)
            self.route_report(msg, report)
        if outcome == "delivered":
            for reply in dec.mo:
                self.clock.call_later(
                    reply.delay,
                    self._auto_reply,
                    msg.vendor,
                    msg.account,
                    msg.mobile,
                    reply.content,
                    msg.sim_id,
                )

    def route_report(self, msg: Message, report: Report, why: str = "") -> None:
        """Send a report where the vendor says (push, pull queue, or kept); also used to deliver a
        report again (emay retrieveReport).  ``why`` prefixes the timeline note."""
        account = self.accounts.get(msg.vendor, msg.account)
        if account is None:
            return
        dest = self.vendors[msg.vendor].report_destination(account, msg)
        self._route(account, dest, report, msg, why)

    def _route(
        self, account: Account, dest: Any, item: Report | MoRecord, msg: Message | None, why: str = ""
    ) -> None:
        now = self.clock.now()
        if isinstance(dest, Push):
            self.dispatcher.enqueue(account, dest, item)
            note = f"queued for push to {dest.url}"
        elif isinstance(dest, Pull):
            exp = now + dest.retention if dest.retention else None
            self.store.pull_put(account.vendor, account.id, dest.stream, item, exp)
            note = f"queued for polling ({dest.stream})"
        elif isinstance(dest, Keep):
            note = "kept (no callback address)"
        else:
            note = "dropped"
        if msg is not None:
            kind = "report" if isinstance(item, Report) else "mo"
            self.store.add_event(msg, now, kind, why + note)

    def _auto_reply(self, vendor: str, account_id: str, mobile: str, content: str, sim_id: str) -> None:
        with contextlib.suppress(SimError):
            self.receive_mo(vendor, mobile, content, account_id, message_sim_id=sim_id)

    # operations on messages --------------------------------------------------------------------------
    def cancel(self, msg: Message) -> bool:
        """Cancel a scheduled send that is not yet due; the charge is refunded."""
        if msg.status != "scheduled":
            return False
        timer = self._timers.pop(msg.sim_id, None)
        if timer:
            timer.cancel()
        self._decisions.pop(msg.sim_id, None)
        account = self.accounts.get(msg.vendor, msg.account)
        if account is not None:
            billing.refund(account, msg.cost)
        msg.done_at = self.clock.now()
        self._status(msg, "cancelled", "cancelled by the customer")
        return True

    def force(self, msg: Message, outcome: str, code: str | None = None) -> None:
        """End a message now with the given outcome (admin API)."""
        if outcome not in OUTCOME_STATUS:
            raise ValueError(f"unknown outcome {outcome!r}")
        if msg.status in FINAL_STATUSES:
            raise ValueError(f"message is already {msg.status}")
        timer = self._timers.pop(msg.sim_id, None)
        if timer:
            timer.cancel()
        if msg.status == "scheduled":
            msg.sent_at = self.clock.now()
            self._status(msg, "sent", "forced")
        self._finish(msg, outcome, code)

    # replies -----------------------------------------------------------------------------------------
    def receive_mo(
        self,
        vendor: str,
        mobile: str,
        content: str,
        account_id: str | None = None,
        extension: str = "",
        message_sim_id: str | None = None,
    ) -> MoRecord:
        """A phone replies.  Routed to ``account_id`` or to the account that last sent to the number."""
        if vendor not in self.vendors:
            raise SimError("unknown_vendor", f"unknown vendor {vendor!r}")
        if account_id is None:
            account_id = self.store.last_sender(vendor, mobile)
            if account_id is None:
                raise SimError(
                    "no_route", f"no {vendor} account has sent to {mobile}; name the account explicitly"
                )
        account = self.accounts.get(vendor, account_id)
        if account is None:
            raise SimError("unknown_account", f"no {vendor} account {account_id!r}")
        if message_sim_id is None:
            sent = self.store.query_messages(vendor=vendor, account=account_id, mobile=mobile)
            message_sim_id = sent[-1].sim_id if sent else None
        mo = MoRecord(
            id="",
            sim_id=self.store.new_id("mo"),
            vendor=vendor,
            account=account_id,
            mobile=valid_text(mobile),
            content=valid_text(content),
            at=self.clock.now(),
            extension=extension,
            message_sim_id=message_sim_id,
        )
        v = self.vendors[vendor]
        mo.id = v.new_mo_id(mo)
        self.store.add_mo(mo)
        self.bus.publish("mo", mo=mo.public())
        msg = self.store.get_message(message_sim_id) if message_sim_id else None
        if msg is not None:
            self.store.add_event(msg, mo.at, "reply", f"{mo.id}: {content}")
        self._route(account, v.mo_destination(account, mo), mo, msg)
        return mo

    # reviews (signatures, templates) -----------------------------------------------------------------
    def review(
        self, kind: str, vendor: str, name: str, content: str, on_done: Callable[[str, str], None]
    ) -> float:
        """Ask the scenario for a review result; ``on_done(result, reason)`` fires when it is due."""
        r = self.runner.review(kind, vendor, name, content)
        self.clock.call_later(r.delay, on_done, r.result, r.reason, label=f"review-{kind}")
        return self.clock.now() + r.delay
