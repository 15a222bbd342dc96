"""Admin API handlers.  Every error is a 4xx JSON ``{"error": "...", ...}``; see docs/admin-api.md."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from .. import __version__ as VERSION
from ..config import Config, parse_window
from ..core.errors import SimError
from ..core.models import STATUSES, Message
from ..core.quotas import COLLECTION as QUOTA_COUNTS
from ..core.quotas import listed as listed_quotas
from ..core.quotas import split_key as split_quota_key
from ..core.scenarios import parse_scenario
from ..core.sim import Sim
from ..core.unsubscribes import COLLECTION as UNSUBSCRIBES
from ..core.unsubscribes import listed as listed_unsubscribes
from ..core.unsubscribes import record_key as unsubscribe_key
from ..core.yamlfile import FileError
from . import export_html, openapi, shapes
from .guard import AUTHED

ACCOUNT_FIELDS = set(shapes.AccountPatch.model_fields) - {"options"}  # options: also at the top level
B = TypeVar("B", bound=BaseModel)


class AdminError(Exception):
    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.extra = extra


def answer(obj: Any, status: int = 200) -> web.Response:
    try:
        body = orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # a stray surrogate in recorded input, a huge integer
        body = json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8", "replace")
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8")


def admin(fn: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await fn(request)
        except AdminError as e:
            return answer({"error": e.error, **e.extra}, e.status)
        except web.HTTPException:
            raise
        except Exception as e:  # never a traceback page
            return answer({"error": f"internal error: {type(e).__name__}: {e}"}, 500)

    return wrapped


async def json_body(request: web.Request, required: bool = True) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        if required:
            raise AdminError(400, "a JSON object body is required")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise AdminError(400, f"body is not valid JSON: {type(e).__name__}: {e}") from None
    if not isinstance(body, dict):
        raise AdminError(400, "body must be a JSON object")
    return body


def parse_body(model: type[B], body: dict[str, Any]) -> B:
    """A request body checked by its model (simulator/admin/shapes.py): 400 with the first problem as
    ``error`` and every one in ``problems``."""
    parsed, problems = shapes.body_problems(model, body)
    if parsed is None:
        raise AdminError(400, problems[0], problems=problems)
    return parsed  # type: ignore[return-value]


async def read_body(request: web.Request, model: type[B], required: bool = True) -> B:
    return parse_body(model, await json_body(request, required))


EVENT_QUEUE = 1000  # events waiting for one /_sim/events reader; past it the reader is dropped
EVENT_WRITE_TIMEOUT = 5.0  # seconds a /_sim/events write may wait for a slow reader
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def paging(q: Mapping[str, str]) -> dict[str, Any]:
    """``limit`` (default 100, at most 1,000), ``cursor`` (a page's ``next``), ``order`` (desc: newest
    first, the default; asc: oldest first)."""
    try:
        limit = int(q.get("limit", DEFAULT_PAGE))
    except ValueError:
        raise AdminError(400, "limit must be an integer") from None
    if not 1 <= limit <= MAX_PAGE:
        raise AdminError(400, f"limit must be between 1 and {MAX_PAGE}")
    cursor = q.get("cursor") or None
    if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) < 19):
        raise AdminError(400, "cursor must be the 'next' value of a previous page")
    order = q.get("order", "desc")
    if order not in ("desc", "asc"):
        raise AdminError(400, "order must be desc (newest first) or asc")
    return {"limit": limit, "cursor": int(cursor) if cursor else None, "newest_first": order == "desc"}


def invalid(what: str, e: ValidationError) -> AdminError:
    """A 400 ``invalid <what>`` naming each problem's field."""
    problems = [f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()]
    return AdminError(400, f"invalid {what}", problems=problems)


def flag(q: Mapping[str, str], name: str) -> bool | None:
    v = q.get(name)
    if v is None or v == "":
        return None
    if v.lower() in ("true", "1", "yes"):
        return True
    if v.lower() in ("false", "0", "no"):
        return False
    raise AdminError(400, f"{name} must be true or false")


def paged(key: str, items: list[dict[str, Any]], nxt: int | None, total: int, **extra: Any) -> web.Response:
    return answer({key: items, "next": str(nxt) if nxt is not None else None, "total": total, **extra})


