"""mobset HTTP handler: one path, ``/SDK3/Sms``, GET or POST; ``Methods`` selects the function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...core import billing
from ...core.accounts import Account
from ...core.engine import Submission
from ...core.scenarios import Decision
from ..base import REQUEST_ID, bad_field, client_ip, fmt_time, form_params, json_answer, warn
from . import wire
from .auth import authenticate, credentials
from .codes import SENSITIVE_CODE, USER_STATUS_TEXT, MobsetError, missing

if TYPE_CHECKING:
    from . import MobsetVendor

PATH = "/SDK3/Sms"
Method = Callable[[Account, dict[str, str], web.Request], Awaitable[dict[str, Any]]]


def no_signature(signature: str) -> MobsetError:
    """-132: the account has no usable signature (its ``options.signature``)."""
    return MobsetError(-132).because(
        bad_field("options.signature", signature, "the account needs a valid 【signature】")
    )


def setup(v: MobsetVendor) -> list[web.RouteDef]:
    # -- SmsSend (§4.1) ----------------------------------------------------------------------------------
    def check_sender(account: Account) -> None:
        opts = account.options
        if not opts.sms_permission:
            raise MobsetError(-111).because(f"account {account.id} has options.sms_permission: false")
        if opts.user_status != "active":
            raise MobsetError(-112, text=USER_STATUS_TEXT).because(
                f"account {account.id} has options.user_status: {opts.user_status}"
            )
        if opts.status == "disabled":
            raise MobsetError(-123).because(f"enterprise {account.id} has options.status: disabled")
        if v.expired(account):
            raise MobsetError(-125).because(
                f"enterprise {account.id} has expired (options.status or options.expires_at)"
            )

    def signed(account: Account, content: str) -> str:
        """The text the phone receives: the account's 【signature】 added where missing (§4.5)."""
        opts = account.options
        if not content.strip():
            raise MobsetError(-110).because(bad_field("Content", content, "must not be blank"))
        if not wire.signature_ok(opts.signature):
            raise no_signature(opts.signature)
        if not opts.signature_approved:
            raise MobsetError(-133).because(f"account {account.id} has options.signature_approved: false")
        if wire.has_signature(content, opts.signature):
            text = content
        else:
            other = wire.find_signature(content)
            if other is not None:
                raise MobsetError(-133, other).because(
                    f"the content carries the signature {other!r}, not the account's {opts.signature!r}"
                )
            text = wire.sign(content, opts.signature, opts.signature_position)
        if len(text) > v.settings.max_content:
            raise MobsetError(-110).because(
                f"the signed content is {len(text)} characters; at most {v.settings.max_content}"
            )
        return text

    def segments(text: str, long_sms: bool) -> int:
        if long_sms:
            return billing.count_segments(text)
        return -(-len(text) // billing.SINGLE_LIMIT)  # LongSms=0: separate 70-character messages

    async def send(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        check_sender(account)
        opts = account.options
        req = wire.parse_send(params, opts.max_addnum)
        text = signed(account, req.content)
        now = v.sim.clock.now()
        account.check_send_window(now)
        per_message = segments(text, req.long_sms)
        valid = [n for n in req.numbers if wire.valid_mobile(n)]
        units = per_message * len(valid)
        daily = v.sim.store.collection("mobset.daily")
        day_key = f"{account.id}:{fmt_time(now, '%Y%m%d')}"
        if opts.daily_limit is not None and daily.get(day_key, 0) + units > opts.daily_limit:
            raise MobsetError(-126).because(
                f"{units} more segments would pass account {account.id}'s options.daily_limit "
                f"{opts.daily_limit}"
            )
        if opts.user_quota is not None and units > opts.user_quota:
            raise MobsetError(-129).because(
                f"{units} segments exceed account {account.id}'s options.user_quota {opts.user_quota}"
            )
        sensitive = any(w and w in text for w in account.sensitive_words)
        extra = {"add_num": req.add_num, "long_sms": req.long_sms, "login_name": params["loginname"].strip()}
        subs = [
            Submission(n, text, scheduled_at=req.scheduled_at, segments=per_message, extra=dict(extra))
            for n in valid
        ]
        engine = v.sim.engine
        decisions = [
            Decision(outcome="rejected", delay=0, code=SENSITIVE_CODE, rule="filtered word: review failed")
            if sensitive
            else engine.decide(v.key, account, s)
            for s in subs
        ]
        msgs = []
        if subs:
            await engine.apply_faults(decisions)
            msgs = await engine.accept(
                account, subs, decisions, request.get(REQUEST_ID), lambda s, i: v.new_sms_id()
            )
            daily[day_key] = daily.get(day_key, 0) + units
            if opts.user_quota is not None:
                opts.user_quota -= units
        ids = iter(msgs)
        id_list = [
            {"PhoneNumber": n, "SmsId": int(next(ids).id) if wire.valid_mobile(n) else 0} for n in req.numbers
        ]
        return wire.answer(len(msgs), f"成功提交 {len(msgs)} 条短信", SmsIdList=id_list)

    # -- SmsGetRecv, SmsGetReport (§4.2, §4.3) -------------------------------------------------------------
    async def recv(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        items = await v.sim.store.take(v.key, account.id, "mo", wire.MO_PAGE, v.sim.clock.now())
        details = [wire.mo_item(m, account.options.access_number) for m in items]
        return wire.answer(len(details), "取上行短信成功", Details=details)

    async def report(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        items = await v.sim.store.take(v.key, account.id, "report", wire.REPORT_PAGE, v.sim.clock.now())
        details = [wire.report_item(r) for r in items]
        return wire.answer(len(details), "取短信状态报告成功", Details=details)

    # -- SmsGetBalance, SmsGetSign (§4.4, §4.5) -------------------------------------------------------------
    async def balance(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        left = max(0, account.balance)
        if account.options.user_quota is not None:
            left = min(left, account.options.user_quota)
        return wire.answer(left, "取短信余额成功")

    async def get_sign(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        signature = account.options.signature
        if not wire.signature_ok(signature):
            raise no_signature(signature)
        return wire.answer(0, "取签名成功", Sign=signature)

    # -- SmsCancel (§4.6) --------------------------------------------------------------------------------
    async def cancel(account: Account, params: dict[str, str], request: web.Request) -> dict[str, Any]:
        ids = wire.parse_cancel(params)
        now = v.sim.clock.now()
        details = []
        done = 0
        for sms_id in ids:
            status = -142
            for msg in v.sim.store.messages_by_vendor_id(v.key, sms_id):
                if (
                    msg.account == account.id
                    and msg.scheduled_at is not None
                    and msg.scheduled_at > now
                    and v.sim.engine.cancel(msg)
                ):
                    if account.options.user_quota is not None:
                        account.options.user_quota += msg.cost
                    status = 1
                    done += 1
                    break
            details.append({"SmsID": wire.sms_id_number(sms_id), "Status": status})
        return wire.answer(done, f"成功取消 {done} 条短信", Details=details)

    methods: dict[str, Method] = {
        "SmsSend": send,
        "SmsGetRecv": recv,
        "SmsGetReport": report,
        "SmsGetBalance": balance,
        "SmsGetSign": get_sign,
        "SmsCancel": cancel,
    }

    async def sms(request: web.Request) -> web.Response:
        params = wire.normalise(await form_params(request))
        name = params.get("methods", "").strip()
        if not name:
            raise missing("Methods")
        method = methods.get(name)
        if method is None:
            raise MobsetError(-191).because(bad_field("Methods", name, "one of " + ", ".join(methods)))
        request[wire.METHOD_KEY] = name
        creds = credentials(params)
        account = authenticate(
            creds,
            v.account(creds.corp_id),
            v.sim.clock.auth_now(),
            client_ip(request),
            v.settings,
            partial(warn, request),
        )
        return json_answer(await method(account, params, request))

    handler = v.handler(sms)
    return [web.get(PATH, handler, allow_head=False), web.post(PATH, handler)]
