"""huawei send API handlers: POST /sms/batchSendSms/v1 (form) and POST /sms/batchSendDiffSms/v1 (JSON).

Order of work for one request: auth (either scheme) → Content-Type (E000040) → parameter format
(E000503 / E000000) → per-number checks (E000503 number, E200041 duplicate, E200030 template, E200029
channel/type, E200028 variables) → E000510 if no number is left → account send limit (E000623) →
scenario faults → one balance charge → messages accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...core.billing import count_segments
from ...core.engine import Submission
from ...core.errors import SimError
from ...core.scenarios import Decision
from ..base import BEIJING, REQUEST_ID, bad_field, client_ip, diagnose, form_params, json_answer, warn
from . import auth, registry, wire
from .codes import (
    ALL_FAILED,
    API_CODES,
    INTERCEPT_SEND_WINDOW,
    INTERCEPT_SENSITIVE,
    STATUS_BAD_NUMBER,
    STATUS_DUPLICATE,
    STATUS_TEMPLATE_INACTIVE,
    STATUS_TEMPLATE_VARIABLES,
    STATUS_TYPE_MISMATCH,
    SUCCESS,
    HuaweiError,
)

if TYPE_CHECKING:
    from ...core.accounts import Account
    from . import HuaweiVendor

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SENT_COUNTS = "huawei.sent_counts"


def setup(v: HuaweiVendor) -> list[web.RouteDef]:
    async def authenticate(request: web.Request) -> Account:
        body = await request.read()
        s = v.settings
        policy = auth.Policy(s.wsse_window, s.aksk_window, s.replay_check, s.nonce_max_entries)
        now = v.sim.clock.auth_now()
        account = auth.authenticate(
            request.headers,
            request.method,
            request.path,
            list(request.query.items()),
            body,
            v.account,
            now,
            client_ip(request),
            policy,
            v.sim.store.collection(auth.NONCES),
            partial(warn, request),
        )
        if policy.replay_check and not auth.is_aksk(request.headers["Authorization"]):
            # this process's nonces refused a repeat already; a shared store also refuses one that
            # another process took at the same moment
            nonce = auth.parse_wsse(request.headers["Authorization"], request.headers.get("X-WSSE"))[2]
            key = f"{account.id}\0{nonce}"
            if not await v.sim.store.claim_once(auth.NONCES, key, now + s.wsse_window, now):
                raise auth.nonce_replayed(account.id, nonce, s.wsse_window)
        return account

    async def batch_send(request: web.Request) -> web.Response:
        account = await authenticate(request)
        if request.content_type != FORM:
            raise HuaweiError("E000040").because(bad_field("Content-Type", request.content_type, FORM))
        req = wire.parse_batch(await form_params(request))
        return await send(account, req, request)

    async def batch_send_diff(request: web.Request) -> web.Response:
        account = await authenticate(request)
        if request.content_type != JSON:
            raise HuaweiError("E000040", "The value of ContentType must be application/json.").because(
                bad_field("Content-Type", request.content_type, JSON)
            )
        req = wire.parse_diff(await request.read())
        return await send(account, req, request)

    async def send(account: Account, req: wire.SendRequest, request: web.Request) -> web.Response:
        sim = v.sim
        now = sim.clock.now()
        batch = str(sim.uuid())
        channel = registry.signature_by_channel(sim, account.id, req.sender)
        results: list[dict[str, Any]] = []
        subs: list[Submission] = []
        refusals: list[str] = []  # per number, for the journal
        for group in req.groups:
            group_status, content = check_template(v, account, channel, group)
            seen: set[str] = set()
            for number in group.numbers:
                if not number.valid:
                    status = STATUS_BAD_NUMBER
                    refusals.append(f"{number.origin}: {status}, not a valid number")
                elif number.e164 in seen:
                    status = STATUS_DUPLICATE
                    refusals.append(f"{number.origin}: {status}, listed twice for the same content")
                else:
                    status = group_status
                    seen.add(number.e164)
                    if status != SUCCESS:
                        refusals.append(f"{number.origin}: {status}, {content}")
                msg_id = f"{batch}_{sim.store.next_number('huawei.sms')}"
                total = None
                if status == SUCCESS:
                    sub = Submission(
                        number.mobile,
                        content,
                        id=msg_id,
                        batch=batch,
                        template=group.template_id,
                        extra=message_extra(req, number, group),
                    )
                    subs.append(sub)
                    total = count_segments(content)
                results.append(wire.sms_id(msg_id, req.sender, number, status, now, total))
        if refusals:
            more = f"; and {len(refusals) - 3} more" if len(refusals) > 3 else ""
            diagnose(request, "; ".join(refusals[:3]) + more)
        if not subs:
            return json_answer(wire.answer(ALL_FAILED, API_CODES[ALL_FAILED][1], results))
        check_limits(v, account, len(subs), now)
        decisions = decide(v, account, subs, now)
        await sim.engine.apply_faults(decisions)
        await sim.engine.accept(account, subs, decisions, request.get(REQUEST_ID))
        count_sent(v, account, len(subs), now)
        return json_answer(wire.answer(SUCCESS, API_CODES[SUCCESS][1], results))

    h = v.handler
    return [
        web.post("/sms/batchSendSms/v1", h(batch_send)),
        web.post("/sms/batchSendDiffSms/v1", h(batch_send_diff)),
    ]


def message_extra(req: wire.SendRequest, number: wire.Number, group: wire.Group) -> dict[str, Any]:
    extra: dict[str, Any] = {"from": req.sender, "originTo": number.origin, "e164": number.e164}
    if req.callback:
        extra["callback"] = req.callback
    if req.extend:
        extra["extend"] = req.extend
    extra["templateId"] = group.template_id
    return extra


def _universal(t: registry.Template) -> bool:
    return bool(getattr(t, "universal", False)) or t.type == "UNIVERSAL_TYPE"


def _usable(t: registry.Template, account: Account) -> bool:
    """A template is usable by the app it belongs to; one without an app by any app of its project."""
    if t.status != "approved":
        return False
    if t.app_key is not None:
        return t.app_key == account.id
    project = getattr(t, "project_id", "") or ""
    return not project or project == account.options.project_id


def check_template(
    v: HuaweiVendor, account: Account, channel: registry.Signature | None, group: wire.Group
) -> tuple[str, str]:
    """(per-number status, rendered text with 【signature】) for one template + values + channel; for a
    failed status the text says why instead (the journal's diagnosis)."""
    t = registry.template(v.sim, group.template_id)
    tid = group.template_id
    if t is None:
        return STATUS_TEMPLATE_INACTIVE, f"templateId {tid!r} is no template of this simulator"
    if not _usable(t, account):
        return STATUS_TEMPLATE_INACTIVE, f"template {tid} is {t.status} or not app {account.id}'s"
    if channel is None or channel.status != "approved":
        state = "unknown" if channel is None else channel.status
        return STATUS_TYPE_MISMATCH, f"the channel (from) is {state} for app {account.id}"
    mismatch = f"the channel's signature and template {tid} ({t.type}) do not belong together"
    if _universal(t):
        if not group.signature:
            return STATUS_TYPE_MISMATCH, f"template {tid} is universal: the request must name a signature"
        named = [
            s
            for s in registry.signatures(v.sim).values()
            if s.app_key == account.id and s.name == group.signature and s.status == "approved"
        ]
        if not named:
            return (
                STATUS_TYPE_MISMATCH,
                f"signature {group.signature!r} is no approved signature of app {account.id}",
            )
        if t.type != "UNIVERSAL_TYPE" and all(s.type != t.type for s in named):
            return STATUS_TYPE_MISMATCH, mismatch
        signature = group.signature
    else:
        if channel.type != t.type:
            return STATUS_TYPE_MISMATCH, f"the channel is {channel.type}, template {tid} is {t.type}"
        bound = getattr(t, "sign_id", "") or ""
        if bound and bound != channel.id:
            return (
                STATUS_TYPE_MISMATCH,
                f"template {tid} is bound to signature {bound}, not the channel's {channel.id}",
            )
        signature = channel.name
    indexes = registry.variable_indexes(t.content)
    if len(group.paras) != len(indexes):
        return (
            STATUS_TEMPLATE_VARIABLES,
            f"templateParas has {len(group.paras)} values; template {tid} has {len(indexes)}",
        )
    for i, value in enumerate(group.paras):
        if i < len(t.max_lengths) and len(value) > t.max_lengths[i]:
            rule = f"at most {t.max_lengths[i]} characters (template {tid})"
            return STATUS_TEMPLATE_VARIABLES, bad_field(f"templateParas[{i}]", value, rule)
    values = [""] * (max(indexes) if indexes else 0)
    for n, value in zip(indexes, group.paras, strict=True):
        values[n - 1] = value
    return SUCCESS, f"【{signature}】{t.render(values)}"


def decide(v: HuaweiVendor, account: Account, subs: list[Submission], now: float) -> list[Decision]:
    """The scenario's decisions; content the account may not send, or sent outside its hours, is
    accepted and then intercepted by the platform (reported at once as SC:0006 / SC:0011)."""
    engine = v.sim.engine
    try:
        account.check_send_window(now)
        window_code = None
    except SimError:
        window_code = INTERCEPT_SEND_WINDOW
    out = []
    for sub in subs:
        d = engine.decide(v.key, account, sub)
        code = window_code
        if code is None:
            try:
                account.check_content(sub.content)
            except SimError:
                code = INTERCEPT_SENSITIVE
        if code is not None:
            d = Decision(outcome="rejected", delay=0, code=code, fault=d.fault, rule=f"platform {code}")
        out.append(d)
    return out


_DAY: list = [0.0, 0.0, ("", "")]  # the Beijing day last asked about: [start, end, its periods]


def _periods(now: float) -> tuple[str, str]:
    """The day and month counters ``now`` falls in (Beijing time).  Every send asks twice: the answer is
    kept for the rest of its day (it was 4% of the batchSendSms path)."""
    start, end, periods = _DAY
    if start + 1e-5 < now < end - 1e-5:  # clear of midnight by more than fromtimestamp's rounding
        return periods
    t = datetime.fromtimestamp(now, BEIJING)
    midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
    periods = (f"d{t:%Y%m%d}", f"m{t:%Y%m}")
    _DAY[:] = [midnight.timestamp(), (midnight + timedelta(days=1)).timestamp(), periods]
    return periods


def check_limits(v: HuaweiVendor, account: Account, n: int, now: float) -> None:
    """E000623 when the app's daily or monthly send limit (AccountOptions) would be passed."""
    opts = account.options
    counts = v.sim.store.collection(SENT_COUNTS)
    day, month = _periods(now)
    for period, limit in ((day, opts.daily_limit), (month, opts.monthly_limit)):
        if limit is not None and counts.get((account.id, period), 0) + n > limit:
            which = "daily_limit" if period == day else "monthly_limit"
            raise HuaweiError("E000623").because(
                f"{n} more messages would pass app {account.id}'s options.{which} {limit} "
                f"({counts.get((account.id, period), 0)} sent so far)"
            )


def count_sent(v: HuaweiVendor, account: Account, n: int, now: float) -> None:
    counts = v.sim.store.collection(SENT_COUNTS)
    for period in _periods(now):
        counts[(account.id, period)] = counts.get((account.id, period), 0) + n
