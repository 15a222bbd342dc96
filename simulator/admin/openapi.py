"""The admin API described as OpenAPI 3.1, served at ``GET /_sim/openapi.json``.

The routes, their parameters and which model each body and answer is are written here; the schemas are
generated from those models (simulator/admin/shapes.py, and the scenario's own model) into
``components/schemas``.  Tests check that every route under /_sim/ is described here and nothing here
is missing a route, and that real answers validate against the schemas (tests/admin/test_admin_shapes.py).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .. import __version__
from ..core.models import STATUSES
from ..core.scenarios import Scenario
from . import shapes

S = {"type": "string"}
N = {"type": "number"}
STATUS = {"type": "string", "enum": list(STATUSES)}
VENDOR = {"name": "vendor", "in": "path", "required": True, "schema": S}
ACCOUNT_ID = {"name": "id", "in": "path", "required": True, "schema": S}
MESSAGE_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": S,
    "description": "a sim_id, or the vendor's message id (add ?mobile= when several recipients share it)",
}
CALLBACK_ID = {"name": "id", "in": "path", "required": True, "schema": S, "description": "an attempt id"}
MODEL = "x-model"  # a placeholder for a model's schema until spec() has generated them all


def _model(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return {MODEL: (model, mode)}


def _q(name: str, schema: dict[str, Any] = S, description: str = "") -> dict[str, Any]:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        p["description"] = description
    return p


def _paging() -> list[dict[str, Any]]:
    return [
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 100)"),
        _q("cursor", S, "the `next` of the previous page"),
        _q("order", {"type": "string", "enum": ["desc", "asc"]}, "desc: newest first (default)"),
    ]


FAILED = {"type": "string", "enum": ["true", "false"]}


def _json(model: type[BaseModel], description: str = "OK") -> dict[str, Any]:
    """An answer: the model's shape (serialization mode)."""
    return {
        "description": description,
        "content": {"application/json": {"schema": _model(model, "serialization")}},
    }


def _op(summary: str, ok: dict[str, Any], *, params=(), body=None, errors=(400,), status="200") -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok}}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    for code in errors:
        op["responses"][str(code)] = _json(shapes.Error, "error")
    # every admin path, with --redis: Redis out of reach ({"status": "unavailable", "error": …})
    op["responses"]["503"] = _json(shapes.Error, "the shared store (--redis) is out of reach")
    return op


def _number_lists(name: str, listing: str, model: type[BaseModel], clear_all: str, clear_one: str) -> dict:
    """GET /_sim/<name> and its DELETEs per account and per number (records keyed vendor/account/mobile)."""
    mobile = {"name": "mobile", "in": "path", "required": True, "schema": S}
    removed = _json(shapes.Removed)
    return {
        f"/_sim/{name}": {"get": _op(listing, _json(model), params=[_q("vendor"), _q("account")], errors=())},
        f"/_sim/{name}/{{vendor}}/{{id}}": {
            "delete": _op(clear_all, removed, params=[VENDOR, ACCOUNT_ID], errors=(404,))
        },
        f"/_sim/{name}/{{vendor}}/{{id}}/{{mobile}}": {
            "delete": _op(clear_one, removed, params=[VENDOR, ACCOUNT_ID, mobile], errors=(404,))
        },
    }


def _body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """A request body: the model's shape (validation mode)."""
    return {"required": required, "content": {"application/json": {"schema": _model(model, "validation")}}}


@functools.cache
def spec() -> dict[str, Any]:
    """The document, its schemas generated from the models in ``shapes`` (once per process)."""
    return _generate(_paths())


