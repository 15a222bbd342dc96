"""The carrier: accepts messages, moves them through their states on the clock, makes reports and MO.

accepted → (scheduled →) sent → delivered | undeliverable | expired | rejected   (or cancelled)

Vendors call :meth:`Engine.submit` after their own auth and validation; the scenario decides each
message's outcome and delay; reports and replies are routed to the dispatcher (push) or the pull queues
as the vendor says.

Everything "later" is a clock timer of a registered kind whose arguments are plain data (a message's
sim_id, the outcome and code the scenario chose, the replies it asked for), so a durable store can
keep it and a restarted process can run it:

- ``engine.send``     (sim_id, plan): a scheduled send falls due
- ``engine.outcome``  (sim_id, plan): the carrier's answer for a sent message
- ``engine.reply``    (vendor, account, mobile, content, sim_id): a phone's automatic reply
- ``engine.report_again`` (sim_id, segment, why, fail_first): scenario chaos delivers a report late or
  a second time
- ``engine.expire``   (sim_id): scenario chaos ``after_expiry``: the validity elapsed with no report yet
- ``engine.mo_again`` (mo_sim_id, why): scenario chaos delivers a reply late or a second time
- ``engine.review``   (done_kind, args, result, reason): a signature/template review result; the vendor
  registers ``done_kind`` and gets ``(*args, result, reason)``
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import billing
from .accounts import Account, Accounts
from .clock import Clock, Timer
from .dispatch import Dispatcher
from .errors import DropConnection, SimError
from .events import EventBus
from .metrics import Metrics
from .models import FINAL_STATUSES, OUTCOME_STATUS, Message, MoRecord, Report
from .plugin import Keep, Pull, Push, VendorCore
from .quotas import note as quota_note
from .scenarios import Decision, ScenarioRunner
from .store import MemoryStore
from .unsubscribes import COLLECTION as UNSUBSCRIBES
from .unsubscribes import is_unsubscribe, record_key

NO_CHAOS: dict[str, Any] = {}  # a plan without chaos (read only, shared)


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
    if not extra:  # most messages have none: skip the comprehension (1% of the send paths)
        return {}
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
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.store = store
        self.accounts = accounts
        self.vendors = vendors
        self.dispatcher = dispatcher
        self.bus = bus
        self.runner = runner
        self._timers: dict[str, Timer] = {}  # sim_id → its pending send/outcome timer (for cancel, force)
        clock.register("engine.send", self._send_due)
        clock.register("engine.outcome", self._outcome_due)
        clock.register("engine.reply", self._auto_reply)
        clock.register("engine.review", self._review_due)
        clock.register("engine.report_again", self._report_again)
        clock.register("engine.expire", self._expire_due)
        clock.register("engine.mo_again", self._mo_again)

    def reset(self, runner: ScenarioRunner) -> None:
        self.runner = runner
        self._timers.clear()

    def restored(self, timers: list[Timer]) -> None:
        """Timers a store gave back after a restart: remember which message each one belongs to."""
        for t in timers:
            if t.kind in ("engine.send", "engine.outcome"):
                self._timers[t.args[0]] = t

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
                raise SimError(f.error, rule=d.rule).because(
                    f"the scenario's rule {d.rule!r} injected the fault {f.error!r} (not a client error)"
                )
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
        return await self.accept(account, subs, decisions, request_id, id_factory)

    async def accept(
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
        await self.store.charge(account, sum(units), allow_negative)
        now = self.clock.now()
        out = []
        unsubscribed = self.store.collection(UNSUBSCRIBES)
        vendor = self.vendors[account.vendor]
        limits = account.quotas.effective(vendor.quota_defaults) if account.quotas is not None else None
        for i, (sub, dec) in enumerate(zip(subs, decisions, strict=True)):
            over = None
            if unsubscribed and record_key(account.vendor, account.id, sub.mobile) in unsubscribed:
                code = vendor.unsubscribe_code
                dec = Decision(outcome="blacklisted", delay=0.0, code=code, rule="unsubscribed")
            elif limits is not None:
                over = await self.store.count_send(
                    limits, account.vendor, account.id, sub.mobile, sub.content, now
                )
                if over is not None:
                    code = vendor.quota_codes.get(over)
                    dec = Decision(outcome="rejected", delay=0.0, code=code, rule=f"quota {over}")
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
            self.store.set_status(msg, "accepted", now, sys.intern(f"rule {dec.rule}: {dec.outcome}"))
            if over is not None:
                self.store.add_event(msg, now, "quota", quota_note(over, limits))  # type: ignore[arg-type]
            if self.bus.active:
                self.bus.publish("message", message=msg.summary())
            plan = self._plan(msg, dec)
            if sub.scheduled_at is not None and sub.scheduled_at > now:
                self.store.set_status(msg, "scheduled", now, "timer send")
                self._timers[msg.sim_id] = self.clock.call_at(
                    sub.scheduled_at, "engine.send", msg.sim_id, plan
                )
            else:
                self._send(msg, plan, now, answering=True)
            out.append(msg)
        self.accounts.changed(account)
        return out

    def _plan(self, msg: Message, dec: Decision) -> dict[str, Any]:
        """What the scenario decided for a message, as plain data a timer can carry."""
        plan: dict[str, Any] = {"outcome": dec.outcome}
        plan["delay"] = self.vendors[msg.vendor].validity_seconds if dec.use_validity else dec.delay
        if dec.code is not None:
            plan["code"] = dec.code
        if dec.mo:
            plan["mo"] = [[r.content, r.delay] for r in dec.mo]
        if dec.chaos:
            plan["chaos"] = dec.chaos
        return plan

    # state machine -----------------------------------------------------------------------------------
    def _status(self, msg: Message, status: str, note: str = "", at: float | None = None) -> None:
        self.store.set_status(msg, status, self.clock.now() if at is None else at, note)
        if self.bus.active:
            self.bus.publish(
                "status", id=msg.id, sim_id=msg.sim_id, vendor=msg.vendor, status=status, note=note
            )

    def _send_due(self, sim_id: str, plan: dict[str, Any]) -> None:
        self._timers.pop(sim_id, None)
        msg = self.store.get_message(sim_id)
        if msg is None or msg.status != "scheduled":
            return
        unsubscribed = self.store.collection(UNSUBSCRIBES)
        if unsubscribed and record_key(msg.vendor, msg.account, msg.mobile) in unsubscribed:
            # the number unsubscribed after the timed send was accepted: the carrier refuses it now
            code = self.vendors[msg.vendor].unsubscribe_code
            plan = self._plan(msg, Decision(outcome="blacklisted", delay=0.0, code=code, rule="unsubscribed"))
            note = f"{msg.mobile} unsubscribed before the timed send fell due: reported at once"
            self.store.add_event(msg, self.clock.now(), "unsubscribe", note)
        self._send(msg, plan)

    def _send(
        self, msg: Message, plan: dict[str, Any], now: float | None = None, answering: bool = False
    ) -> None:
        """``answering``: the send request is still being answered (chaos ``before_answer`` applies)."""
        # one float object per moment: created_at, sent_at and the timeline share it (memory per message)
        msg.sent_at = now = self.clock.now() if now is None else now
        self._status(msg, "sent", at=now)
        chaos = plan.get("chaos")
        if chaos is not None and ("before_answer" in chaos or "after_expiry" in chaos):
            self._chaos_send(msg, plan, chaos, now, answering)
            return
        self._timers[msg.sim_id] = self.clock.call_later(plan["delay"], "engine.outcome", msg.sim_id, plan)

    def _chaos_send(
        self, msg: Message, plan: dict[str, Any], chaos: dict[str, Any], now: float, answering: bool
    ) -> None:
        """Chaos that changes when the report comes: at once, before the send is answered; or after the
        message was already marked expired."""
        if "after_expiry" in chaos:
            validity = self.vendors[msg.vendor].validity_seconds
            after = chaos["after_expiry"]
            self.clock.call_later(validity, "engine.expire", msg.sim_id)
            note = f"its report comes {after:g} s after the validity ({validity:g} s) elapsed"
            self.store.add_event(msg, now, "chaos", note)
            self._timers[msg.sim_id] = self.clock.call_later(
                validity + after, "engine.outcome", msg.sim_id, plan
            )
            return
        note = "the report is made at once and delivered before the send is answered"
        self.store.add_event(msg, now, "chaos", note if answering else note + " (a timer send: no answer)")
        self._finish(msg, plan, urgent=msg.request_id if answering else None)

    def _expire_due(self, sim_id: str) -> None:
        msg = self.store.get_message(sim_id)
        if msg is not None and msg.status == "sent" and msg.outcome is None:
            self._status(msg, "expired", "the validity elapsed with no report: marked expired (chaos)")

    def _outcome_due(self, sim_id: str, plan: dict[str, Any]) -> None:
        self._timers.pop(sim_id, None)
        msg = self.store.get_message(sim_id)
        if msg is None or msg.outcome is not None:
            return
        if msg.status == "sent":
            self._finish(msg, plan)
        elif msg.status == "expired" and "after_expiry" in (plan.get("chaos") or ()):
            note = "the carrier's report arrives after the message was marked expired"
            self.store.add_event(msg, self.clock.now(), "chaos", note)
            self._finish(msg, plan)

    def _finish(
        self,
        msg: Message,
        plan: dict[str, Any],
        outcome: str | None = None,
        code: str | None = None,
        urgent: str | None = None,
    ) -> None:
        """``urgent``: the id of the send request being answered; its reports go out before the answer."""
        self._timers.pop(msg.sim_id, None)
        outcome = outcome or plan["outcome"]
        msg.outcome = outcome
        if outcome == "no_report":
            self.store.add_event(msg, self.clock.now(), "no_report", "the carrier never reports")
            return
        vendor = self.vendors[msg.vendor]
        msg.code = vendor.report_code(outcome, code if code is not None else plan.get("code"))
        msg.done_at = now = self.clock.now()
        self.metrics.reported(msg.vendor, now - msg.created_at)
        self._status(msg, OUTCOME_STATUS[outcome], sys.intern(f"{outcome} ({msg.code})"), now)
        parts = range(1, msg.segments + 1) if vendor.segment_reports else (1,)
        chaos = plan.get("chaos") or NO_CHAOS
        lost = None
        if "lose_segment" in chaos and len(parts) > 1:
            lost = 1 + min(len(parts) - 1, int(chaos["lose_segment"] * len(parts)))
        for part in parts:
            if part == lost:
                note = f"the report of segment {part} of {len(parts)} is lost: never made"
                self.store.add_event(msg, now, "chaos", note)
                continue
            report = Report(msg, outcome, msg.code, now, segment=part)
            self.store.add_report(report)
            if chaos:
                self._chaos(msg, report, chaos, now, urgent)
            else:
                self.route_report(msg, report, at=now)
        if outcome == "delivered":
            mo_chaos = chaos.get("mo")
            for content, delay in plan.get("mo", ()):
                args = (msg.vendor, msg.account, msg.mobile, content, msg.sim_id)
                self.clock.call_later(delay, "engine.reply", *args, *((mo_chaos,) if mo_chaos else ()))

    def route_report(
        self,
        msg: Message,
        report: Report,
        why: str = "",
        at: float | None = None,
        fail_first: bool = False,
        slow: float = 0.0,
        urgent: str | None = None,
    ) -> None:
        """Send a report where the vendor says (push, pull queue, or kept); also used to deliver a
        report again (emay retrieveReport).  ``why`` prefixes the timeline note; scenario chaos:
        ``fail_first`` (the first push attempt that carries it fails), ``slow`` (that attempt is held
        back so many seconds), ``urgent`` (pushed now, before the send request with this id is
        answered)."""
        account = self.accounts.get(msg.vendor, msg.account)
        if account is None:
            return
        dest = self.vendors[msg.vendor].report_destination(account, msg)
        self._route(account, dest, report, msg, why, at, fail_first, slow, urgent)

    def _chaos(
        self, msg: Message, report: Report, chaos: dict[str, Any], now: float, urgent: str | None = None
    ) -> None:
        """Deliver a report the way the scenario's ``chaos`` drew for the message."""
        if chaos.get("drop"):
            self.store.add_event(msg, now, "chaos", f"report {report.id} dropped: it is never delivered")
            return
        fail_first = bool(chaos.get("fail_first"))
        slow = chaos.get("slow_push", 0.0)
        late = chaos.get("late")
        if late is not None:
            self.store.add_event(msg, now, "chaos", f"report {report.id} held back {late:g} s")
            args = (msg.sim_id, report.segment, "late", fail_first, *((slow,) if slow else ()))
            self.clock.call_later(late, "engine.report_again", *args)
        else:
            self.route_report(msg, report, at=now, fail_first=fail_first, slow=slow, urgent=urgent)
        if "duplicate" in chaos:
            after = chaos["duplicate"] + (late or 0)
            self.store.add_event(
                msg, now, "chaos", f"report {report.id} will be delivered again in {after:g} s"
            )
            self.clock.call_later(
                after, "engine.report_again", msg.sim_id, report.segment, "duplicate", False
            )

    def _report_again(self, sim_id: str, segment: int, why: str, fail_first: bool, slow: float = 0.0) -> None:
        report = self.store.get_report(f"{sim_id}/{segment}")
        if report is not None:
            self.route_report(report.message, report, f"chaos ({why}): ", fail_first=fail_first, slow=slow)

    def _route(
        self,
        account: Account,
        dest: Any,
        item: Report | MoRecord,
        msg: Message | None,
        why: str = "",
        at: float | None = None,
        fail_first: bool = False,
        slow: float = 0.0,
        urgent: str | None = None,
    ) -> None:
        now = self.clock.now() if at is None else at
        if isinstance(dest, Push):
            if urgent is not None:  # before_answer wins over slow_push
                self.dispatcher.push_now(account, dest, item, urgent, fail_first)
                note = f"pushed to {dest.url} at once, before the send is answered (chaos)"
            else:
                self.dispatcher.enqueue(account, dest, item, fail_first, slow)
                note = sys.intern(f"queued for push to {dest.url}")
                if slow:
                    note += f" (chaos: a slow push, held back {slow:g} s)"
            if fail_first:
                note += " (chaos: its first push attempt fails)"
        elif isinstance(dest, Pull):
            exp = now + dest.retention if dest.retention else None
            self.store.pull_put(account.vendor, account.id, dest.stream, item, exp)
            note = sys.intern(f"queued for polling ({dest.stream})")
        elif isinstance(dest, Keep):
            note = "kept (no callback address)"
        else:
            note = "dropped"
        if msg is not None:
            kind = "report" if isinstance(item, Report) else "mo"
            self.store.add_event(msg, now, kind, why + note)

    def _auto_reply(
        self,
        vendor: str,
        account_id: str,
        mobile: str,
        content: str,
        sim_id: str,
        chaos: dict[str, Any] | None = None,
    ) -> None:
        with contextlib.suppress(SimError):
            self.receive_mo(vendor, mobile, content, account_id, message_sim_id=sim_id, chaos=chaos)

    def _mo_again(self, mo_sim_id: str, why: str) -> None:
        mo = self.store.get_mo(mo_sim_id)
        account = self.accounts.get(mo.vendor, mo.account) if mo is not None else None
        if mo is None or account is None:
            return
        msg = self.store.get_message(mo.message_sim_id) if mo.message_sim_id else None
        dest = self.vendors[mo.vendor].mo_destination(account, mo)
        self._route(account, dest, mo, msg, f"chaos ({why}, reply {mo.id}): ")

    def _mo_chaos(self, mo: MoRecord, msg: Message | None, chaos: dict[str, Any]) -> bool:
        """Apply a reply's chaos; True when it is routed now as usual."""

        def note(text: str) -> None:
            if msg is not None:
                self.store.add_event(msg, mo.at, "chaos", f"reply {mo.id} {text}")

        if chaos.get("drop"):
            note("dropped: it is never delivered")
            return False
        late = chaos.get("late")
        if "duplicate" in chaos:
            after = chaos["duplicate"] + (late or 0)
            note(f"will be delivered again in {after:g} s")
            self.clock.call_later(after, "engine.mo_again", mo.sim_id, "duplicate")
        if late is not None:
            note(f"held back {late:g} s")
            self.clock.call_later(late, "engine.mo_again", mo.sim_id, "late")
            return False
        return True

    # operations on messages --------------------------------------------------------------------------
    def cancel(self, msg: Message) -> bool:
        """Cancel a scheduled send that is not yet due; the charge is refunded."""
        if msg.status != "scheduled":
            return False
        timer = self._timers.pop(msg.sim_id, None)
        if timer:
            timer.cancel()
        account = self.accounts.get(msg.vendor, msg.account)
        if account is not None:
            self.store.refund(account, msg.cost)
            self.accounts.changed(account)
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
        plan: dict[str, Any] = {"outcome": outcome}
        if timer:
            timer.cancel()
            plan = timer.args[1]
        if msg.status == "scheduled":
            msg.sent_at = self.clock.now()
            self._status(msg, "sent", "forced")
        self._finish(msg, plan, outcome, code)

    # replies -----------------------------------------------------------------------------------------
    def receive_mo(
        self,
        vendor: str,
        mobile: str,
        content: str,
        account_id: str | None = None,
        extension: str = "",
        message_sim_id: str | None = None,
        chaos: dict[str, Any] | None = None,
    ) -> MoRecord:
        """A phone replies.  Routed to ``account_id`` or to the account that last sent to the number;
        ``chaos``: what the scenario drew for a rule's replies (drop, duplicate, late)."""
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
        if is_unsubscribe(account.unsubscribe_keywords, content):
            self._unsubscribe(mo, msg)
        if chaos is None or self._mo_chaos(mo, msg, chaos):
            self._route(account, v.mo_destination(account, mo), mo, msg)
        return mo

    def _unsubscribe(self, mo: MoRecord, msg: Message | None) -> None:
        """The reply is an unsubscribe keyword: the number goes on the account's list."""
        unsubscribed = self.store.collection(UNSUBSCRIBES)
        key = record_key(mo.vendor, mo.account, mo.mobile)
        if key not in unsubscribed:
            unsubscribed[key] = {
                "vendor": mo.vendor,
                "account": mo.account,
                "mobile": mo.mobile,
                "at": mo.at,
                "content": mo.content,
                "mo_id": mo.id,
                "message_sim_id": mo.message_sim_id,
            }
        if msg is not None:
            note = f"{mo.mobile} is on account {mo.account}'s unsubscribe list: later sends are refused"
            self.store.add_event(msg, mo.at, "unsubscribe", note)

    # reviews (signatures, templates) -----------------------------------------------------------------
    def review(self, kind: str, vendor: str, name: str, content: str, done: str, *args: Any) -> float:
        """Ask the scenario for a review result; when it is due, the timer handler registered as
        ``done`` runs with ``(*args, result, reason)`` (args: plain data, e.g. the record's id)."""
        r = self.runner.review(kind, vendor, name, content)
        self.clock.call_later(r.delay, "engine.review", done, list(args), r.result, r.reason)
        return self.clock.now() + r.delay

    def _review_due(self, done: str, args: list[Any], result: str, reason: str) -> None:
        self.clock.handler(done)(*args, result, reason)