def clock_of(sim: Sim) -> dict[str, Any]:
    """The clock as ``GET /_sim/clock`` shows it."""
    now = sim.clock.now()
    return {
        "now": now,
        "iso": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "wall": sim.clock.wall(),
        "offset": round(now - sim.clock.wall(), 6),
        "frozen": sim.clock.frozen,
        "auth_clock": "simulated" if sim.clock.auth_uses_simulated else "wall",
        "pending_timers": sim.clock.pending,
    }


def request_of(sim: Sim, entry: Any) -> dict[str, Any]:
    """A journaled request, with ``decoded_body`` and ``decoded_response`` when its vendor encodes
    bodies (emay: decrypted)."""
    vendor = sim.vendors.get(entry.vendor)
    body, answer_ = vendor.decoded_bodies(entry) if vendor is not None else (None, None)  # type: ignore[attr-defined]
    return {**entry.public(), "decoded_body": body, "decoded_response": answer_}


def export_run(sim: Sim) -> dict[str, Any]:
    """Everything the run kept, as one JSON-ready document (``GET /_sim/export`` and
    ``sms-simulator export``; docs/admin-api.md, "Run export")."""
    store = sim.store
    return {
        "format": "sms-simulator-run/1",
        "version": VERSION,
        "clock": clock_of(sim),
        "scenario": sim.scenario.model_dump(mode="json"),
        "accounts": [a.public() for a in sim.accounts.list()],
        "messages": [m.public() for m in store.query_messages()],
        "mo": [m.public() for m in store.query_mo()],
        "callbacks": [a.public() for a in store.attempts()],
        "requests": [request_of(sim, r) for r in store.requests()],
        "unsubscribes": listed_unsubscribes(store.collection(UNSUBSCRIBES)),
        "quotas": listed_quotas(store.collection(QUOTA_COUNTS), sim.clock.now()),
    }