def _generate(doc: dict[str, Any]) -> dict[str, Any]:
    """Replace each model placeholder with a ``$ref`` into ``components/schemas``."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if MODEL in node:
                wanted[node[MODEL]] = None
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(doc)
    refs, defs = models_json_schema(list(wanted), ref_template="#/components/schemas/{model}")

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            if MODEL in node:
                return refs[node[MODEL]]
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    out = fill(doc)
    out["components"]["schemas"] = defs.get("$defs", {})
    return out


def _paths() -> dict[str, Any]:
    """The routes, their parameters and the models of their bodies and answers."""
    sh = shapes
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sms-simulator admin API",
            "version": __version__,
            "description": "Inspect and drive the simulator: accounts, messages, replies, callbacks, clock, "
            "scenario.  See docs/admin-api.md.",
        },
        "paths": {
            "/_sim/health": {"get": _op("Health and a summary", _json(sh.Health), errors=())},
            "/_sim/metrics": {
                "get": _op(
                    "Prometheus metrics (text exposition format 0.0.4): requests by vendor, endpoint, status "
                    "and answer code; latency, report-delay and callback histograms; messages by status; "
                    "pull-queue depths; store size.  With an admin token, scrape with "
                    "Authorization: Bearer <token> (docs/admin-api.md)",
                    {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    errors=(),
                )
            },
            "/_sim/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OK", "content": {"application/json": {}}}},
                }
            },
            "/_sim/accounts": {
                "get": _op("List accounts", _json(sh.Accounts), params=[_q("vendor")], errors=())
            },
            "/_sim/accounts/{vendor}/{id}": {
                "get": _op("One account", _json(sh.Account), params=[VENDOR, ACCOUNT_ID], errors=(404,)),
                "patch": _op(
                    "Change callback URLs, mode, balance, allow-lists or vendor options",
                    _json(sh.Account),
                    params=[VENDOR, ACCOUNT_ID],
                    body=_body(sh.AccountPatch),
                    errors=(400, 404),
                ),
            },
            "/_sim/accounts/{vendor}/{id}/example": {
                "get": _op(
                    "A curl command that sends one valid message from this account now",
                    _json(sh.AccountExample),
                    params=[VENDOR, ACCOUNT_ID, _q("mobile", S, "the recipient (default 13800000000)")],
                    errors=(404,),
                )
            },
            "/_sim/messages": {
                "get": _op(
                    "List messages",
                    _json(sh.MessagesPage),
                    params=[
                        _q("vendor"),
                        _q("account"),
                        _q("mobile"),
                        _q("status", STATUS),
                        _q("since", N, "epoch seconds (simulated clock)"),
                        _q("text", S, "a substring of the content"),
                        *_paging(),
                    ],
                )
            },
            "/_sim/messages/{id}": {
                "get": _op(
                    "One message with its timeline, callbacks, raw request and replies",
                    _json(sh.MessageDetail),
                    params=[MESSAGE_ID, _q("vendor"), _q("mobile")],
                    errors=(404, 409),
                )
            },
            "/_sim/messages/{id}/outcome": {
                "post": _op(
                    "End a message now with an outcome",
                    _json(sh.MessageSummary),
                    params=[MESSAGE_ID],
                    body=_body(sh.ForceOutcome),
                    errors=(400, 404, 409),
                )
            },
            "/_sim/mo": {
                "get": _op(
                    "List replies (MO)",
                    _json(sh.MoPage),
                    params=[_q("vendor"), _q("account"), _q("mobile"), *_paging()],
                ),
                "post": _op(
                    "The phone replies: routed to the account, or the one that last sent to the number",
                    _json(sh.MoCreated, "created"),
                    body=_body(sh.MoIn),
                    errors=(400, 404, 409),
                    status="201",
                ),
            },
            "/_sim/callbacks": {
                "get": _op(
                    "Every callback attempt",
                    _json(sh.CallbacksPage),
                    params=[
                        _q("vendor"),
                        _q("account"),
                        _q("stream"),
                        _q("message", S, "a message sim_id"),
                        _q("failed", FAILED, "true: only attempts without the expected answer"),
                        *_paging(),
                    ],
                )
            },
            "/_sim/callbacks/{id}/retry": {
                "post": _op(
                    "Retry now what a callback attempt carried (its batch if it waits for a retry, else "
                    "a new batch of the carried messages' reports or replies to the same URL)",
                    _json(sh.Retried),
                    params=[CALLBACK_ID],
                    body=_body(sh.Empty, required=False),
                    errors=(404, 409),
                )
            },
            "/_sim/requests": {
                "get": _op(
                    "The raw vendor API requests kept",
                    _json(sh.RequestsPage),
                    params=[_q("vendor"), _q("failed", FAILED, "true: only HTTP status >= 400"), *_paging()],
                )
            },
            **_number_lists(
                "quotas",
                "The per-number quota counts, per account and number",
                sh.QuotaCounts,
                "Forget an account's quota counts",
                "Forget one number's quota counts (removed 0: none were kept)",
            ),
            **_number_lists(
                "unsubscribes",
                "The numbers that replied an unsubscribe keyword, per account (oldest first)",
                sh.Unsubscribes,
                "Clear an account's unsubscribe list",
                "Take one number off an account's unsubscribe list",
            ),
            "/_sim/export": {
                "get": _op(
                    "Everything the run kept as one JSON document (a download): clock, scenario, accounts, "
                    "messages with their timelines, replies, callback attempts, requests, unsubscribes and "
                    "quota counts",
                    _json(sh.Export),
                    params=[
                        _q(
                            "format",
                            {"type": "string", "enum": ["json", "html"]},
                            "html: one self-contained page (the JSON embedded, no network needed)",
                        )
                    ],
                    errors=(400,),
                )
            },
            "/_sim/clock": {"get": _op("Read the clock", _json(sh.Clock), errors=())},
            "/_sim/clock/advance": {
                "post": _op(
                    "Advance, fire everything due in order, wait for the callbacks it caused",
                    _json(sh.ClockFired),
                    body=_body(sh.ClockAdvance),
                )
            },
            "/_sim/clock/freeze": {
                "post": _op(
                    "Freeze (optionally at a later instant)",
                    _json(sh.ClockFired),
                    body=_body(sh.ClockFreeze, required=False),
                )
            },
            "/_sim/clock/unfreeze": {
                "post": _op("Run with the wall clock again", _json(sh.Clock), errors=())
            },
            "/_sim/scenario": {
                "get": _op("The current scenario", _json(sh.CurrentScenario), errors=()),
                "put": _op(
                    "Replace the scenario (YAML body, or the same as JSON; docs/scenarios.md)",
                    _json(sh.ScenarioReplaced),
                    body={
                        "required": True,
                        "content": {
                            "application/yaml": {"schema": S},
                            "application/json": {"schema": _model(Scenario, "validation")},
                        },
                    },
                    errors=(400, 413),
                ),
            },
            "/_sim/reset": {
                "post": _op(
                    "Forget everything; back to the config (the clock too, unless keep_clock)",
                    _json(sh.ResetDone),
                    body=_body(sh.Reset, required=False),
                )
            },
            "/_sim/traffic": {
                "get": _op(
                    "The traffic generator: running?, options, counters", _json(sh.TrafficState), errors=()
                ),
                "post": _op(
                    "Start realistic traffic to this server (the same options as `sms-simulator traffic`)",
                    _json(sh.TrafficState, "started"),
                    body=_body(sh.TrafficOptions, required=False),
                    errors=(400, 409),
                    status="202",
                ),
                "delete": _op("Stop the traffic generator", _json(sh.TrafficState), errors=()),
            },
            "/_sim/events": {
                "get": {
                    "summary": "Server-sent events: message, status, callback, mo, account, scenario, reset",
                    "responses": {"200": {"description": "OK", "content": {"text/event-stream": {}}}},
                }
            },
            "/_sim/login": {
                "get": {
                    "summary": "Set the admin token cookie (HttpOnly, SameSite=Strict) and go to /_sim/ui/",
                    "parameters": [_q("token")],
                    "responses": {
                        "302": {"description": "to /_sim/ui/"},
                        "401": _json(sh.Error, "wrong or missing token"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "sim_admin_token"},
            }
        },
        "security": [{}, {"bearer": []}, {"cookie": []}],
    }
