"""kx HTTP handlers: parse the wire request, call the core, format the wire response."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from ...core.engine import Submission
from ...core.errors import SimError
from ...core.scenarios import Decision
from ..base import client_ip, diagnose, form_params, json_answer, refused, short, warn
from . import wire
from .auth import authenticate
from .codes import KxError, error_for

if TYPE_CHECKING:
    from . import KxVendor


def setup(v: KxVendor) -> list[web.RouteDef]:
    def auth(params: dict[str, str], request: web.Request):
        account = v.account(params.get("userid", "").strip())
        http_enabled = account.options.http_enabled if account is not None else True
        now_ms = v.sim.clock.auth_now() * 1000
        return authenticate(
            params,
            account,
            now_ms,
            client_ip(request),
            http_enabled,
            partial(warn, request),
        )

    async def send(request: web.Request) -> web.Response:
        params = await form_params(request)
        account = auth(params, request)
        now = v.sim.clock.now()
        req = wire.parse_send(params, now)
        account.check_content(req.content)
        account.check_send_window(now)
        taskid = v.new_taskid()
        subs = [v.submission(m, req.content, taskid, req.common) for m in req.mobiles]
        await v.submit(account, subs, request)
        return json_answer(wire.ok({"taskid": taskid}))

    async def balance(request: web.Request) -> web.Response:
        account = auth(await form_params(request), request)
        return json_answer(wire.ok({"balance": str(account.balance)}))

    def query(stream: str, fmt):
        async def handler(request: web.Request) -> web.Response:
            account = auth(await form_params(request), request)
            items = await v.sim.store.take(v.key, account.id, stream, wire.PAGE, v.sim.clock.now())
            return json_answer(wire.ok([fmt(account, it) for it in items] if items else None))

        return handler

    async def p2psend(request: web.Request) -> web.Response:
        creds, raw_items = wire.parse_p2p_body(await request.read())
        items = wire.p2p_items(raw_items or [])
        mobiles = [m for m, _ in items]
        try:
            account = auth(creds, request)
            if raw_items is None:
                raise KxError("2").because("the body has no list of mobile/content items")
            if len(items) > wire.MAX_P2P_ITEMS:
                raise KxError("15").because(f"{len(items)} items; at most {wire.MAX_P2P_ITEMS} per request")
            now = v.sim.clock.now()
            common = wire.parse_common(creds["_body"], now)
            account.check_send_window(now)
        except SimError as err:
            return json_answer(wire.p2p_all_failed(*error_for(refused(request, err)), mobiles))
        taskid = v.new_taskid()
        results: list[dict[str, str]] = []
        subs: list[Submission] = []
        item_refusals: list[str] = []
        for mobile, content in items:
            try:
                if not mobile or not content:
                    raise KxError("2").because("mobile and msgcontent are both required")
                if len(content) > wire.MAX_CONTENT:
                    raise KxError("11").because(
                        f"msgcontent is {len(content)} characters; at most {wire.MAX_CONTENT}"
                    )
                account.check_content(content)
            except SimError as err:
                code, msg = error_for(err)
                item_refusals.append(f"item {short(mobile)}: {v.explain(err)}")
                results.append({"mobile": mobile, "code": code, "msg": msg})
                continue
            subs.append(v.submission(mobile, content, taskid, common))
            results.append({"mobile": mobile, "code": "0", "msg": "提交成功"})
        if item_refusals:
            diagnose(request, "; ".join(item_refusals))
        if not subs:
            first = next(r for r in results if r["code"] != "0")
            return json_answer(
                {"code": first["code"], "msg": first["msg"], "data": {"taskid": "", "result": results}}
            )
        try:
            await v.submit(account, subs, request)
        except SimError as err:
            return json_answer(wire.p2p_all_failed(*error_for(refused(request, err)), mobiles))
        return json_answer(wire.ok({"taskid": taskid, "result": results}))

    h = v.handler
    routes = []
    for path, fn in (
        ("/api/sms/send", send),
        ("/api/sms/balance", balance),
        ("/api/v2/sms/query", query("report", lambda a, r: wire.report_item(r))),
        ("/api/v2/sms/moquery", query("mo", lambda a, m: wire.mo_item(m, v.srcid(a, m)))),
    ):
        routes += [web.get(path, h(fn), allow_head=False), web.post(path, h(fn))]
    routes.append(web.post("/api/sms/p2psend", h(p2psend)))
    return routes


def invalid_number_decision() -> Decision:
    """A number that is not a mainland mobile is accepted and reported at once as F110 (§12.2)."""
    return Decision(outcome="undeliverable", delay=0, code="F110", rule="invalid number")
