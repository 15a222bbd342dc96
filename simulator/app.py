"""The aiohttp application: every vendor's native paths on one port, plus the admin API under /_sim/."""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
from datetime import datetime

from aiohttp import web

from . import ui
from .admin import guard
from .admin import metrics as admin_metrics
from .admin import routes as admin_routes
from .config import AccountConfig, Config, load_config, resolve_scenario
from .core.clock import Clock
from .core.durable import DatabaseError
from .core.engine import HttpFault
from .core.errors import DropConnection, SimError
from .core.models import RequestLog
from .core.ratelog import RateLimitedLog
from .core.scenarios import Scenario, builtin_scenario, load_scenario
from .core.sim import Sim
from .core.sqlite import SqliteStore
from .core.store import MemoryStore
from .vendors import VENDORS
from .vendors.base import REQUEST_ID, REQUEST_LOG, VENDOR_KEY, Vendor

log = logging.getLogger("simulator")
request_log = logging.getLogger("simulator.requests")  # --log-requests: at INFO whatever --log-level says
out_of_reach_log = RateLimitedLog(log)  # the shared store out of reach: a line a second, not one a request
SIM_KEY = web.AppKey("sim", Sim)
CONFIG_KEY = web.AppKey("config", Config)
UNMATCHED = "(unmatched)"  # the metrics' endpoint label of a request no route takes (404, 405)
OWNERS_KEY = web.AppKey("owners", dict)  # a vendor route's resource (canonical path) → vendor key


def build_sim(config: Config, scenario: Scenario | None = None) -> Sim:
    """The simulator's state for a config (used by create_app and by in-process tests)."""
    if scenario is None:
        scenario = load_scenario(resolve_scenario(config.scenario)) if config.scenario else builtin_scenario()
    start = config.clock.start.timestamp() if isinstance(config.clock.start, datetime) else None
    clock = Clock(
        start=start, frozen=config.clock.frozen, auth_uses_simulated=config.clock.auth == "simulated"
    )
    vendors: dict[str, Vendor] = {key: cls(config.vendor_settings(key)) for key, cls in VENDORS.items()}
    accounts = config.all_accounts()
    sc = config.store
    bounds = {
        "max_requests": config.record_requests,
        "max_attempts": sc.max_callbacks,
        "max_messages": sc.max_messages,
        "max_request_bytes": sc.request_log_bytes,
        "body_limit": sc.body_limit,
        "seeded": config.seed is not None,
    }
    if sc.db and sc.redis:
        raise DatabaseError("choose one store: --db (SQLite, one process) or --redis (shared)")
    store: MemoryStore
    if sc.redis:
        from .core.redis_store import RedisStore  # redis-py takes ~0.1 s to import: only when used

        store = RedisStore(sc.redis, prefix=sc.redis_prefix, **bounds)
    elif sc.db:
        store = SqliteStore(sc.db, sync=sc.sync, **bounds)
    else:
        store = MemoryStore(**bounds)
    sim = Sim(
        vendors,  # type: ignore[arg-type]
        lambda: [a.build() for a in accounts],
        scenario,
        seed=config.seed,
        clock=clock,
        store=store,
        callback_timeout=config.callback_timeout,
    )
    for v in vendors.values():
        v.bind(sim)
    if store.durable:
        sim.restore(lambda data: AccountConfig.model_validate(data).build())
    return sim


async def committed(sim: Sim) -> bool:
    """Wait for the store to commit what was changed so far; False (logged) when it could not."""
    try:
        await sim.store.commit()
    except Exception as e:
        if sim.store.unavailable(e):
            out_of_reach_log(logging.WARNING, "the store could not commit, out of reach: %s", e)
        else:
            log.exception("the store could not commit; the request is answered as a failure")
        return False
    return True


def route_vendor(request: web.Request) -> Vendor | None:
    """The vendor whose endpoint the request's route is (None for the admin API and unknown paths)."""
    resource = request.match_info.route.resource
    key = request.app[OWNERS_KEY].get(resource.canonical) if resource is not None else None
    return request.app[SIM_KEY].vendors.get(key) if key else None


def out_of_reach(error: BaseException) -> web.Handler:
    """A vendor handler for a request that came while the shared store was out of reach: nothing is
    done, and the vendor's own system error is the answer (as the vendor's gateway answers when its
    backend is down)."""

    async def refuse(request: web.Request) -> web.StreamResponse:
        why = f"the shared store (Redis) was out of reach, nothing was done: {error}"
        raise SimError("system_error").because(why)

    return refuse


async def read_body(request: web.Request) -> bytes:
    """The body (cached for the handler), within ``server.read_timeout``: a body trickled in byte by
    byte would hold the connection for ever; the connection is closed instead."""
    if request.content.is_eof():  # all of it has arrived (nearly always): no timer to set and cancel
        return await request.read()
    try:
        async with asyncio.timeout(request.app[CONFIG_KEY].server.read_timeout):
            return await request.read()
    except TimeoutError:
        if request.transport is not None:
            request.transport.close()
        raise web.HTTPRequestTimeout(text="the request body was too slow") from None


