"""The admin API described as OpenAPI 3.1, served at ``GET /_sim/openapi.json``.

A test checks that every route under /_sim/ is described here and that nothing here is missing a route.
"""

from __future__ import annotations

from typing import Any

from .. import __version__


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


S = {"type": "string"}
N = {"type": "number"}
I = {"type": "integer"}  # noqa: E741
B = {"type": "boolean"}
NS = {"type": ["string", "null"]}
ANY_OBJ = {"type": "object"}

STATUS = {
    "type": "string",
    "enum": [
        "accepted",
        "scheduled",
        "sent",
        "delivered",
        "undeliverable",
        "expired",
        "rejected",
        "cancelled",
    ],
}
OUTCOME = {
    "type": "string",
    "enum": ["delivered", "undeliverable", "expired", "rejected", "blacklisted", "no_report"],
}
ERROR = _obj({"error": S}, ["error"])
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


def _q(name: str, schema: dict[str, Any] = S, description: str = "") -> dict[str, Any]:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        p["description"] = description
    return p


ACCOUNT = _obj(
    {
        "vendor": S,
        "id": S,
        "secret": S,
        "name": S,
        "balance": I,
        "allow_negative": B,
        "mode": {"type": "string", "enum": ["push", "pull"]},
        "report_url": NS,
        "mo_url": NS,
        "ip_allowlist": {"type": "array", "items": S},
        "enabled": B,
        "send_window": NS,
        "sensitive_words": {"type": "array", "items": S},
        "unsubscribe_keywords": {"type": "array", "items": S},
        "options": ANY_OBJ,
    }
)
MESSAGE = _obj(
    {
        "id": S,
        "sim_id": S,
        "vendor": S,
        "account": S,
        "mobile": S,
        "content": S,
        "segments": I,
        "status": STATUS,
        "outcome": {"type": ["string", "null"]},
        "code": NS,
        "created_at": N,
        "scheduled_at": {"type": ["number", "null"]},
        "done_at": {"type": ["number", "null"]},
        "batch": NS,
        "extra": ANY_OBJ,
    }
)
MO = _obj(
    {
        "id": S,
        "sim_id": S,
        "vendor": S,
        "account": S,
        "mobile": S,
        "content": S,
        "at": N,
        "extension": S,
        "message_sim_id": NS,
        "extra": ANY_OBJ,
    }
)
UNSUBSCRIBE = _obj(
    {"vendor": S, "account": S, "mobile": S, "at": N, "content": S, "mo_id": S, "message_sim_id": NS}
)
CALLBACK = _obj(
    {
        "id": S,
        "vendor": S,
        "account": S,
        "stream": S,
        "url": S,
        "attempt": I,
        "at": N,
        "method": S,
        "request_headers": ANY_OBJ,
        "request_body": S,
        "status": {"type": ["integer", "null"]},
        "response_body": S,
        "latency_ms": {"type": ["number", "null"]},
        "error": NS,
        "ok": B,
        "gave_up": B,
        "next_retry_at": {"type": ["number", "null"]},
        "items": I,
        "message_ids": {"type": "array", "items": S},
    }
)
CLOCK = _obj(
    {
        "now": N,
        "iso": S,
        "wall": N,
        "offset": N,
        "frozen": B,
        "auth_clock": {"type": "string", "enum": ["wall", "simulated"]},
        "pending_timers": I,
        "fired": I,
    }
)
TRAFFIC_OPTIONS = _obj(
    {
        "url": {"type": ["string", "null"], "description": "default: this server"},
        "vendor": {"type": ["string", "array"], "items": S, "description": "all, or kx,huawei,…"},
        "rate": {"type": "number", "description": "requests per second (default 10)"},
        "duration": {"type": "number", "description": "seconds (default 10 unless count is given)"},
        "count": {"type": "integer", "description": "requests"},
        "seed": I,
        "reply_share": {"type": "number", "minimum": 0, "maximum": 1},
        "magic_share": {"type": "number", "minimum": 0, "maximum": 1},
        "concurrency": I,
        "accounts": {"type": "object", "additionalProperties": S, "description": "vendor → account id"},
        "wait": {"type": "number", "description": "seconds to retry a server refusing connections"},
    }
)
TRAFFIC = _obj(
    {
        "running": B,
        "options": {"type": ["object", "null"]},
        "started_at": {"type": ["number", "null"]},
        "elapsed": N,
        "sent": I,
        "answered": I,
        "accepted": I,
        "refused": I,
        "refused_by_code": {"type": "object", "additionalProperties": I},
        "errors": I,
        "replies": I,
        "reply_errors": I,
        "rate": N,
        "vendors": ANY_OBJ,
        "error": NS,
        "recent": {"type": "array", "items": S},
    },
    ["running"],
)


