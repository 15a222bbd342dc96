"""smsgw HTTP handler: one path `/sms`, GET or form POST, `action` selects the function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...core.accounts import Account
from ...core.billing import count_segments
from ...core.engine import Submission
from ...core.scenarios import Decision
from ..base import REQUEST_ID, bad_field, client_ip, diagnose, form_params, json_answer, short
from . import wire
from .auth import authenticate
from .codes import INVALID_NUMBER_STAT, SENSITIVE_STAT, SmsgwError

if TYPE_CHECKING:
    from . import SmsgwVendor

ACTION_KEY = web.RequestKey("smsgw_action", str)
ACCOUNT_KEY = web.RequestKey("smsgw_account", Account)


def invalid_number_decision() -> Decision:
    """A recipient that is not a mainland mobile is accepted and reported at once as MA:0005."""
    return Decision(outcome="undeliverable", delay=0, code=INVALID_NUMBER_STAT, rule="invalid number")


def sensitive_decision(word: str) -> Decision:
    """Content with one of the account's sensitive words is accepted and rejected as MA:0002 (内容非法)."""
    return Decision(outcome="rejected", delay=0, code=SENSITIVE_STAT, rule=f"sensitive word {word}")


def setup(v: SmsgwVendor) -> list[web.RouteDef]:
    async def submit(
        account: Account, extno: str, items: list[tuple[str, str]], request: web.Request
    ) -> web.Response:
        """send and p2p: per-number results 10 / 17 / 15 / 0, then one engine call for the accepted."""
        engine = v.sim.engine
        opts = v.options(account)
        extno_ok = v.extno_ok(account, extno)
        access_code = extno or opts.extno
        results: list[int] = []
        candidates: list[tuple[int, Submission, Decision]] = []
        for i, (mobile, content) in enumerate(items):
            if not extno_ok:
                results.append(10)
                continue
            if not v.signature_ok(account, content):
                results.append(17)
                continue
            results.append(0)
            segments = count_segments(content)
            sub = Submission(mobile, content, segments=segments, extra={"extno": access_code})
            word = next((w for w in account.sensitive_words if w and w in content), None)
            if not wire.valid_mobile(mobile):
                dec = invalid_number_decision()
            elif word is not None:
                dec = sensitive_decision(word)
            else:
                dec = engine.decide(v.key, account, sub)
            candidates.append((i, sub, dec))
        await engine.apply_faults([d for _, _, d in candidates])
        # Everything below is synchronous: no other request can spend the balance in between.
        post = v.charge_type(account) == "POSTCHARGE"
        remaining = account.balance
        mids = v.new_mids(len(items))
        subs: list[Submission] = []
        decisions: list[Decision] = []
        for i, sub, dec in candidates:
            sub.units = (sub.segments or 1) * opts.price_per_segment  # 厘
            if not post and sub.units > remaining:
                results[i] = 15
                continue
            remaining -= sub.units
            sub.id = mids[i]
            subs.append(sub)
            decisions.append(dec)
        if subs:
            await engine.accept(account, subs, decisions, request.get(REQUEST_ID), allow_negative=post)
        listed = [wire.submit_item(mids[i], m, results[i]) for i, (m, _) in enumerate(items)]
        why = {
            10: f"extno {short(extno)} is not account {account.id}'s access number {opts.extno!r} "
            f"plus up to {opts.max_extension_digits} digits",
            17: f"the content has no 【signature】 at its start or end that account {account.id} may use "
            f"(options.signatures: {', '.join(opts.signatures) or 'any'})",
            15: f"the balance ({account.balance} 厘) does not cover it at {opts.price_per_segment} 厘 "
            "a segment",
        }
        refusals = [f"{m}: result {r}, {why[r]}" for (m, _), r in zip(items, results, strict=True) if r]
        if refusals:
            more = f"; and {len(refusals) - 3} more" if len(refusals) > 3 else ""
            diagnose(request, "; ".join(refusals[:3]) + more)
        return json_answer(wire.list_answer(0, account.balance, listed))

    async def send(account: Account, params: dict[str, str], request: web.Request) -> web.Response:
        mobiles = wire.parse_mobiles(params.get("mobile", ""))
        content = wire.parse_content(params.get("content", ""))
        account.check_send_window(v.sim.clock.now())
        return await submit(
            account, params.get("extno", "").strip(), [(m, content) for m in mobiles], request
        )

    async def p2p(account: Account, params: dict[str, str], request: web.Request) -> web.Response:
        items = wire.parse_p2p(params.get("mobileContentList", ""))
        account.check_send_window(v.sim.clock.now())
        return await submit(account, params.get("extno", "").strip(), items, request)

    async def balance(account: Account, params: dict[str, str], request: web.Request) -> web.Response:
        return json_answer(wire.balance_answer(0, account.balance, v.charge_type(account)))

    def query(stream: str, limits: tuple[int, int, int]):
        async def handler(account: Account, params: dict[str, str], request: web.Request) -> web.Response:
            size = wire.parse_size(params, limits)
            items = await v.sim.store.take(v.key, account.id, stream, size, v.sim.clock.now())
            return json_answer(wire.list_answer(0, account.balance, [wire.item(it) for it in items]))

        return handler

    actions: dict[str, Any] = {
        "send": send,
        "p2p": p2p,
        "balance": balance,
        "report": query("report", wire.REPORT_SIZE),
        "mo": query("mo", wire.MO_SIZE),
    }

    async def sms(request: web.Request) -> web.Response:
        params = await form_params(request)
        action = params.get("action", "").strip().lower()
        request[ACTION_KEY] = action
        fn = actions.get(action)
        if fn is None:
            raise SmsgwError(1, "action不存在").because(
                bad_field("action", params.get("action", ""), "one of " + ", ".join(actions))
            )
        account = v.account(params.get("account", "").strip())
        http_enabled = v.options(account).http_enabled if account is not None else True
        account = authenticate(action, params, account, client_ip(request), http_enabled)
        request[ACCOUNT_KEY] = account
        with v.connection(account):
            return await fn(account, params, request)

    h = v.handler(sms)
    return [web.get("/sms", h, allow_head=False), web.post("/sms", h)]