def nearest_endpoint(app: web.Application, path: str) -> str | None:
    """The vendor endpoint whose path is closest to ``path`` (a typo, a missing prefix), if any is close."""
    paths = {
        info.get("path") or info.get("formatter", "")
        for resource in app.router.resources()
        for info in [resource.get_info()]
    }
    candidates = sorted(p for p in paths if p and not p.startswith("/_sim") and p != "/")
    close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def journal_refused_path(request: web.Request, entry: RequestLog, sim: Sim, status: int, why: str) -> None:
    """Keep a request the router refused (no such path, or a method the path does not take) in the
    journal with its diagnosis, masked like the vendor's own entries: with the vendor that owns the
    path, else with every vendor's masking (the path names no vendor)."""
    owner = sim.vendors.get(entry.vendor)
    entry.status = status
    entry.diagnosis = why
    limit = sim.store.body_limit
    if len(entry.request_body) > limit:
        entry.request_size = len(entry.request_body)
        entry.request_body = entry.request_body[:limit]
    for vendor in [owner] if owner is not None else sim.vendors.values():
        vendor.redact(entry)
    sim.store.add_request(entry)
    if sim.bus.active:
        sim.bus.publish("refused", id=entry.id, vendor=entry.vendor, path=entry.path, diagnosis=why)


def unknown_path(request: web.Request) -> str:
    near = nearest_endpoint(request.app, request.path)
    hint = f"; did you mean {near}?" if near else ""
    return f"no vendor endpoint at {request.path}{hint}"


async def path_owner(request: web.Request) -> str:
    """The vendor whose endpoint matches the request's path with another method ("" when none does)."""
    owners = request.app[OWNERS_KEY]
    for resource in request.app.router.resources():
        key = owners.get(resource.canonical)
        if key is not None:
            match, allowed = await resource.resolve(request)
            if match is None and allowed:
                return key
    return ""


def log_request(request: web.Request, key: str, status: int, started: float, why: str | None) -> None:
    """The ``--log-requests`` line: vendor, method, path, status, time, and the diagnosis of a refusal."""
    request_log.info(
        "%s %s %s -> %s in %.1f ms%s",
        key or "-",
        request.method,
        request.path,
        status,
        (time.perf_counter() - started) * 1000,
        f": {why}" if why else "",
    )