def _paged(key: str, items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A page of a list: the items, the cursor of the next page (null on the last), the total."""
    return _obj(
        {
            key: {"type": "array", "items": items},
            "next": {"type": ["string", "null"], "description": "cursor of the next page"},
            "total": I,
            **extra,
        }
    )


def _paging() -> list[dict[str, Any]]:
    return [
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 100)"),
        _q("cursor", S, "the `next` of the previous page"),
        _q("order", {"type": "string", "enum": ["desc", "asc"]}, "desc: newest first (default)"),
    ]


FAILED = {"type": "string", "enum": ["true", "false"]}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict[str, Any], *, params=(), body=None, errors=(400,), status="200") -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok}}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    for code in errors:
        op["responses"][str(code)] = _json(ERROR, "error")
    return op


def _body(schema: dict[str, Any], required: bool = True, media: str = "application/json") -> dict[str, Any]:
    return {"required": required, "content": {media: {"schema": schema}}}


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sms-simulator admin API",
            "version": __version__,
            "description": "Inspect and drive the simulator: accounts, messages, replies, callbacks, clock, "
            "scenario.  See docs/admin-api.md.",
        },
        "paths": {
            "/_sim/health": {"get": _op("Health and a summary", _json(ANY_OBJ), errors=())},
            "/_sim/openapi.json": {"get": _op("This document", _json(ANY_OBJ), errors=())},
            "/_sim/metrics": {
                "get": _op(
                    "Prometheus metrics (text exposition format 0.0.4): requests by vendor, endpoint, status "
                    "and answer code; latency, report-delay and callback histograms; messages by status; "
                    "pull-queue depths; store size.  With an admin token, scrape with "
                    "Authorization: Bearer <token> (docs/admin-api.md)",
                    {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    errors=(),
                )
            },
            "/_sim/accounts": {
                "get": _op(
                    "List accounts",
                    _json(_obj({"accounts": {"type": "array", "items": ACCOUNT}})),
                    params=[_q("vendor")],
                    errors=(),
                )
            },
            "/_sim/accounts/{vendor}/{id}": {
                "get": _op("One account", _json(ACCOUNT), params=[VENDOR, ACCOUNT_ID], errors=(404,)),
                "patch": _op(
                    "Change callback URLs, mode, balance, allow-lists or vendor options",
                    _json(ACCOUNT),
                    params=[VENDOR, ACCOUNT_ID],
                    body=_body(
                        _obj(
                            {
                                "report_url": NS,
                                "mo_url": NS,
                                "mode": {"type": "string", "enum": ["push", "pull"]},
                                "balance": I,
                                "allow_negative": B,
                                "enabled": B,
                                "ip_allowlist": {"type": "array", "items": S},
                                "send_window": NS,
                                "sensitive_words": {"type": "array", "items": S},
                                "unsubscribe_keywords": {"type": "array", "items": S},
                                "name": S,
                                "options": ANY_OBJ,
                            }
                        )
                    ),
                    errors=(400, 404),
                ),
            },
            "/_sim/accounts/{vendor}/{id}/example": {
                "get": _op(
                    "A curl command that sends one valid message from this account now",
                    _json(_obj({"curl": S, "note": S})),
                    params=[VENDOR, ACCOUNT_ID, _q("mobile", S, "the recipient (default 13800000000)")],
                    errors=(404,),
                )
            },
            "/_sim/messages": {
                "get": _op(
                    "List messages",
                    _json(_paged("messages", MESSAGE)),
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
                    _json(ANY_OBJ),
                    params=[MESSAGE_ID, _q("vendor"), _q("mobile")],
                    errors=(404, 409),
                )
            },
            "/_sim/messages/{id}/outcome": {
                "post": _op(
                    "End a message now with an outcome",
                    _json(MESSAGE),
                    params=[MESSAGE_ID],
                    body=_body(_obj({"outcome": OUTCOME, "code": S}, ["outcome"])),
                    errors=(400, 404, 409),
                )
            },
            "/_sim/mo": {
                "get": _op(
                    "List replies (MO)",
                    _json(_paged("mo", MO)),
                    params=[_q("vendor"), _q("account"), _q("mobile"), *_paging()],
                ),
                "post": _op(
                    "The phone replies: routed to the account, or the one that last sent to the number",
                    _json(_obj({"mo": MO}), "created"),
                    body=_body(
                        _obj(
                            {"vendor": S, "mobile": S, "content": S, "account": S, "extension": S},
                            ["vendor", "mobile", "content"],
                        )
                    ),
                    errors=(400, 404, 409),
                    status="201",
                ),
            },
            "/_sim/callbacks": {
                "get": _op(
                    "Every callback attempt",
                    _json(_paged("callbacks", CALLBACK, queued=I)),
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
                    _json(_obj({"retried": S, "attempt": CALLBACK})),
                    params=[CALLBACK_ID],
                    body=_body(_obj({}), required=False),
                    errors=(404, 409),
                )
            },
            "/_sim/requests": {
                "get": _op(
                    "The raw vendor API requests kept",
                    _json(_paged("requests", ANY_OBJ)),
                    params=[_q("vendor"), _q("failed", FAILED, "true: only HTTP status >= 400"), *_paging()],
                )
            },
            "/_sim/unsubscribes": {
                "get": _op(
                    "The numbers that replied an unsubscribe keyword, per account (oldest first)",
                    _json(_obj({"unsubscribes": {"type": "array", "items": UNSUBSCRIBE}})),
                    params=[_q("vendor"), _q("account")],
                    errors=(),
                )
            },
            "/_sim/unsubscribes/{vendor}/{id}": {
                "delete": _op(
                    "Clear an account's unsubscribe list",
                    _json(_obj({"removed": I})),
                    params=[VENDOR, ACCOUNT_ID],
                    errors=(404,),
                )
            },
            "/_sim/unsubscribes/{vendor}/{id}/{mobile}": {
                "delete": _op(
                    "Take one number off an account's unsubscribe list",
                    _json(_obj({"removed": I})),
                    params=[
                        VENDOR,
                        ACCOUNT_ID,
                        {"name": "mobile", "in": "path", "required": True, "schema": S},
                    ],
                    errors=(404,),
                )
            },
            "/_sim/export": {
                "get": _op(
                    "Everything the run kept as one JSON document (a download): clock, scenario, accounts, "
                    "messages with their timelines, replies, callback attempts, requests, unsubscribes",
                    _json(
                        _obj(
                            {
                                "format": S,
                                "version": S,
                                "clock": CLOCK,
                                "scenario": ANY_OBJ,
                                "accounts": {"type": "array", "items": ACCOUNT},
                                "messages": {"type": "array", "items": MESSAGE},
                                "mo": {"type": "array", "items": MO},
                                "callbacks": {"type": "array", "items": CALLBACK},
                                "requests": {"type": "array", "items": ANY_OBJ},
                                "unsubscribes": {"type": "array", "items": UNSUBSCRIBE},
                            }
                        )
                    ),
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
            "/_sim/clock": {"get": _op("Read the clock", _json(CLOCK), errors=())},
            "/_sim/clock/advance": {
                "post": _op(
                    "Advance, fire everything due in order, wait for the callbacks it caused",
                    _json(CLOCK),
                    body=_body(_obj({"seconds": {"type": "number", "minimum": 0}}, ["seconds"])),
                )
            },
            "/_sim/clock/freeze": {
                "post": _op(
                    "Freeze (optionally at a later instant)",
                    _json(CLOCK),
                    body=_body(_obj({"at": {"type": ["number", "string"]}}), required=False),
                )
            },
            "/_sim/clock/unfreeze": {"post": _op("Run with the wall clock again", _json(CLOCK), errors=())},
            "/_sim/scenario": {
                "get": _op("The current scenario", _json(_obj({"scenario": ANY_OBJ})), errors=()),
                "put": _op(
                    "Replace the scenario (YAML body)",
                    _json(_obj({"scenario": S, "rules": I, "reviews": I})),
                    body=_body(S, media="application/yaml"),
                    errors=(400, 413),
                ),
            },
            "/_sim/reset": {
                "post": _op(
                    "Forget everything; back to the config (the clock too, unless keep_clock)",
                    _json(ANY_OBJ),
                    body=_body(_obj({"keep_clock": {"type": "boolean"}}), required=False),
                )
            },
            "/_sim/traffic": {
                "get": _op("The traffic generator: running?, options, counters", _json(TRAFFIC), errors=()),
                "post": _op(
                    "Start realistic traffic to this server (the same options as `sms-simulator traffic`)",
                    _json(TRAFFIC, "started"),
                    body=_body(TRAFFIC_OPTIONS, required=False),
                    errors=(400, 409),
                    status="202",
                ),
                "delete": _op("Stop the traffic generator", _json(TRAFFIC), errors=()),
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
                        "401": _json(ERROR, "wrong or missing token"),
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
