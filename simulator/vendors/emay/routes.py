"""emay HTTP handlers: the secure interface /inter/*, the simple interface /simpleinter/*,
/report/retrieveReport and the short-link redirect /emay/s/{code}."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...core.engine import Submission
from ...core.errors import SimError
from ...core.models import Message
from ...core.scenarios import Decision
from ..base import REQUEST_ID, client_ip, dumps, form_params, json_answer, own_url, parse_time, short, warn
from . import crypto, shortlinks, templates, wire
from .auth import SecureRequest, charset_of, check_account, check_sign, check_validity, gzip_on, open_body
from .codes import EmayError

if TYPE_CHECKING:
    from . import EmayVendor

SecureFn = Callable[[SecureRequest, web.Request], Awaitable[Any]]
SIMPLE_RESERVED = {
    "appId",
    "timestamp",
    "sign",
    "timerTime",
    "customSmsId",
    "extendedCode",
    "mobiles",
    "content",
}
RETRIEVE_SPAN = 10 * 60  # §2.4: startTime and endTime at most 10 minutes apart
RETRIEVE_AGE = 30 * 86400  # §2.4: within the last 30 days
RETRIEVE_MAX_IDS = 1000
CLOCK_SKEW = 5  # seconds an endTime may lie ahead of the simulator's clock


def refused(code: str) -> Decision:
    """Accepted, then reported at once with a §4 failure state (the platform's own checks)."""
    return Decision(outcome="rejected", delay=0, code=code, rule=f"emay: {code}")


def setup(v: EmayVendor) -> list[web.RouteDef]:
    sim = lambda: v.sim  # noqa: E731  (bound after routes are built)

    # -- sending ----------------------------------------------------------------------------------------
    async def submit(
        account, items: list[wire.Item], request: web.Request, api: str, template: str | None = None
    ) -> list[Message]:
        s = sim()
        now = s.clock.now()
        batch = f"emay-{s.store.next_number('emay.batch')}"
        subs: list[Submission] = []
        decisions: list[Decision] = []
        seen: set[str] = set()
        for it in items:
            extra: dict[str, Any] = {"api": api}
            if it.custom_sms_id:
                extra["customSmsId"] = it.custom_sms_id
            if it.extended_code:
                extra["extendedCode"] = it.extended_code
            if template:
                extra["templateId"] = template
            if it.short_link:
                extra["shortLink"] = it.short_link
            sub = Submission(
                it.mobile,
                it.content,
                id=v.new_sms_id(),
                batch=batch,
                scheduled_at=it.scheduled_at,
                template=template,
                extra=extra,
            )
            subs.append(sub)
            if it.mobile in seen:
                decisions.append(refused("FAIL_MOBILE_REPEAT"))
                continue
            seen.add(it.mobile)
            try:
                account.check_content(it.content)
            except SimError:
                decisions.append(refused("FAIL_BLACK_DICT"))
                continue
            try:
                account.check_send_window(it.scheduled_at or now)
            except SimError:
                decisions.append(refused("FAIL_INTERCEPT"))
                continue
            decisions.append(s.engine.decide(v.key, account, sub))
        await s.engine.apply_faults(decisions)
        return await s.engine.accept(account, subs, decisions, request.get(REQUEST_ID))

    def limit() -> int:
        return v.settings.max_content_length

    def common(body: dict[str, Any], fmt: str = wire.TIME_FMT) -> tuple[float | None, str]:
        return wire.timer(body.get("timerTime"), sim().clock.now(), fmt), wire.extended_code(
            body.get("extendedCode")
        )

    def item(mobile: Any, content: Any, custom: Any, when: float | None, ext: str) -> wire.Item:
        m = wire.mobile(mobile)
        return wire.Item(m, wire.content(content, limit()), wire.custom_sms_id(custom), when, ext)

    # -- the secure interface ---------------------------------------------------------------------------
    def secure(fn: SecureFn) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            s = sim()
            app_id = request.headers.get("appId", "").strip()
            account = check_account(v.account(app_id), client_ip(request), v.limiter, s.clock.wall(), app_id)
            charset = charset_of(request.headers.get("encode"))
            gz = gzip_on(request.headers.get("gzip"))
            plain, body = open_body(
                await request.read(), account.secret, gz, charset, v.settings.max_body_bytes
            )
            now_ms = s.clock.auth_now() * 1000
            expires = check_validity(body, now_ms, partial(warn, request))
            await v.replay_check(account.id, request.path, plain, expires, now_ms)
            result = await fn(SecureRequest(account, body, gz, charset), request)
            data = dumps(result).encode(charset, errors="replace")
            if gz:
                data = crypto.compress(data)
            return web.Response(
                body=crypto.encrypt(data, account.secret),
                headers={"result": "SUCCESS"},
                content_type="application/octet-stream",
            )

        handler.__name__ = getattr(fn, "__name__", "secure")
        return handler

    async def send_single(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        when, ext = common(b)
        it = item(b.get("mobile"), b.get("content"), b.get("customSmsId"), when, ext)
        (msg,) = await submit(req.account, [it], request, "sendSingleSMS")
        return wire.sent_item(msg)

    async def send_batch(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        c = wire.content(b.get("content"), limit())
        when, ext = common(b)
        items = [item(i.get("mobile"), c, i.get("customSmsId"), when, ext) for i in raw]
        return [wire.sent_item(m) for m in await submit(req.account, items, request, "sendBatchSMS")]

    async def send_batch_only(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = b.get("mobiles")
        if isinstance(raw, str):
            raw = [m for m in raw.split(",") if m.strip()]
        if raw is not None and not isinstance(raw, list):
            raise EmayError("ERROR_PARAMS", "mobiles must be a list")
        numbers = wire.mobiles(raw or [])
        c = wire.content(b.get("content"), limit())
        when, ext = common(b)
        items = [wire.Item(m, c, None, when, ext) for m in numbers]
        return [wire.sent_item(m) for m in await submit(req.account, items, request, "sendBatchOnlySMS")]

    async def send_personality(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        when, ext = common(b)
        items = [item(i.get("mobile"), i.get("content"), i.get("customSmsId"), when, ext) for i in raw]
        return [wire.sent_item(m) for m in await submit(req.account, items, request, "sendPersonalitySMS")]

    async def send_personality_all(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        top_when, top_ext = common(b)
        items = []
        for i in raw:
            when = wire.timer(i.get("timerTime"), sim().clock.now()) if i.get("timerTime") else top_when
            ext = wire.extended_code(i.get("extendedCode")) if i.get("extendedCode") else top_ext
            items.append(item(i.get("mobile"), i.get("content"), i.get("customSmsId"), when, ext))
        return [wire.sent_item(m) for m in await submit(req.account, items, request, "sendPersonalityAllSMS")]

    async def create_template(req: SecureRequest, request: web.Request) -> Any:
        text = wire.content(req.body.get("templateContent"), limit())
        tpl = templates.create(sim(), req.account.id, text)
        return {"templateId": tpl.id}

    def template_id(body: dict[str, Any]) -> str:
        tid = wire.text(body.get("templateId")).strip()
        if not tid:
            raise EmayError("ERROR_PARAMS", "templateId is required")
        return tid

    async def delete_template(req: SecureRequest, request: web.Request) -> Any:
        tid = template_id(req.body)
        found = templates.find(sim(), req.account.id, tid) is not None
        if found:
            del templates.all_templates(sim())[tid]
        return {"code": "true" if found else "false", "templateId": tid}

    async def query_template(req: SecureRequest, request: web.Request) -> Any:
        tid = template_id(req.body)
        tpl = templates.find(sim(), req.account.id, tid)
        return {"templateId": tid, "status": templates.STATUS_CODES[tpl.status] if tpl else "-1"}

    async def send_template_normal(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        tpl = templates.usable(sim(), req.account.id, template_id(b))
        when, ext = common(b)
        items = [item(i.get("mobile"), tpl.content, i.get("customSmsId"), when, ext) for i in raw]
        msgs = await submit(req.account, items, request, "sendTemplateNormalSMS", tpl.id)
        return [wire.sent_item(m) for m in msgs]

    async def send_template_variable(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        tpl = templates.usable(sim(), req.account.id, template_id(b))
        when, ext = common(b)
        items = []
        for i in raw:
            values = i.get("content")
            if isinstance(values, str):
                try:
                    values = json.loads(values) if values.strip() else {}
                except ValueError:
                    values = None
                except RecursionError:
                    raise EmayError("ERROR_PARAMS", "content nests too deeply") from None
            if values is None:
                values = {}
            if not isinstance(values, dict):
                raise EmayError("ERROR_PARAMS", "content must be an object of variable values")
            items.append(item(i.get("mobile"), tpl.render(values), i.get("customSmsId"), when, ext))
        msgs = await submit(req.account, items, request, "sendTemplateVariableSMS", tpl.id)
        return [wire.sent_item(m) for m in msgs]

    async def send_short_link(req: SecureRequest, request: web.Request) -> Any:
        b = req.body
        raw = wire.items(b)
        text = wire.content(b.get("content"), limit())
        if shortlinks.PLACEHOLDER not in text:
            raise EmayError("ERROR_PARAMS", f"content must contain {shortlinks.PLACEHOLDER}")
        url = wire.text(b.get("url")).strip()
        if not url.lower().startswith(("http://", "https://")):
            raise EmayError("ERROR_PARAMS", "url must be an http(s) address")
        rule = wire.text(b.get("shortLinkRule")).strip() or "1"
        if rule not in ("1", "2"):
            raise EmayError("ERROR_PARAMS", "shortLinkRule must be 1 or 2")
        when, ext = common(b)
        s = sim()
        base = v.settings.short_link_base or own_url(request)
        # Validate every recipient (with the final length) before any link exists.
        sample = text.replace(shortlinks.PLACEHOLDER, base.rstrip("/") + shortlinks.PATH + "0" * 10)
        items = [item(i.get("mobile"), sample, i.get("customSmsId"), when, ext) for i in raw]
        shared = shortlinks.create(s, base, url, req.account.id, "1") if rule == "1" else None
        for it in items:
            link = shared or shortlinks.create(s, base, url, req.account.id, "2", it.mobile)
            it.content = text.replace(shortlinks.PLACEHOLDER, link.url)
            it.short_link = link.code
        return [wire.sent_item(m) for m in await submit(req.account, items, request, "sendShortLinkSMS")]

    def pull(stream: str, fmt: Callable[[Any], Any]) -> SecureFn:
        async def handler(req: SecureRequest, request: web.Request) -> Any:
            n = wire.number(req.body.get("number"))
            s = sim()
            return [fmt(x) for x in await s.store.take(v.key, req.account.id, stream, n, s.clock.now())]

        return handler

    async def balance(req: SecureRequest, request: web.Request) -> Any:
        return {"balance": req.account.balance}

    # -- the simple interface ---------------------------------------------------------------------------
    async def simple_auth(request: web.Request) -> tuple[dict[str, str], Any]:
        s = sim()
        params = await form_params(request, "utf-8")
        app_id = params.get("appId", "").strip()
        account = check_account(v.account(app_id), client_ip(request), v.limiter, s.clock.wall(), app_id)
        check_sign(params, account, s.clock.auth_now(), v.settings, partial(warn, request))
        return params, account

    def simple_common(params: dict[str, str]) -> tuple[float | None, str, str | None]:
        when, ext = common(params, wire.SIMPLE_TIME_FMT)
        return when, ext, wire.custom_sms_id(params.get("customSmsId"))

    async def simple_send(request: web.Request) -> web.Response:
        params, account = await simple_auth(request)
        numbers = wire.mobiles([m for m in params.get("mobiles", "").split(",") if m.strip()])
        c = wire.content(params.get("content"), limit())
        when, ext, custom = simple_common(params)
        items = [wire.Item(m, c, custom, when, ext) for m in numbers]
        msgs = await submit(account, items, request, "simpleinter/sendSMS")
        return json_answer({"code": "SUCCESS", "data": [wire.sent_item(m) for m in msgs]})

    async def simple_personality(request: web.Request) -> web.Response:
        params, account = await simple_auth(request)
        pairs = [(k, val) for k, val in params.items() if k not in SIMPLE_RESERVED and k.strip().isdigit()]
        numbers = wire.mobiles([k.strip() for k, _ in pairs])
        when, ext, custom = simple_common(params)
        items = [
            wire.Item(m, wire.content(val, limit()), custom, when, ext)
            for m, (_, val) in zip(numbers, pairs, strict=True)
        ]
        msgs = await submit(account, items, request, "simpleinter/sendPersonalitySMS")
        return json_answer({"code": "SUCCESS", "data": [wire.sent_item(m) for m in msgs]})

    def simple_pull(stream: str, fmt: Callable[[Any], Any]):
        async def handler(request: web.Request) -> web.Response:
            params, account = await simple_auth(request)
            n = wire.number(params.get("number"))
            s = sim()
            items = await s.store.take(v.key, account.id, stream, n, s.clock.now())
            return json_answer({"code": "SUCCESS", "data": [fmt(x) for x in items]})

        return handler

    async def simple_balance(request: web.Request) -> web.Response:
        _, account = await simple_auth(request)
        return json_answer({"code": "SUCCESS", "data": {"balance": account.balance}})

    # -- §2.4 retrieveReport ----------------------------------------------------------------------------
    async def retrieve_report(request: web.Request) -> web.Response:
        params, account = await simple_auth(request)
        if not account.options.retrieve_enabled:
            raise EmayError("ERROR_NO_RETRIEVE_SERVICE").because(
                f"account {account.id} has options.retrieve_enabled: false"
            )
        s = sim()
        now = s.clock.now()
        start, end = (
            parse_time(params.get(k, "").strip(), wire.SIMPLE_TIME_FMT) for k in ("startTime", "endTime")
        )
        if (
            start is None
            or end is None
            or not start < end
            or end - start > RETRIEVE_SPAN
            or start < now - RETRIEVE_AGE
            or end > now + CLOCK_SKEW
        ):
            raise EmayError("ERROR_REPORT_TIME").because(
                f"startTime {short(params.get('startTime', ''))} and "
                f"endTime {short(params.get('endTime', ''))} "
                f"refused: both yyyyMMddHHmmss (Beijing), start before end, at most {RETRIEVE_SPAN} s apart, "
                f"within the last {RETRIEVE_AGE // 86400} days and not in the future"
            )
        listed = [i.strip() for i in params.get("smsId", "").split(",") if i.strip()]
        if len(listed) > RETRIEVE_MAX_IDS:
            raise EmayError("ERROR_TOO_MUCH_SMSIDS").because(
                f"smsId lists {len(listed)} ids; at most {RETRIEVE_MAX_IDS}"
            )
        ids = set(listed)
        for report in s.store.reports(v.key, account.id):
            msg = report.message
            if not start <= int(msg.created_at) <= end or (ids and msg.id not in ids):
                continue
            s.engine.route_report(msg, report, "retrieveReport: ")
        return web.Response(text="SUCCESS", content_type="text/plain", charset="utf-8")

    # -- short-link visits ------------------------------------------------------------------------------
    async def visit(request: web.Request) -> web.StreamResponse:
        link = shortlinks.visit(sim(), request.match_info["code"], request.headers.get("User-Agent", ""))
        if link is None:
            return web.Response(status=404, text="short link not found", content_type="text/plain")
        return web.Response(status=302, headers={"Location": link.long_url})

    h = v.handler
    routes: list[web.RouteDef] = []
    for name, fn in (
        ("sendSingleSMS", send_single),
        ("sendBatchSMS", send_batch),
        ("sendBatchOnlySMS", send_batch_only),
        ("sendPersonalitySMS", send_personality),
        ("sendPersonalityAllSMS", send_personality_all),
        ("createTemplateSMS", create_template),
        ("deleteTemplateSMS", delete_template),
        ("queryTemplateSMS", query_template),
        ("sendTemplateNormalSMS", send_template_normal),
        ("sendTemplateVariableSMS", send_template_variable),
        ("sendShortLinkSMS", send_short_link),
        ("getReport", pull("report", wire.report_item)),
        ("getMo", pull("mo", wire.mo_item)),
        ("getShortLink", pull(shortlinks.STREAM, lambda c: c)),
        ("getBalance", balance),
    ):
        routes.append(web.post(f"/inter/{name}", h(secure(fn))))
    for path, hfn in (
        ("/simpleinter/sendSMS", simple_send),
        ("/simpleinter/sendPersonalitySMS", simple_personality),
        ("/simpleinter/getReport", simple_pull("report", wire.report_item)),
        ("/simpleinter/getMo", simple_pull("mo", wire.mo_item)),
        ("/simpleinter/getBalance", simple_balance),
        ("/report/retrieveReport", retrieve_report),
    ):
        routes += [web.get(path, h(hfn), allow_head=False), web.post(path, h(hfn))]
    routes.append(web.get(shortlinks.PATH + "{code}", h(visit), allow_head=False))
    return routes
