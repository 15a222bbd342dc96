"""Who may use the admin API (``/_sim/*``); see docs/security.md.

- ``admin_token`` set (``--admin-token``, ``SMS_SIMULATOR_ADMIN_TOKEN``): every ``/_sim/*`` request needs
  ``Authorization: Bearer <token>`` or the cookie ``sim_admin_token`` that ``GET /_sim/login?token=…``
  sets (for the browser UI).  ``/_sim/health`` answers without it, but only ``{"status": "ok"}``.
- Always: a request whose ``Origin`` is not the simulator's own (the ``Host`` it was sent to, or one of
  ``admin_origins``) is refused (403), so a web page cannot drive the simulator from a visitor's browser.
- Always: a state-changing request (POST, PUT, PATCH, DELETE) with a body needs a JSON content type
  (``PUT /_sim/scenario``: JSON or YAML), never ``text/plain`` or a form type, the types a cross-site
  form or a "simple" fetch can send without a preflight.  A body-less state change (``POST /_sim/reset``)
  cannot carry data; a cross-site page can still send one, which the ``Origin`` check (browsers send
  ``Origin`` on every cross-site POST) and the token stop.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from aiohttp import web

from ..config import Config

COOKIE = "sim_admin_token"
AUTHED = web.RequestKey(
    "sim_admin_authed", bool
)  # request key: True when the token was given (or none is configured)
OPEN_PATHS = {"/_sim/health", "/_sim/login"}  # answer without the token (health: only "ok")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
JSON_TYPES = {"application/json"}
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml"}


def same_secret(given: str | None, token: str) -> bool:
    """Constant-time comparison of a presented token (compare_digest on bytes: any characters)."""
    return given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def presented_token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE)


def origin_allowed(origin: str, request: web.Request, config: Config) -> bool:
    if origin in config.admin_origins:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file:// page) is never the simulator
    return parts.netloc.lower() == (request.host or "").lower()


def refuse(status: int, error: str, **headers: str) -> web.Response:
    return web.json_response({"error": error}, status=status, headers=headers or None)


def check(request: web.Request, config: Config) -> web.Response | None:
    """None when the request may go on, else the refusal to answer."""
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request, config):
        return refuse(
            403, f"Origin {origin!r} is not this simulator: admin requests from other sites are refused"
        )
    token = config.admin_token
    authed = not token or same_secret(presented_token(request), token)
    request[AUTHED] = authed
    if not authed and request.path not in OPEN_PATHS:
        return refuse(
            401,
            "the admin API needs the token: Authorization: Bearer <token> (or GET /_sim/login?token=…)",
            **{"WWW-Authenticate": 'Bearer realm="sms-simulator"'},
        )
    if request.method in STATE_CHANGING and has_body(request):
        allowed = JSON_TYPES | YAML_TYPES if request.path == "/_sim/scenario" else JSON_TYPES
        if request.content_type not in allowed:
            wanted = " or ".join(sorted(allowed))
            return refuse(415, f"Content-Type {request.content_type!r} is not accepted here: send {wanted}")
    return None


def has_body(request: web.Request) -> bool:
    return request.content_length not in (None, 0) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )


def setup(app: web.Application, config: Config) -> None:
    async def login(request: web.Request) -> web.StreamResponse:
        """``GET /_sim/login?token=…``: set the login cookie (HttpOnly, SameSite=Strict), go to the UI."""
        token = config.admin_token
        if token and not same_secret(request.query.get("token"), token):
            return refuse(401, "wrong or missing token")
        resp = web.Response(status=302, headers={"Location": "/_sim/ui/"})
        if token:
            resp.set_cookie(
                COOKIE, token, httponly=True, samesite="Strict", path="/_sim", secure=request.secure
            )
        return resp

    app.router.add_get("/_sim/login", login)