@web.middleware
async def vendor_middleware(request: web.Request, handler):
    """Logs each vendor request and turns every failure into the vendor's own error envelope."""
    sim = request.app[SIM_KEY]
    unreachable: BaseException | None = None
    if sim.shared:  # read-your-writes across processes: what the others did is seen here first
        try:
            await sim.store.sync()
        except Exception as e:
            if not sim.store.unavailable(e):
                raise
            unreachable = e
            out_of_reach_log(logging.WARNING, "the shared store is out of reach: %s", e)
    if request.path.startswith("/_sim"):
        refusal = guard.check(request, request.app[CONFIG_KEY])
        if refusal is not None:
            return refusal
        if unreachable is not None:  # the admin API and the health check say so, and do nothing
            error = f"the shared store is out of reach: {unreachable}"
            return web.json_response({"status": "unavailable", "error": error}, status=503)
        if request.body_exists and not request.content_type.startswith("multipart/"):
            await read_body(request)
        resp = await handler(request)
        if not await committed(sim):  # an admin change is durable before it is confirmed
            return web.json_response({"error": "the change could not be saved (see the log)"}, status=500)
        return resp
    entry: RequestLog | None = None
    started = time.perf_counter()
    body = b""
    if request.body_exists and not request.content_type.startswith("multipart/"):
        body = await read_body(request)
    if sim.store.max_requests:
        entry = RequestLog(
            id=sim.store.new_id("rq"),
            vendor="",
            method=request.method,
            path=request.path,
            at=sim.clock.now(),
            remote=request.remote,
            query=request.raw_path.partition("?")[2],  # as sent (query_string is partly decoded)
            request_headers=request.headers,
        )
        request[REQUEST_ID] = entry.id
        request[REQUEST_LOG] = entry
        entry.request_body = body
    if unreachable is not None and (owner := route_vendor(request)) is not None:
        request[VENDOR_KEY] = owner
        handler = out_of_reach(unreachable)
    dropped = False
    code = ""  # the vendor's answer code, for metrics: known when a handler raised it
    try:
        resp = await handler(request)
    except SimError as err:
        code = str(getattr(err, "code", None) or err.reason)
        vendor = request.get(VENDOR_KEY)
        if vendor is not None and entry is not None and entry.diagnosis is None:
            entry.diagnosis = vendor.explain(err)
        resp = (
            vendor.render_error(request, err)
            if vendor
            else web.json_response({"error": err.message}, status=400)
        )
    except HttpFault as fault:
        resp = web.Response(status=fault.status, text=f"{fault.status} injected by scenario")
        if entry is not None:
            entry.diagnosis = (
                f"the scenario injected the bare HTTP status {fault.status} (not a client error)"
            )
    except DropConnection:
        if request.transport is not None:
            request.transport.close()
        resp = web.Response(status=499)
        dropped = True
        if entry is not None:
            entry.diagnosis = "the scenario dropped the connection without an answer (not a client error)"
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
        if request.get(VENDOR_KEY) is None:
            sim.metrics.request("", UNMATCHED, exc.status, "", time.perf_counter() - started)
        if entry is not None and request.get(VENDOR_KEY) is None:
            if isinstance(exc, web.HTTPMethodNotAllowed):
                entry.vendor = await path_owner(request)
                allowed = ", ".join(sorted(exc.allowed_methods))
                why = f"{request.method} is not allowed at {request.path}; this endpoint takes {allowed}"
            else:
                why = unknown_path(request)
            journal_refused_path(request, entry, sim, exc.status, why)
            if request.app[CONFIG_KEY].log_requests:
                log_request(request, entry.vendor, exc.status, started, why)
        raise
    except web.HTTPException:
        raise
    except Exception as e:
        if sim.store.unavailable(e):  # Redis went away during the request
            out_of_reach_log(logging.WARNING, "the shared store is out of reach: %s", e)
            if entry is not None:
                entry.diagnosis = f"the shared store (Redis) was out of reach: {e}"
        else:
            log.exception("unexpected error handling %s %s", request.method, request.path)
        vendor = request.get(VENDOR_KEY)
        resp = (
            vendor.render_error(request, SimError("system_error"))
            if vendor
            else web.json_response({"error": "internal error"}, status=500)
        )
    vendor = request.get(VENDOR_KEY)
    if entry is not None and sim.dispatcher.urgent:  # chaos before_answer: pushes that go out first
        await sim.dispatcher.before_answer(entry.id)
    if vendor is not None and not dropped:
        delay = sim.engine.runner.latency(vendor.key, request.path)  # the scenario's `latency`
        if delay > 0:
            await asyncio.sleep(delay)
    if entry is not None and vendor is not None:
        entry.vendor = vendor.key
        entry.status = resp.status
        body = getattr(resp, "body", b"")
        entry.response_body = body if isinstance(body, bytes | bytearray) else b""
        entry.response_headers = resp.headers  # a reference, not a copy (emay answers with a header)
        entry.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        limit = sim.store.body_limit
        if len(entry.request_body) > limit:  # cut before masking: a 16 MB body is not scanned whole
            entry.request_size = len(entry.request_body)
            entry.request_body = entry.request_body[:limit]
        vendor.redact(entry)
        sim.store.add_request(entry)
        if entry.diagnosis is not None and sim.bus.active:  # the sandbox's Requests page repaints
            sim.bus.publish(
                "refused", id=entry.id, vendor=entry.vendor, path=entry.path, diagnosis=entry.diagnosis
            )
    # answer only once what the request changed is durable (memory: nothing to wait for)
    if sim.store.durable and not await committed(sim):
        resp = (
            vendor.render_error(request, SimError("system_error"))
            if vendor
            else web.json_response({"error": "internal error"}, status=500)
        )
    if vendor is not None:
        route = request.match_info.route.resource
        sim.metrics.request(vendor.key, route.canonical, resp.status, code, time.perf_counter() - started)
        if request.app[CONFIG_KEY].log_requests:
            log_request(request, vendor.key, resp.status, started, entry.diagnosis if entry else None)
    return resp


def create_app(config: Config | None = None, sim: Sim | None = None) -> web.Application:
    config = config or load_config()
    sim = sim or build_sim(config)
    app = web.Application(
        middlewares=[vendor_middleware],
        client_max_size=16 * 1024 * 1024,
        # clients send everything as GET query strings too (1000 kx numbers are ~12 KB): allow long lines
        # auto_decompress off: the vendors' Java gateways do not inflate a request's Content-Encoding
        # either, and aiohttp inflated a gzip bomb eagerly into memory (17 bombs: 1.1 GB, 15 s)
        handler_args={"max_line_size": 65536, "max_field_size": 65536, "auto_decompress": False},
    )
    app[SIM_KEY] = sim
    app[CONFIG_KEY] = config
    owners: dict[str, str] = {}
    for vendor in sim.vendors.values():
        for route in app.router.add_routes(vendor.routes()):  # type: ignore[attr-defined]
            if route.resource is not None:
                owners[route.resource.canonical] = vendor.key
    app[OWNERS_KEY] = owners
    admin_routes.setup(app, sim, config)
    admin_metrics.setup(app, sim)  # GET /_sim/metrics (Prometheus)
    ui.setup(app, sim)  # the sandbox pages at /_sim/ui/
    guard.setup(app, config)

    async def lifecycle(app: web.Application):
        await sim.store.start()
        sim.clock.attach()
        await sim.dispatcher.start()
        yield
        await sim.dispatcher.close()
        sim.clock.detach()
        await sim.store.stop()
        sim.store.close()

    app.cleanup_ctx.append(lifecycle)
    return app