def setup(app: web.Application, sim: Sim, config: Config) -> None:
    started = time.time()

    def clock_state() -> dict[str, Any]:
        return clock_of(sim)

    def find_account(request: web.Request):
        vendor, aid = request.match_info["vendor"], request.match_info["id"]
        if vendor not in sim.vendors:
            raise AdminError(404, f"unknown vendor {vendor!r}", vendors=list(sim.vendors))
        account = sim.accounts.get(vendor, aid)
        if account is None:
            raise AdminError(404, f"no {vendor} account {aid!r}")
        return account

    def find_message(request: web.Request) -> Message:
        key = request.match_info["id"]
        msg = sim.store.get_message(key)
        if msg is not None:
            return msg
        found = sim.store.messages_by_vendor_id(request.query.get("vendor"), key)
        if "mobile" in request.query:
            found = [m for m in found if m.mobile == request.query["mobile"]]
        if not found:
            raise AdminError(404, f"no message {key!r}")
        if len(found) > 1:
            raise AdminError(
                409,
                f"{len(found)} messages share id {key!r}; add ?mobile= or use a sim_id",
                candidates=[{"sim_id": m.sim_id, "mobile": m.mobile, "vendor": m.vendor} for m in found],
            )
        return found[0]

    def request_public(entry) -> dict[str, Any]:
        return request_of(sim, entry)

    # -- health and accounts ------------------------------------------------------------------------
    @admin
    async def health(request: web.Request) -> web.Response:
        if not request.get(AUTHED, True):  # a token is set and was not given: liveness only
            return answer({"status": "ok"})
        body = {
            "status": "ok",
            "version": VERSION,
            "uptime": round(time.time() - started, 3),
            "vendors": list(sim.vendors),
            "scenario": sim.scenario.name,
            "clock": clock_state(),
            "messages": sim.store.count_messages(),
            "callbacks_queued": sim.dispatcher.queued,
            "process": os.getpid(),  # with --workers, which process answered
        }
        if sim.store.warnings:
            body["warnings"] = list(sim.store.warnings)
        return answer(body)

    @admin
    async def list_accounts(request: web.Request) -> web.Response:
        vendor = request.query.get("vendor")
        return answer({"accounts": [a.public() for a in sim.accounts.list(vendor)]})

    @admin
    async def get_account(request: web.Request) -> web.Response:
        return answer(find_account(request).public())

    @admin
    async def patch_account(request: web.Request) -> web.Response:
        account = find_account(request)
        body = await json_body(request)
        options_model = type(account.options)
        opt_fields = set(options_model.model_fields) if hasattr(options_model, "model_fields") else set()
        moved = {k: body.pop(k) for k in list(body) if k in opt_fields and k not in ACCOUNT_FIELDS}
        unknown = set(body) - ACCOUNT_FIELDS - {"options"}
        if unknown:
            raise AdminError(
                400,
                f"unknown field(s): {', '.join(sorted(unknown))}",
                allowed=sorted(ACCOUNT_FIELDS | opt_fields),
            )
        patch = parse_body(shapes.AccountPatch, body)
        changes: dict[str, Any] = {k: getattr(patch, k) for k in patch.model_fields_set - {"options"}}
        if "send_window" in changes:
            changes["send_window"] = parse_window(changes["send_window"]) if changes["send_window"] else None
        if "ip_allowlist" in changes:
            changes["_networks"] = [ipaddress.ip_network(a, strict=False) for a in changes["ip_allowlist"]]
        options_patch = {**(patch.options or {}), **moved}
        new_options = None
        if options_patch:
            try:
                new_options = options_model.model_validate({**account.options.model_dump(), **options_patch})
            except ValidationError as e:
                raise invalid("options", e) from None
        for k, v in changes.items():
            setattr(account, k, v)
        if new_options is not None:
            account.options = new_options
        sim.accounts.changed(account)
        sim.bus.publish("account", account=account.public())
        return answer(account.public())

    @admin
    async def account_example(request: web.Request) -> web.Response:
        from ..signing import example_send

        account = find_account(request)
        mobile = request.query.get("mobile") or "13800000000"
        base = f"{request.scheme}://{request.host}"
        options = account.public().get("options") or {}
        return answer(example_send(account.vendor, account.id, account.secret, options, base, mobile))

    # -- messages -------------------------------------------------------------------------------------
    @admin
    async def list_messages(request: web.Request) -> web.Response:
        q = request.query
        status = q.get("status")
        if status is not None and status not in STATUSES:
            raise AdminError(400, f"unknown status {status!r}", statuses=list(STATUSES))
        try:
            since = float(q["since"]) if "since" in q else None
        except ValueError:
            raise AdminError(400, "since must be epoch seconds") from None
        msgs, nxt, total = sim.store.page_messages(
            **paging(q),
            vendor=q.get("vendor"),
            account=q.get("account"),
            mobile=q.get("mobile"),
            status=status,
            since=since,
            text=q.get("text") or None,
        )
        return paged("messages", [m.summary() for m in msgs], nxt, total)

    @admin
    async def get_message(request: web.Request) -> web.Response:
        msg = find_message(request)
        out = msg.public()
        out["callbacks"] = [
            a.public() for a in (sim.store.get_attempt(cid) for cid in msg.callbacks) if a is not None
        ]
        req = sim.store.get_request(msg.request_id) if msg.request_id else None
        out["request"] = request_public(req) if req else None
        out["replies"] = [
            m.public()
            for m in sim.store.query_mo(vendor=msg.vendor, mobile=msg.mobile)
            if m.message_sim_id == msg.sim_id
        ]
        return answer(out)

    @admin
    async def force_outcome(request: web.Request) -> web.Response:
        msg = find_message(request)
        body = await read_body(request, shapes.ForceOutcome)
        try:
            sim.engine.force(msg, body.outcome, body.code)
        except ValueError as e:
            raise AdminError(409, str(e)) from None
        await sim.dispatcher.drain()
        return answer(msg.summary())

    # -- replies (MO) ---------------------------------------------------------------------------------
    @admin
    async def inject_mo(request: web.Request) -> web.Response:
        body = await read_body(request, shapes.MoIn)
        try:
            mo = sim.engine.receive_mo(
                body.vendor, body.mobile, body.content, body.account, body.extension or ""
            )
        except SimError as e:
            status = 404 if e.reason in ("unknown_vendor", "unknown_account") else 409
            raise AdminError(status, e.message) from None
        await asyncio.sleep(0)
        return answer({"mo": mo.public()}, 201)

    @admin
    async def list_mo(request: web.Request) -> web.Response:
        q = request.query
        mos, nxt, total = sim.store.page_mo(
            **paging(q), vendor=q.get("vendor"), account=q.get("account"), mobile=q.get("mobile")
        )
        return paged("mo", [m.public() for m in mos], nxt, total)

    # -- callbacks and raw requests ---------------------------------------------------------------------
    @admin
    async def list_callbacks(request: web.Request) -> web.Response:
        q = request.query
        attempts, nxt, total = sim.store.page_attempts(
            **paging(q),
            vendor=q.get("vendor"),
            account=q.get("account"),
            stream=q.get("stream"),
            message=q.get("message"),
            failed=flag(q, "failed"),
        )
        return paged("callbacks", [a.public() for a in attempts], nxt, total, queued=sim.dispatcher.queued)

    @admin
    async def retry_callback(request: web.Request) -> web.Response:
        await read_body(request, shapes.Empty, required=False)
        attempt = sim.store.get_attempt(request.match_info["id"])
        if attempt is None:
            raise AdminError(404, f"no callback attempt {request.match_info['id']!r}")
        if sim.dispatcher.retry_now(attempt) is None:
            raise AdminError(409, "nothing left to send: the messages it carried are no longer kept")
        await sim.dispatcher.drain()
        latest, _, _ = sim.store.page_attempts(
            limit=1,
            cursor=None,
            newest_first=True,
            vendor=attempt.vendor,
            account=attempt.account,
            stream=attempt.stream,
        )
        return answer({"retried": attempt.id, "attempt": latest[0].public() if latest else None})

    @admin
    async def list_requests(request: web.Request) -> web.Response:
        q = request.query
        logs, nxt, total = sim.store.page_requests(
            **paging(q), vendor=q.get("vendor"), failed=flag(q, "failed")
        )
        return paged("requests", [request_public(r) for r in logs], nxt, total)

    # -- unsubscribes ---------------------------------------------------------------------------------
    @admin
    async def list_unsubscribes(request: web.Request) -> web.Response:
        q = request.query
        coll = sim.store.collection(UNSUBSCRIBES)
        return answer({"unsubscribes": listed_unsubscribes(coll, q.get("vendor"), q.get("account"))})

    def forget_numbers(request: web.Request, name: str, missing: str | None = None) -> web.Response:
        """Delete an account's records (or one number's) from a collection keyed vendor/account/mobile;
        ``missing``: a 404 when the one number has none (its text names the number), else removed 0."""
        account = find_account(request)
        coll = sim.store.collection(name)
        mobile = request.match_info.get("mobile")
        if mobile is not None:
            key = unsubscribe_key(account.vendor, account.id, mobile)
            if key not in coll and missing is not None:
                raise AdminError(404, missing.format(mobile=mobile, account=account))
            keys = [key] if key in coll else []
        else:  # list(): the keys alone (a durable store counts only the deletions as changes)
            keys = [k for k in list(coll) if split_quota_key(k)[:2] == (account.vendor, account.id)]
        for key in keys:
            del coll[key]
        return answer({"removed": len(keys)})

    @admin
    async def clear_unsubscribes(request: web.Request) -> web.Response:
        return forget_numbers(
            request, UNSUBSCRIBES, "{mobile} is not on {account.vendor} account {account.id}'s list"
        )

    # -- quotas ---------------------------------------------------------------------------------------
    @admin
    async def list_quotas(request: web.Request) -> web.Response:
        q = request.query
        coll = sim.store.collection(QUOTA_COUNTS)
        return answer({"quotas": listed_quotas(coll, sim.clock.now(), q.get("vendor"), q.get("account"))})

    @admin
    async def clear_quotas(request: web.Request) -> web.Response:
        return forget_numbers(request, QUOTA_COUNTS)

    # -- run export -----------------------------------------------------------------------------------
    @admin
    async def export_handler(request: web.Request) -> web.Response:
        """Everything the run kept, as one JSON document (docs/admin-api.md, "Run export")."""
        doc = export_run(sim)
        fmt = request.query.get("format", "json")
        if fmt == "html":
            resp = web.Response(text=export_html.render(doc), content_type="text/html", charset="utf-8")
        elif fmt == "json":
            resp = answer(doc)
        else:
            raise AdminError(400, "format must be json or html")
        resp.headers["Content-Disposition"] = f'attachment; filename="sms-simulator-run.{fmt}"'
        return resp

    # -- clock ----------------------------------------------------------------------------------------
    @admin
    async def get_clock(request: web.Request) -> web.Response:
        return answer(clock_state())

    @admin
    async def advance(request: web.Request) -> web.Response:
        body = await read_body(request, shapes.ClockAdvance)
        fired = sim.clock.advance(body.seconds)
        await sim.dispatcher.drain()
        return answer({**clock_state(), "fired": fired})

    @admin
    async def freeze(request: web.Request) -> web.Response:
        at = (await read_body(request, shapes.ClockFreeze, required=False)).at
        if at is not None and at < sim.clock.now():
            raise AdminError(400, "at must not be in the past: the clock does not go backwards")
        sim.clock.freeze()
        fired = sim.clock.set_time(at) if at is not None else 0
        await sim.dispatcher.drain()
        return answer({**clock_state(), "fired": fired})

    @admin
    async def unfreeze(request: web.Request) -> web.Response:
        sim.clock.unfreeze()
        return answer(clock_state())

    # -- scenario and reset -----------------------------------------------------------------------------
    @admin
    async def get_scenario(request: web.Request) -> web.Response:
        return answer({"scenario": sim.scenario.model_dump(mode="json")})

    @admin
    async def put_scenario(request: web.Request) -> web.Response:
        raw = await request.read()
        if len(raw) > 1 << 20:
            raise AdminError(413, "scenario larger than 1 MiB")
        try:
            scenario = parse_scenario(raw, "scenario")
        except FileError as e:
            raise AdminError(400, "invalid scenario", problems=e.problems) from None
        sim.set_scenario(scenario)
        sim.bus.publish("scenario", name=scenario.name)
        return answer(
            {"scenario": scenario.name, "rules": len(scenario.rules), "reviews": len(scenario.reviews)}
        )

    @admin
    async def reset(request: web.Request) -> web.Response:
        keep_clock = (await read_body(request, shapes.Reset, required=False)).keep_clock
        await sim.dispatcher.drain(timeout=2)
        sim.reset(keep_clock=keep_clock)
        return answer({"status": "reset", "clock": clock_state()})

    # -- live events (server-sent events) ---------------------------------------------------------------
    async def events(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        q = sim.bus.queue(EVENT_QUEUE)
        try:
            while not sim.bus.was_dropped(q):
                try:
                    event = await asyncio.wait_for(q.get(), timeout=15)
                    data = json.dumps(event, ensure_ascii=False, default=str)
                    chunk = f"event: {event['type']}\ndata: {data}\n\n".encode()
                except TimeoutError:
                    chunk = b": keep-alive\n\n"
                # a reader that does not read is dropped, not waited for
                await asyncio.wait_for(resp.write(chunk), timeout=EVENT_WRITE_TIMEOUT)
        except TimeoutError:
            if request.transport is not None:
                request.transport.close()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            sim.bus.unqueue(q)
            sim.bus.was_dropped(q)
        with contextlib.suppress(Exception):
            await resp.write_eof()
        return resp

    @admin
    async def openapi_json(request: web.Request) -> web.Response:
        return answer(openapi.spec())  # generated from the models on the first call, then kept

    r = app.router
    r.add_get("/_sim/health", health)
    r.add_get("/_sim/openapi.json", openapi_json)
    r.add_get("/_sim/accounts", list_accounts)
    r.add_get("/_sim/accounts/{vendor}/{id}", get_account)
    r.add_patch("/_sim/accounts/{vendor}/{id}", patch_account)
    r.add_get("/_sim/accounts/{vendor}/{id}/example", account_example)
    r.add_get("/_sim/messages", list_messages)
    r.add_get("/_sim/messages/{id}", get_message)
    r.add_post("/_sim/messages/{id}/outcome", force_outcome)
    r.add_post("/_sim/mo", inject_mo)
    r.add_get("/_sim/mo", list_mo)
    r.add_get("/_sim/callbacks", list_callbacks)
    r.add_post("/_sim/callbacks/{id}/retry", retry_callback)
    r.add_get("/_sim/requests", list_requests)
    r.add_get("/_sim/quotas", list_quotas)
    r.add_delete("/_sim/quotas/{vendor}/{id}", clear_quotas)
    r.add_delete("/_sim/quotas/{vendor}/{id}/{mobile}", clear_quotas)
    r.add_get("/_sim/unsubscribes", list_unsubscribes)
    r.add_get("/_sim/export", export_handler)
    r.add_delete("/_sim/unsubscribes/{vendor}/{id}", clear_unsubscribes)
    r.add_delete("/_sim/unsubscribes/{vendor}/{id}/{mobile}", clear_unsubscribes)
    r.add_get("/_sim/clock", get_clock)
    r.add_post("/_sim/clock/advance", advance)
    r.add_post("/_sim/clock/freeze", freeze)
    r.add_post("/_sim/clock/unfreeze", unfreeze)
    r.add_get("/_sim/scenario", get_scenario)
    r.add_put("/_sim/scenario", put_scenario)
    r.add_post("/_sim/reset", reset)
    r.add_get("/_sim/events", events)

    from .traffic import setup_traffic  # here, not at the top: it uses this module's helpers

    setup_traffic(app, sim, config.admin_token)  # /_sim/traffic
