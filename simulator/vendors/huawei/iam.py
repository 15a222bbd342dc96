"""Simulated Huawei Cloud IAM: project-scoped tokens, access keys, and the management API's auth.

- ``POST /v3/auth/tokens`` (password method, project scope by name or id) → 201, the token in the
  ``X-Subject-Token`` header and a Keystone-style ``{"token": {…}}`` body (``?nocatalog=true`` leaves the
  catalog out).  Tokens are valid ``token_ttl`` seconds (24 h) on the simulated clock.
- ``GET /v3/auth/tokens`` validates a token (``X-Subject-Token``), authenticated by ``X-Auth-Token``.
- ``GET /v3/projects?name=…`` (token or AK/SK): what the official SDK asks when ``BasicCredentials`` has
  no project_id.
- :func:`verify_aksk` checks an AK/SK-signed management request: SDK-HMAC-SHA256 with ``X-Sdk-Date``
  (``aksk_window``, 15 minutes) as ``huaweicloudsdkcore`` signs it; tokens are checked by :func:`find_token`.

IAM errors use Keystone's envelope ``{"error": {"code": 401, "title": "Unauthorized", "message": …}}``
(the seed's §3.1.1.3 shape: ``error.code`` + ``error.message``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..base import diagnose, fmt_seconds, json_answer, same, warn
from . import auth as send_auth
from .codes import HuaweiError
from .registry import DEFAULT_VARIABLE_LENGTHS

if TYPE_CHECKING:
    from . import HuaweiVendor

log = logging.getLogger("simulator.huawei.iam")
TOKENS = "huawei.iam_tokens"
ISO_MS = "%Y-%m-%dT%H:%M:%S.%f"


class IamUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str  # IAM user name
    password: str
    domain: str = "demo"  # the account (domain) name the user belongs to
    project_id: str = "demoproject0001"  # the project a project-scoped token is for
    project_name: str = "cn-north-4"  # the project's name (the region id), usable in auth.scope


class AccessKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ak: str
    sk: str
    project_id: str = "demoproject0001"  # the project the key may manage
    domain: str = "demo"


class ManageSettings(BaseModel):
    """The management half of ``vendors.huawei`` (``HuaweiSettings`` in ``__init__`` extends it).

    The AK/SK ``X-Sdk-Date`` window is the send half's ``aksk_window`` (15 minutes), shared by both.
    """

    model_config = ConfigDict(extra="forbid")
    iam_users: list[IamUser] = Field(default_factory=lambda: [IamUser(name="demo", password="demo-password")])
    access_keys: list[AccessKey] = Field(
        default_factory=lambda: [AccessKey(ak="HWDEMOAK0001", sk="HWDEMOSK0001")]
    )
    token_ttl: float = Field(default=24 * 3600, gt=0)  # seconds, on the simulated clock
    app_quota: int = Field(default=100, ge=0)  # apps per project and region (ShowAppCount's total)
    new_app_balance: int = Field(default=1_000_000, ge=0)  # messages credited to an API-created app
    variable_max_lengths: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_VARIABLE_LENGTHS)
    )  # per variable type: the length limit the send API enforces (E200028)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, gt=0)  # signature application files


# -- identities ------------------------------------------------------------------------------------------
def domain_id(domain: str) -> str:
    return hashlib.md5(f"domain:{domain}".encode()).hexdigest()


def user_id(domain: str, name: str) -> str:
    return hashlib.md5(f"user:{domain}:{name}".encode()).hexdigest()


def project_domain(settings: ManageSettings, project_id: str) -> str:
    for u in settings.iam_users:
        if u.project_id == project_id:
            return u.domain
    for k in settings.access_keys:
        if k.project_id == project_id:
            return k.domain
    return "default"


def project_name(settings: ManageSettings, project_id: str) -> str:
    for u in settings.iam_users:
        if u.project_id == project_id:
            return u.project_name
    return "cn-north-4"


@dataclass
class Token:
    value: str
    user: str
    domain: str
    project_id: str | None  # None: a domain-scoped token (refused by MSGSMS)
    issued_at: float
    expires_at: float


@dataclass
class Caller:
    """Who a management request is from."""

    project_id: str
    domain: str
    user: str  # IAM user name, or the access key
    method: str  # "token" | "aksk"


class IamError(Exception):
    def __init__(self, status: int, message: str, diagnosis: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.diagnosis = diagnosis or message  # the journal's plain words


TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def iam_error(status: int, message: str) -> web.Response:
    body = {"error": {"code": status, "title": TITLES.get(status, "Error"), "message": message}}
    return json_answer(body, status=status)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(ISO_MS) + "Z"


# -- token issuing ---------------------------------------------------------------------------------------
def _get(obj: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def issue_token(v: HuaweiVendor, body: Any) -> Token:
    settings: ManageSettings = v.settings
    if not isinstance(body, dict) or not isinstance(body.get("auth"), dict):
        raise IamError(400, "The request body is invalid: 'auth' is required.")
    auth = body["auth"]
    methods = _get(auth, "identity", "methods")
    if not isinstance(methods, list) or not methods:
        raise IamError(400, "The request body is invalid: 'auth.identity.methods' is required.")
    if methods != ["password"]:
        raise IamError(
            400, f"Unsupported authentication method(s): {methods}; this simulator issues password tokens."
        )
    user = _get(auth, "identity", "password", "user")
    if not isinstance(user, dict):
        raise IamError(400, "The request body is invalid: 'auth.identity.password.user' is required.")
    name, password = user.get("name"), user.get("password")
    domain = _get(user, "domain", "name")
    domain_ref = _get(user, "domain", "id")
    if not isinstance(name, str) or not isinstance(password, str) or not (domain or domain_ref):
        raise IamError(400, "The request body is invalid: user name, password and domain are required.")
    if not all(isinstance(x, str | None) for x in (domain, domain_ref)):
        raise IamError(400, "The request body is invalid: the user's domain name and id must be strings.")
    found = next(
        (
            u
            for u in settings.iam_users
            if u.name == name and (u.domain == domain or domain_id(u.domain) == domain_ref)
        ),
        None,
    )
    if found is None or not same(found.password, password):
        who = f"IAM user {name!r} of domain {domain or domain_ref!r}"
        raise IamError(
            401,
            "The username or password is wrong.",
            f"{who} is none of vendors.huawei.iam_users"
            if found is None
            else f"the password given for {who} is not the configured one (not shown)",
        )
    scope = auth.get("scope")
    project_id: str | None = None
    if isinstance(scope, dict) and "project" in scope:
        project = scope["project"] if isinstance(scope["project"], dict) else {}
        pid, pname = project.get("id"), project.get("name")
        if pid is None and pname is None:
            raise IamError(400, "The request body is invalid: 'auth.scope.project' needs an id or a name.")
        if not all(isinstance(x, str | None) for x in (pid, pname)):
            raise IamError(400, "The request body is invalid: the project's id and name must be strings.")
        if (pid is not None and pid != found.project_id) or (
            pname is not None and pname != found.project_name
        ):
            raise IamError(
                401, "The request you have made requires authentication: no such project for the user."
            )
        project_id = found.project_id
    elif isinstance(scope, dict) and "domain" in scope:
        project_id = None
    elif scope is not None:
        raise IamError(400, "The request body is invalid: 'auth.scope' must name a project or a domain.")
    now = v.sim.clock.now()
    raw = v.sim.rng.getrandbits(8 * 480).to_bytes(480, "big")
    value = "MII" + base64.b64encode(raw).decode()
    token = Token(value, found.name, found.domain, project_id, now, now + settings.token_ttl)
    v.sim.store.collection(TOKENS)[value] = token
    return token


def token_body(v: HuaweiVendor, token: Token, catalog: bool) -> dict[str, Any]:
    settings: ManageSettings = v.settings
    did = domain_id(token.domain)
    out: dict[str, Any] = {
        "expires_at": _iso(token.expires_at),
        "issued_at": _iso(token.issued_at),
        "methods": ["password"],
        "domain": {"id": did, "name": token.domain},
        "roles": [{"id": "0", "name": "te_admin"}, {"id": "1", "name": "op_gated_msgsms"}],
        "user": {
            "id": user_id(token.domain, token.user),
            "name": token.user,
            "domain": {"id": did, "name": token.domain},
            "password_expires_at": "",
        },
    }
    if token.project_id is not None:
        pname = project_name(settings, token.project_id)
        out["project"] = {"id": token.project_id, "name": pname, "domain": {"id": did, "name": token.domain}}
        del out["domain"]
        if catalog:
            out["catalog"] = [
                {
                    "type": "msgsms",
                    "id": hashlib.md5(b"msgsms").hexdigest(),
                    "name": "msgsms",
                    "endpoints": [
                        {
                            "id": hashlib.md5(f"msgsms:{pname}".encode()).hexdigest(),
                            "interface": "public",
                            "region": pname,
                            "region_id": pname,
                            "url": f"https://msgsms.{pname}.myhuaweicloud.com",
                        }
                    ],
                }
            ]
    elif catalog:
        out["catalog"] = []
    return {"token": out}


def find_token(v: HuaweiVendor, value: str) -> Token | None:
    token = v.sim.store.collection(TOKENS).get(value)
    if token is None or token.expires_at <= v.sim.clock.now():
        return None
    return token


def token_refusal(v: HuaweiVendor, value: str, header: str = "X-Auth-Token") -> str:
    """Why ``find_token`` found no token: none given, never issued (or issued before a reset), expired."""
    if not value:
        return f"the {header} header is missing: get a token with POST /v3/auth/tokens"
    token = v.sim.store.collection(TOKENS).get(value)
    if token is None:
        return (
            f"the {header} ({len(value)} characters) was never issued by this simulator, or before a "
            "reset: get a new one with POST /v3/auth/tokens"
        )
    ago = v.sim.clock.now() - token.expires_at
    return (
        f"the {header} expired at {_iso(token.expires_at)} (simulated clock), {fmt_seconds(ago, False)} ago"
    )


# -- AK/SK -----------------------------------------------------------------------------------------------
class AkskError(Exception):
    """Why an AK/SK-signed request was refused (the message is the error detail, ``diagnosis`` the
    journal's plain words)."""

    def __init__(self, message: str, diagnosis: str | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis or message


def verify_aksk(v: HuaweiVendor, request: web.Request, body: bytes) -> AccessKey:
    """The send API's SDK-HMAC-SHA256 check (auth.verify_aksk) against the configured access keys."""
    settings: ManageSettings = v.settings
    keys = {k.ak: k for k in settings.access_keys}
    try:
        ak = send_auth.verify_aksk(
            request.headers,
            request.method,
            request.rel_url.raw_path,
            list(request.rel_url.query.items()),
            body,
            lambda access: keys[access].sk if access in keys else None,
            v.sim.clock.auth_now(),
            getattr(settings, "aksk_window", 15 * 60),
            partial(warn, request),
        )
    except HuaweiError as err:
        raise AkskError(f"{err.code}: {err.message}", err.diagnosis) from None
    return keys[ak]


# -- routes ----------------------------------------------------------------------------------------------
def routes(v: HuaweiVendor) -> list[web.RouteDef]:
    async def create_token(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            diagnose(request, "the body is not valid UTF-8 JSON")
            return iam_error(400, "The request body is not valid JSON.")
        try:
            token = issue_token(v, body)
        except IamError as err:
            diagnose(request, err.diagnosis)
            return iam_error(err.status, err.message)
        catalog = not request.query.get("nocatalog")
        return json_answer(
            token_body(v, token, catalog),
            status=201,
            headers={"X-Subject-Token": token.value, "X-Iam-Trace-Id": v.sim.uuid().hex},
        )

    async def check_token(request: web.Request) -> web.Response:
        caller = find_token(v, request.headers.get("X-Auth-Token", ""))
        if caller is None:
            diagnose(request, token_refusal(v, request.headers.get("X-Auth-Token", "")))
            return iam_error(401, "The request you have made requires authentication.")
        subject = find_token(v, request.headers.get("X-Subject-Token", ""))
        if subject is None:
            diagnose(request, token_refusal(v, request.headers.get("X-Subject-Token", ""), "X-Subject-Token"))
            return iam_error(404, "The token does not exist or has expired.")
        catalog = not request.query.get("nocatalog")
        return json_answer(token_body(v, subject, catalog), headers={"X-Subject-Token": subject.value})

    async def list_projects(request: web.Request) -> web.Response:
        settings: ManageSettings = v.settings
        body = await request.read()
        if "X-Auth-Token" in request.headers:
            token = find_token(v, request.headers["X-Auth-Token"])
            if token is None:
                diagnose(request, token_refusal(v, request.headers["X-Auth-Token"]))
                return iam_error(401, "The request you have made requires authentication.")
            domain = token.domain
        else:
            try:
                domain = verify_aksk(v, request, body).domain
            except AkskError as err:
                diagnose(request, err.diagnosis)
                return iam_error(401, f"The request you have made requires authentication: {err}")
        seen: dict[str, str] = {}
        for u in settings.iam_users:
            if u.domain == domain:
                seen.setdefault(u.project_id, u.project_name)
        for k in settings.access_keys:
            if k.domain == domain:
                seen.setdefault(k.project_id, project_name(settings, k.project_id))
        name = request.query.get("name")
        projects = [
            {
                "id": pid,
                "name": pname,
                "domain_id": domain_id(domain),
                "parent_id": domain_id(domain),
                "enabled": True,
                "is_domain": False,
                "description": "",
                "links": {"self": f"https://iam.myhuaweicloud.com/v3/projects/{pid}"},
            }
            for pid, pname in seen.items()
            if name is None or name == pname
        ]
        return json_answer(
            {"projects": projects, "links": {"self": "https://iam.myhuaweicloud.com/v3/projects"}}
        )

    h = v.handler
    return [
        web.post("/v3/auth/tokens", h(create_token)),
        web.get("/v3/auth/tokens", h(check_token), allow_head=False),
        web.get("/v3/projects", h(list_projects), allow_head=False),
    ]
