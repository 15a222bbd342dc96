"""Huawei MSGSMS management API (seed 001 §3.1.3–3.1.5): apps, signatures, templates, files.

Everything lives under ``/v2/{project_id}/msgsms/``.  Auth is ``X-Auth-Token`` (a project-scoped token
from the simulated IAM whose project is the path's) or SDK-HMAC-SHA256 AK/SK signing as
``huaweicloudsdkmsgsms`` (``BasicCredentials(ak, sk, project_id)``) sends it.  Errors are
``{"error_code": "MSGSMS.0xxx", "error_msg": …, "error_detail": …}`` with HTTP 400 for request problems,
401 for authentication, 403 for permission and 500 for MSGSMS.0001.  Unknown paths under the prefix get
the API gateway's ``APIGW.0101`` with 404.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from ...core.accounts import Account
from ...core.errors import SimError
from ..base import json_answer, parse_time
from . import registry as reg
from .codes import MANAGE_ERRORS
from .iam import AkskError, Caller, ManageSettings, domain_id, find_token, project_domain, verify_aksk
from .registry import App, File, Signature, Template, Variable

if TYPE_CHECKING:
    from . import HuaweiVendor

log = logging.getLogger("simulator.huawei.manage")
PREFIX = "/v2/{project_id}/msgsms"
TIME_FMT = "%Y-%m-%d %H:%M:%S"


SIGNATURE_TYPES = ("VERIFY_CODE_TYPE", "PROMOTION_TYPE", "NOTIFY_TYPE")
SIGNATURE_SOURCES = (0, 2, 5)
VARIABLE_TYPES = ("PHONE", "CHARDIGIT", "DATETIME", "MONEY", "TEXT", "URL")
FLOW_STATUSES = ("Adopted", "Reviewing", "Reject", "Disable", "Pending", "Adopted_inactive", "SignReviewing")
SIGNATURE_STATUSES = (
    "PENDING_REVIEW",
    "PROCESSING",
    "REVIEW_PASSED",
    "REVIEW_NOT_PASS",
    "TO_BE_ACTIVATED",
    "PENDING_ACTIVATE",
    "PENDING_QUALIFICATION_REVIEW",
    "REAL_NAME_REGISTRATING",
    "REVIEW_PASSED_QUALIFICATION_PROCESSING",
    "REVIEW_PASSED_REAL_NAME_REGISTRATING",
    "REVIEW_PASSED_REAL_NAME_REGISTRATE_FAIL",
    "REVIEW_PROCESSING_COMPLETED",
)
SIGNATURE_STATUS = {
    "pending": "PENDING_REVIEW",
    "approved": "REVIEW_PROCESSING_COMPLETED",
    "rejected": "REVIEW_NOT_PASS",
    "disabled": "TO_BE_ACTIVATED",
    "activating": "PENDING_ACTIVATE",
}
TEMPLATE_FLOW = {
    "pending": "Reviewing",
    "approved": "Adopted",
    "rejected": "Reject",
    "disabled": "Disable",
    "draft": "Pending",
}
APP_STATUSES = ("CREATED", "SUSPENDED", "LAUNCHED")
MAX_URL_BYTES = 3000
FILE_NAME_MAX = 128
FILE_ILLEGAL = set("#'$%&*/|<>{}[];?!^\\")
FILE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".pdf")
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
TEST_SIGNATURE = "华为云测试"
TEST_TEMPLATE = "您的验证码为${1}，5分钟内有效。"


class MgmtError(SimError):
    """A §4.2.2 error: HTTP status, MSGSMS code, and a detail saying what exactly was wrong."""

    def __init__(self, code: str, detail: str = "", status: int = 400) -> None:
        super().__init__(f"huawei_{code}", MANAGE_ERRORS[code])
        self.code = code
        self.status = status
        self.detail_text = detail or MANAGE_ERRORS[code]


def error_response(code: str, msg: str, detail: str, status: int) -> web.Response:
    return json_answer({"error_code": code, "error_msg": msg, "error_detail": detail}, status=status)


# -- small parsers ---------------------------------------------------------------------------------------
def fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(TIME_FMT)


def parse_filter_time(text: str, name: str) -> tuple[float, float]:
    """(instant, granularity): a filter time names a whole second, or a whole day for yyyy-MM-dd."""
    for f, step in ((TIME_FMT, 1), ("%Y-%m-%dT%H:%M:%SZ", 1), ("%Y-%m-%dT%H:%M:%S", 1), ("%Y-%m-%d", 86400)):
        at = parse_time(text.strip(), f, UTC)
        if at is not None:
            return at, step
    raise MgmtError("MSGSMS.0039", f"{name} must look like yyyy-MM-dd HH:mm:ss (UTC)")


def parse_json(raw: bytes) -> dict[str, Any]:
    import json

    if not raw.strip():
        raise MgmtError("MSGSMS.0002", "the request body is empty")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MgmtError("MSGSMS.0002", "the request body is not valid JSON") from None
    except RecursionError:
        raise MgmtError("MSGSMS.0002", "the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise MgmtError("MSGSMS.0002", "the request body must be a JSON object")
    try:  # a lone surrogate (only a \uD800-style escape can carry one) is not text: it cannot be answered
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MgmtError("MSGSMS.0002", "the request body has a string that is not valid Unicode") from None
    except (RecursionError, ValueError):
        raise MgmtError("MSGSMS.0002", "the request body is nested too deeply") from None
    return body


def req_str(body: dict[str, Any], key: str, code: str = "MSGSMS.0002", max_len: int = 256) -> str:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MgmtError(code, f"{key} is required")
    if not isinstance(value, str):
        raise MgmtError(code, f"{key} must be a string")
    if len(value) > max_len:
        raise MgmtError(code, f"{key} is longer than {max_len} characters")
    return value


def opt_str(body: dict[str, Any], key: str, max_len: int = 512) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MgmtError("MSGSMS.0002", f"{key} must be a string")
    if len(value) > max_len:
        raise MgmtError("MSGSMS.0002", f"{key} is longer than {max_len} characters")
    return value


def opt_bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
        return value.lower() in ("true", "1")
    raise MgmtError("MSGSMS.0002", f"{key} must be a boolean")


def as_int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise MgmtError("MSGSMS.0002", f"{key} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
        return int(value)
    raise MgmtError("MSGSMS.0002", f"{key} must be an integer")


def region_of(value: Any, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if value not in ("cn", "intl"):
        raise MgmtError("MSGSMS.0002", "region must be cn or intl")
    return value


def paging(q: Any) -> tuple[int, int, bool]:
    """(limit, offset, descending) from the query."""
    try:
        limit = int(q.get("limit", "10"))
        offset = int(q.get("offset", "0"))
    except ValueError:
        raise MgmtError("MSGSMS.0002", "limit and offset must be integers") from None
    if not 1 <= limit <= 100 or offset < 0:
        raise MgmtError("MSGSMS.0002", "limit must be 1-100 and offset at least 0")
    sort_key = q.get("sort_key", "create_time")
    if sort_key != "create_time":
        raise MgmtError("MSGSMS.0002", "sort_key only supports create_time")
    sort_dir = q.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise MgmtError("MSGSMS.0002", "sort_dir must be asc or desc")
    return limit, offset, sort_dir == "desc"


def time_window(q: Any) -> tuple[float | None, float | None]:
    """[start, end) on the created time; end_time includes the whole second (or day) it names."""
    start = parse_filter_time(q["start_time"], "start_time")[0] if q.get("start_time") else None
    end = None
    if q.get("end_time"):
        at, step = parse_filter_time(q["end_time"], "end_time")
        end = at + step
    if start is not None and end is not None and start >= end:
        raise MgmtError("MSGSMS.0002", "start_time is after end_time")
    return start, end


def page(items: list[Any], q: Any, created: Callable[[Any], float]) -> tuple[list[Any], int]:
    limit, offset, desc = paging(q)
    start, end = time_window(q)
    items = [
        it for it in items if (start is None or created(it) >= start) and (end is None or created(it) < end)
    ]
    ordered = sorted(enumerate(items), key=lambda p: (created(p[1]), p[0]), reverse=desc)
    return [it for _, it in ordered][offset : offset + limit], len(items)


def contains(value: str, wanted: str | None) -> bool:
    return wanted is None or wanted == "" or wanted in value


# -- the routes ------------------------------------------------------------------------------------------
def routes(v: HuaweiVendor) -> list[web.RouteDef]:
    sim = lambda: v.sim  # noqa: E731 - bound at request time (tests rebind)
    settings: ManageSettings = v.settings  # type: ignore[assignment]

    # auth ---------------------------------------------------------------------------------------------
    def authenticate(request: web.Request, body: bytes) -> Caller:
        pid = request.match_info["project_id"]
        token_value = request.headers.get("X-Auth-Token")
        if token_value:
            token = find_token(v, token_value)
            if token is None:
                raise MgmtError("MSGSMS.0049", "the token is invalid or has expired", 401)
            if token.project_id is None:
                raise MgmtError("MSGSMS.0049", "a project-scoped token is required (auth.scope.project)", 401)
            if token.project_id != pid:
                raise MgmtError("MSGSMS.0056", f"the token is for project {token.project_id}, not {pid}", 403)
            return Caller(pid, token.domain, token.user, "token")
        if request.headers.get("Authorization", "").strip().upper().startswith("SDK-HMAC"):
            try:
                key = verify_aksk(v, request, body)
            except AkskError as err:
                raise MgmtError("MSGSMS.0003", str(err), 401) from None
            header_project = request.headers.get("X-Project-Id")
            if key.project_id != pid or (header_project and header_project != pid):
                raise MgmtError("MSGSMS.0056", f"the access key may not manage project {pid}", 403)
            return Caller(pid, key.domain, key.ak, "aksk")
        raise MgmtError("MSGSMS.0003", "X-Auth-Token or an SDK-HMAC-SHA256 Authorization is required", 401)

    Handler = Callable[[web.Request, Caller, bytes], Awaitable[web.StreamResponse]]

    def endpoint(fn: Handler, upload: bool = False):
        async def run(request: web.Request) -> web.StreamResponse:
            try:
                try:
                    body = await request.read()  # cached: the middleware may have read it
                except web.HTTPRequestEntityTooLarge as err:
                    raise MgmtError(
                        "MSGSMS.0084" if upload else "MSGSMS.0002", "the request body is too large"
                    ) from err
                caller = authenticate(request, body)
                resp = await fn(request, caller, body)
            except MgmtError as err:
                resp = error_response(err.code, err.message, err.detail_text, err.status)
            except SimError as err:
                resp = error_response("MSGSMS.0001", MANAGE_ERRORS["MSGSMS.0001"], err.message, 500)
            except web.HTTPException:
                raise
            except Exception as exc:
                log.exception("huawei management %s %s", request.method, request.path)
                resp = error_response("MSGSMS.0001", MANAGE_ERRORS["MSGSMS.0001"], type(exc).__name__, 500)
            resp.headers["X-Request-Id"] = sim().uuid().hex
            return resp

        run.__name__ = getattr(fn, "__name__", "endpoint")
        return v.handler(run)

    def ok(obj: Any = None, status: int = 200) -> web.Response:
        if obj is None:
            return web.Response(status=status)
        return json_answer(obj, status=status)

    # tenant view ----------------------------------------------------------------------------------------
    def tenant(caller_project: str) -> dict[str, str]:
        domain = project_domain(settings, caller_project)
        return {"customer_id": domain_id(domain), "customer_name": domain, "enterprise_name": ""}

    # apps -----------------------------------------------------------------------------------------------
    def project_apps(pid: str) -> list[App]:
        reg.sync_apps(sim())
        return [a for a in reg.apps(sim()).values() if a.project_id == pid]

    def find_app(pid: str, app_id: str, code: str) -> App:
        app = reg.apps(sim()).get(app_id)
        if app is None or app.project_id != pid:
            reg.sync_apps(sim())
            app = reg.apps(sim()).get(app_id)
        if app is None or app.project_id != pid:
            raise MgmtError(code, f"app {app_id} does not exist in project {pid}")
        return app

    def app_status(app: App) -> str:
        account = sim().accounts.get("huawei", app.app_key)
        return "LAUNCHED" if account is not None and account.enabled else "SUSPENDED"

    def intl_channel(app: App) -> str:
        """The app's international channel number (ShowApp's intl_channel_num; every app has one)."""
        return f"{int(hashlib.md5(app.id.encode()).hexdigest()[:12], 16) % 10**12:012d}"

    def app_json(app: App, request: web.Request) -> dict[str, Any]:
        account = sim().accounts.get("huawei", app.app_key)
        t = tenant(app.project_id)
        out: dict[str, Any] = {
            "id": app.id,
            "create_time": fmt(app.created_at),
            "update_time": fmt(app.updated_at),
            "customer_id": t["customer_id"],
            "resource_id": reg.stable_id("resource", app.project_id),
            "developer_account": f"{t['customer_name']}_sms",
            "app_name": app.name,
            "omp_app_name": app.name,
            "app_key": app.app_key,
            "status": app_status(app),
            "industry": 0,
            "region": app.region,
            "enterprise_project_id": app.enterprise_project_id,
            "enterprise_project_name": app.enterprise_project_name,
            "ip_white_list": ",".join(account.ip_allowlist) if account is not None else "",
            "app_access_addr": f"{request.scheme}://{request.host}",
            "protocol": "HTTP",
            "platform": "NFV",
            "is_support_multiomp": False,
            "tenant": t,
            "intl_channel_num": intl_channel(app),
        }
        if app.up_link_addr:
            out["up_link_addr"] = app.up_link_addr
        return out

    def new_key(n: int = 28) -> str:
        rng = sim().rng
        return "".join(rng.choice(KEY_CHARS) for _ in range(n))

    def parse_app(body: dict[str, Any]) -> dict[str, Any]:
        name = req_str(body, "app_name", max_len=64)
        region = region_of(body.get("region"))
        up = body.get("up_link_addr")
        if up is not None:
            if not isinstance(up, str):
                raise MgmtError("MSGSMS.0002", "up_link_addr must be a string")
            if len(up.encode()) > MAX_URL_BYTES:
                raise MgmtError("MSGSMS.0145", f"up_link_addr is longer than {MAX_URL_BYTES} bytes")
            if up and not re.match(r"^https?://[^\s/]+", up):
                raise MgmtError("MSGSMS.0002", "up_link_addr must be an http(s) URL")
        return {
            "name": name,
            "region": region,
            "up_link_addr": up if region == "cn" else None,
            "create_test": opt_bool(body, "create_sign_and_template") and region == "cn",
            "show_secret": opt_bool(body, "show_secret"),
            "enterprise_project_id": opt_str(body, "enterprise_project_id", 64),
            "enterprise_project_name": opt_str(body, "enterprise_project_name", 64),
        }

    async def create_app(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        f = parse_app(parse_json(raw))
        pid = caller.project_id
        apps_here = project_apps(pid)
        if any(a.name == f["name"] for a in apps_here):
            raise MgmtError("MSGSMS.0051", f"app_name {f['name']} is already used")
        if sum(1 for a in apps_here if a.region == f["region"]) >= settings.app_quota:
            raise MgmtError("MSGSMS.0053", f"at most {settings.app_quota} apps per region")
        s = sim()
        now = s.clock.now()
        app_key, app_secret = new_key(), new_key()
        while s.accounts.get("huawei", app_key) is not None:
            app_key = new_key()
        up = f["up_link_addr"] or ""
        s.accounts.add(
            Account(
                vendor="huawei",
                id=app_key,
                secret=app_secret,
                balance=settings.new_app_balance,
                mode="push" if up else "pull",
                mo_url=up or None,
                name=f["name"],
                options=v.AccountOptions.model_validate({"project_id": pid, "app_name": f["name"]}),
            )
        )
        app = App(
            id=str(s.uuid()),
            app_key=app_key,
            app_secret=app_secret,
            name=f["name"],
            project_id=pid,
            region=f["region"],
            up_link_addr=up,
            created_at=now,
            updated_at=now,
            enterprise_project_id=f["enterprise_project_id"] or "0",
            enterprise_project_name=f["enterprise_project_name"] or "default",
        )
        reg.apps(s)[app.id] = app
        if f["create_test"]:
            create_test_records(app)
        s.bus.publish("account", vendor="huawei", id=app_key, action="created")
        out = {"id": app.id, "app_key": app_key, "app_name": app.name}
        if f["show_secret"]:
            out["app_secret"] = app_secret
        return ok(out)

    def create_test_records(app: App) -> None:
        """create_sign_and_template: an approved test signature and a verification-code test template."""
        s = sim()
        now = s.clock.now()
        sig = Signature(
            id=str(s.uuid()),
            signature_id=str(s.uuid()),
            name=TEST_SIGNATURE,
            type="VERIFY_CODE_TYPE",
            app_key=app.app_key,
            channel=new_channel(),
            status="approved",
            created_at=now,
            project_id=app.project_id,
            updated_at=now,
            review_desc="test signature",
            extra={"signature_source": 0, "is_involved_third": "No", "apply_desc": "test signature"},
        )
        reg.signatures(s)[sig.id] = sig
        tpl = Template(
            id=s.uuid().hex,
            name="test template",
            type="VERIFY_CODE_TYPE",
            content=TEST_TEMPLATE,
            app_key=app.app_key,
            status="approved",
            created_at=now,
            pk=str(s.uuid()),
            project_id=app.project_id,
            sign_id=sig.id,
            updated_at=now,
            extra={"test": True, "brackets": "CN"},
        )
        tpl.set_variables([new_variable(1, "CHARDIGIT", "")])
        reg.templates(s)[tpl.id] = tpl

    async def update_app(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        app = find_app(caller.project_id, request.match_info["id"], "MSGSMS.0076")
        f = parse_app(parse_json(raw))
        if any(a.name == f["name"] and a.id != app.id for a in project_apps(caller.project_id)):
            raise MgmtError("MSGSMS.0051", f"app_name {f['name']} is already used")
        s = sim()
        app.name = f["name"]
        app.region = f["region"]
        if f["up_link_addr"] is not None:
            app.up_link_addr = f["up_link_addr"]
        if f["enterprise_project_id"] is not None:
            app.enterprise_project_id = f["enterprise_project_id"]
        if f["enterprise_project_name"] is not None:
            app.enterprise_project_name = f["enterprise_project_name"]
        app.updated_at = s.clock.now()
        account = s.accounts.get("huawei", app.app_key)
        if account is not None:
            account.name = app.name
            if hasattr(account.options, "app_name"):
                account.options.app_name = app.name
            account.mo_url = app.up_link_addr or None
            if app.up_link_addr:
                account.mode = "push"
        if f["create_test"] and not any(
            sg.app_key == app.app_key and sg.name == TEST_SIGNATURE for sg in reg.signatures(s).values()
        ):
            create_test_records(app)
        return ok({"id": app.id, "app_key": app.app_key, "app_name": app.name})

    async def list_apps(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        q = request.query
        region = region_of(q.get("region") or None, required=False)
        status = q.get("status") or None
        if status is not None and status not in APP_STATUSES:
            raise MgmtError("MSGSMS.0002", f"status must be one of {', '.join(APP_STATUSES)}")
        items = [
            a
            for a in project_apps(caller.project_id)
            if contains(a.name, q.get("app_name"))
            and (region is None or a.region == region)
            and (status is None or app_status(a) == status)
        ]
        rows, total = page(items, q, lambda a: a.created_at)
        return ok({"results": [app_json(a, request) for a in rows], "total": total})

    async def show_app(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        return ok(app_json(find_app(caller.project_id, request.match_info["id"], "MSGSMS.0076"), request))

    async def app_count(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        region = region_of(request.query.get("region"))
        used = sum(1 for a in project_apps(caller.project_id) if a.region == region)
        return ok({"total": settings.app_quota, "used": used})

    # files ----------------------------------------------------------------------------------------------
    def find_file(pid: str, file_id: str) -> File:
        f = reg.files(sim()).get(file_id)
        if f is None or f.project_id != pid:
            raise MgmtError("MSGSMS.0011", f"file {file_id} does not exist")
        return f

    def file_refs(file_id: str) -> int:
        keys = ("file_id", "power_attorney_fileid", "signature_related_file_id")
        return sum(1 for sg in reg.signatures(sim()).values() for k in keys if sg.extra.get(k) == file_id)

    def file_json(f: File) -> dict[str, Any]:
        return {
            "file_id": f.file_id,
            "file_name": f.name,
            "file_ref": file_refs(f.file_id),
            "file_size": f.size,
            "file_type": 1,
            "module_type": 2,
            "operator": f.operator,
            "file_desc": f.desc,
            "update_time": fmt(f.updated_at),
        }

    async def upload_file(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        ctype = request.headers.get("Content-Type", "")
        if not ctype.lower().startswith("multipart/form-data") or "boundary=" not in ctype:
            raise MgmtError("MSGSMS.0002", "Content-Type must be multipart/form-data with a boundary")
        msg = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1", "replace") + b"\r\n\r\n" + raw
        )
        part = None
        if msg.is_multipart():
            for p in msg.iter_parts():
                if p.get_param("name", header="content-disposition") == "file":
                    part = p
                    break
        if part is None:
            raise MgmtError("MSGSMS.0002", "the form field 'file' is required")
        filename = part.get_filename() or ""
        if re.search(r"%[0-9A-Fa-f]{2}", filename):  # percent-encoded by some clients (aiohttp, curl)
            filename = unquote(filename)
        name = re.split(r"[\\/]", filename)[-1]
        if not name or len(name) > FILE_NAME_MAX or any(c.isspace() for c in name):
            raise MgmtError("MSGSMS.0132", f"file name {name!r} is empty, too long or has a space")
        if any(c in FILE_ILLEGAL for c in name):
            raise MgmtError("MSGSMS.0133", f"file name {name!r} has an illegal character")
        data = part.get_payload(decode=True) or b""
        if not name.lower().endswith(FILE_EXTENSIONS):
            raise MgmtError("MSGSMS.0084", f"only {', '.join(FILE_EXTENSIONS)} files are accepted")
        if not data or len(data) > settings.max_upload_bytes:
            raise MgmtError("MSGSMS.0084", f"the file must be 1 to {settings.max_upload_bytes} bytes")
        s = sim()
        f = File(
            file_id=str(s.uuid()),
            name=name,
            data=data,
            content_type=part.get_content_type(),
            project_id=caller.project_id,
            desc=request.query.get("file_desc", ""),
            operator=domain_id(caller.domain),
            updated_at=s.clock.now(),
        )
        reg.files(s)[f.file_id] = f
        return ok(file_json(f))

    async def show_file(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        file_id = request.query.get("file_id", "")
        if not file_id:
            raise MgmtError("MSGSMS.0002", "file_id is required")
        return ok(file_json(find_file(caller.project_id, file_id)))

    # signatures -----------------------------------------------------------------------------------------
    def new_channel() -> str:
        return f"csms{88000000 + sim().store.next_number('huawei.channel'):08d}"

    def find_signature(pid: str, sig_id: str) -> Signature:
        sig = reg.signatures(sim()).get(sig_id)
        if sig is None or sig.project_id != pid:
            raise MgmtError("MSGSMS.0005", f"signature {sig_id} does not exist")
        return sig

    def app_of(app_key: str) -> App | None:
        return reg.app_by_key(sim(), app_key)

    def signature_json(sig: Signature) -> dict[str, Any]:
        app = app_of(sig.app_key)
        t = tenant(sig.project_id)
        e = sig.extra
        out: dict[str, Any] = {
            "id": sig.id,
            "create_time": fmt(sig.created_at),
            "update_time": fmt(sig.updated_at or sig.created_at),
            "customer_id": t["customer_id"],
            "tenant": t,
            "signature_name": sig.name,
            "signature_id": sig.signature_id,
            "signature_type": sig.type,
            "app_name": app.name if app else "",
            "app_key": sig.app_key,
            "apply_desc": e.get("apply_desc", ""),
            "status": SIGNATURE_STATUS.get(sig.status, "PENDING_REVIEW"),
            "site": "cn",
            "signature_source": e.get("signature_source", 0),
            "is_involved_third": e.get("is_involved_third", "No"),
            "urge_status": "NO",
            "signature_usage": "COMMERCIAL",
        }
        if sig.status in ("approved", "disabled", "activating"):
            out["channel_num"] = sig.channel
        if sig.review_desc:
            out["review_desc"] = sig.review_desc
        for src, dst in (
            ("file_id", "file_id"),
            ("power_attorney_fileid", "power_attorney_file_id"),
            ("source_title_content", "source_title_content"),
            ("qualification_id", "qualification_id"),
            ("signature_related_file_id", "signature_related_file_id"),
            ("registration_number", "registration_number"),
            ("license_number", "license_number"),
        ):
            if e.get(src):
                out[dst] = e[src]
        return out

    def parse_signature(pid: str, body: dict[str, Any]) -> tuple[App, dict[str, Any]]:
        app_id = req_str(body, "app_id", max_len=64)
        name = req_str(body, "signature_name", max_len=64)
        if not 2 <= len(name) <= 16 or any(c in name for c in "【】[]"):
            raise MgmtError("MSGSMS.0002", "signature_name must be 2-16 characters without 【】 or []")
        sig_type = body.get("signature_type")
        if sig_type not in SIGNATURE_TYPES:
            raise MgmtError("MSGSMS.0018", f"signature_type must be one of {', '.join(SIGNATURE_TYPES)}")
        if body.get("signature_source") is None:
            raise MgmtError("MSGSMS.0002", "signature_source is required")
        source = as_int(body["signature_source"], "signature_source")
        if source not in SIGNATURE_SOURCES:
            raise MgmtError("MSGSMS.0002", "signature_source must be 0, 2 or 5")
        third = body.get("is_involved_third")
        if third not in ("Yes", "No"):
            raise MgmtError("MSGSMS.0002", "is_involved_third must be Yes or No")
        extra: dict[str, Any] = {"signature_source": source, "is_involved_third": third}
        for key in (
            "apply_desc",
            "file_id",
            "power_attorney_fileid",
            "source_title_content",
            "qualification_id",
            "signature_related_file_id",
            "registration_number",
            "license_number",
        ):
            value = opt_str(body, key)
            if value:
                extra[key] = value
        if third == "Yes" and not extra.get("power_attorney_fileid"):
            raise MgmtError("MSGSMS.0017", "is_involved_third is Yes: power_attorney_fileid is required")
        for key in ("file_id", "power_attorney_fileid", "signature_related_file_id"):
            if extra.get(key):
                find_file(pid, extra[key])
        app = find_app(pid, app_id, "MSGSMS.0014")
        if app.region != "cn":
            raise MgmtError("MSGSMS.0104", "signatures are for apps of region cn")
        return app, {"name": name, "type": sig_type, "extra": extra}

    def check_duplicate_signature(app: App, name: str, sig_type: str, own: str | None = None) -> None:
        for sg in reg.signatures(sim()).values():
            if sg.id != own and sg.app_key == app.app_key and sg.name == name and sg.type == sig_type:
                raise MgmtError("MSGSMS.0006", f"the app already has a {sig_type} signature {name}")

    def submit_signature(sig: Signature, activating: bool = False) -> None:
        s = sim()
        sig.review_seq += 1
        sig.status = "activating" if activating else "pending"
        seq, pk = sig.review_seq, sig.id
        s.engine.review(
            "signature",
            "huawei",
            sig.name,
            sig.extra.get("apply_desc", ""),
            lambda result, reason: signature_reviewed(pk, seq, result, reason),
        )

    def signature_reviewed(pk: str, seq: int, result: str, reason: str) -> None:
        s = sim()
        sig = reg.signatures(s).get(pk)
        if sig is None or sig.review_seq != seq:
            return
        sig.status = "approved" if result == "approved" else "rejected"
        sig.review_desc = reason or ("审核通过" if result == "approved" else "审核不通过")
        sig.updated_at = s.clock.now()
        s.bus.publish("review", vendor="huawei", record="signature", id=pk, result=sig.status)
        for t in list(reg.templates(s).values()):
            if t.sign_id == pk and t.status == "pending" and t.waiting_signature:
                if sig.status == "approved":
                    submit_template(t)
                else:
                    t.waiting_signature = False
                    t.review_seq += 1
                    t.status = "rejected"
                    t.review_desc = "签名审核不通过"
                    t.updated_at = s.clock.now()

    async def create_signature(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        app, f = parse_signature(caller.project_id, parse_json(raw))
        check_duplicate_signature(app, f["name"], f["type"])
        s = sim()
        now = s.clock.now()
        sig = Signature(
            id=str(s.uuid()),
            signature_id=str(s.uuid()),
            name=f["name"],
            type=f["type"],
            app_key=app.app_key,
            channel=new_channel(),
            created_at=now,
            extra=f["extra"],
            project_id=caller.project_id,
            updated_at=now,
        )
        reg.signatures(s)[sig.id] = sig
        submit_signature(sig)
        return ok({"id": sig.id, "signature_id": sig.signature_id, "signature_name": sig.name})

    async def update_signature(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        sig = find_signature(caller.project_id, request.match_info["id"])
        body = parse_json(raw)
        if sig.status != "rejected":
            raise MgmtError("MSGSMS.0007", f"signature status is {SIGNATURE_STATUS.get(sig.status)}")
        app, f = parse_signature(caller.project_id, body)
        check_duplicate_signature(app, f["name"], f["type"], own=sig.id)
        sig.name, sig.type, sig.extra, sig.app_key = f["name"], f["type"], f["extra"], app.app_key
        sig.review_desc = ""
        sig.updated_at = sim().clock.now()
        submit_signature(sig)
        return ok({"id": sig.id, "signature_id": sig.signature_id, "signature_name": sig.name})

    async def delete_signature(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        sig = find_signature(caller.project_id, request.match_info["id"])
        s = sim()
        del reg.signatures(s)[sig.id]
        for t in reg.templates(s).values():  # SignReviewing templates would otherwise wait forever
            if t.sign_id == sig.id and t.status == "pending" and t.waiting_signature:
                t.waiting_signature = False
                t.review_seq += 1
                t.status = "rejected"
                t.review_desc = "签名已删除"
                t.updated_at = s.clock.now()
        return ok(status=204)

    async def show_signature(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        return ok(signature_json(find_signature(caller.project_id, request.match_info["id"])))

    async def enable_signature(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        sig = find_signature(caller.project_id, request.match_info["id"])
        if sig.status != "disabled":
            raise MgmtError("MSGSMS.0130", "Signature status should be TO_BE_ACTIVATED.")
        sig.updated_at = sim().clock.now()
        submit_signature(sig, activating=True)
        return ok()

    async def list_signatures(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        q = request.query
        sig_type = q.get("signature_type") or None
        if sig_type is not None and sig_type not in SIGNATURE_TYPES:
            raise MgmtError("MSGSMS.0018", f"signature_type must be one of {', '.join(SIGNATURE_TYPES)}")
        status = q.get("status") or None
        if status is not None and status not in SIGNATURE_STATUSES:
            raise MgmtError("MSGSMS.0002", f"status {status} is not a signature status")
        app_name = q.get("app_name") or None
        items = []
        for sg in reg.signatures(sim()).values():
            if sg.project_id != caller.project_id:
                continue
            app = app_of(sg.app_key)
            if (
                contains(sg.name, q.get("signature_name"))
                and (not q.get("signature_id") or sg.signature_id == q["signature_id"])
                and (sig_type is None or sg.type == sig_type)
                and (status is None or SIGNATURE_STATUS.get(sg.status) == status)
                and (app_name is None or (app is not None and app_name in app.name))
            ):
                items.append(sg)
        rows, total = page(items, q, lambda sg: sg.created_at)
        return ok({"results": [signature_json(sg) for sg in rows], "total": total})

    # templates ------------------------------------------------------------------------------------------
    def new_variable(index: int, vtype: str, desc: str) -> Variable:
        length = settings.variable_max_lengths.get(vtype, reg.DEFAULT_VARIABLE_LENGTHS.get(vtype, 20))
        return Variable(index, vtype, length, desc, 15000000 + sim().store.next_number("huawei.variable"))

    def parse_variables(content: str, attrs: Any) -> list[Variable]:
        indexes = [int(i) for i in reg.VARIABLE_RE.findall(content)]
        distinct = sorted(set(indexes))
        if distinct != list(range(1, len(distinct) + 1)):
            raise MgmtError("MSGSMS.0024", "variables must be ${1}, ${2}, … without gaps")
        if attrs is None:
            return [new_variable(i, "CHARDIGIT", "") for i in distinct]
        if not isinstance(attrs, list) or not all(isinstance(a, dict) for a in attrs):
            raise MgmtError("MSGSMS.0002", "variable_attributes must be an array of objects")
        out: list[Variable] = []
        for a in attrs:
            if a.get("variable_index") is None:
                raise MgmtError("MSGSMS.0002", "variable_index is required")
            index = as_int(a["variable_index"], "variable_index")
            vtype = a.get("variable_type")
            if vtype not in VARIABLE_TYPES:
                raise MgmtError("MSGSMS.0151", f"variable_type {vtype!r} is not supported")
            desc = a.get("variable_desc") or ""
            if not isinstance(desc, str):
                raise MgmtError("MSGSMS.0002", "variable_desc must be a string")
            if vtype == "TEXT" and not desc.strip():
                raise MgmtError("MSGSMS.0025", f"variable {index} is TEXT: variable_desc is required")
            out.append(new_variable(index, vtype, desc))
        if len(out) != len(distinct) or sorted(x.index for x in out) != distinct:
            raise MgmtError(
                "MSGSMS.0023", f"the content has {len(distinct)} variables, variable_attributes {len(out)}"
            )
        return out

    def parse_template(pid: str, body: dict[str, Any]) -> tuple[App, dict[str, Any]]:
        app_id = req_str(body, "app_id", max_len=64)
        region = region_of(body.get("region"))
        name = req_str(body, "template_name", "MSGSMS.0046", max_len=64)
        content = req_str(body, "template_content", max_len=500)
        universal = False
        if body.get("universal_template") is not None:
            u = as_int(body["universal_template"], "universal_template")
            if u not in (0, 1):
                raise MgmtError("MSGSMS.0002", "universal_template must be 0 or 1")
            universal = u == 1
        flow = body.get("flow_status")
        if flow is not None and flow not in FLOW_STATUSES:
            raise MgmtError("MSGSMS.0002", f"flow_status must be one of {', '.join(FLOW_STATUSES)}")
        app = find_app(pid, app_id, "MSGSMS.0014")
        ttype = body.get("template_type")
        sign: Signature | None = None
        if region == "cn":
            if ttype not in SIGNATURE_TYPES:
                raise MgmtError("MSGSMS.0015", f"template_type must be one of {', '.join(SIGNATURE_TYPES)}")
            if not universal:
                sign_id = body.get("sign_id")
                sign = reg.signatures(sim()).get(sign_id) if isinstance(sign_id, str) else None
                if sign is None or sign.app_key != app.app_key:
                    raise MgmtError("MSGSMS.0012", f"sign_id {sign_id!r} is not a signature of the app")
                if sign.status == "rejected":
                    raise MgmtError("MSGSMS.0012", "the signature did not pass review")
                ttype = sign.type  # a non-universal template inherits its signature's type
        elif ttype is not None and ttype not in SIGNATURE_TYPES:
            raise MgmtError("MSGSMS.0015", f"template_type must be one of {', '.join(SIGNATURE_TYPES)}")
        countries = body.get("send_country")
        if countries is not None and (
            not isinstance(countries, list) or not all(isinstance(c, int) for c in countries)
        ):
            raise MgmtError("MSGSMS.0002", "send_country must be an array of integers")
        brackets = body.get("brackets")
        return app, {
            "region": region,
            "name": name,
            "content": content,
            "universal": universal,
            "type": ttype or "NOTIFY_TYPE",
            "sign": sign,
            "flow": flow,
            "variables": parse_variables(content, body.get("variable_attributes")),
            "extra": {
                "template_type": ttype or "NOTIFY_TYPE",
                "brackets": "GB" if brackets == "GB" else "CN",
                "template_desc": opt_str(body, "template_desc") or "",
                "send_country": list(countries or []) if region == "intl" else [],
            },
        }

    def apply_template(t: Template, app: App, f: dict[str, Any]) -> None:
        t.name = f["name"]
        t.content = f["content"]
        t.app_key = app.app_key
        t.universal = f["universal"]
        t.type = "UNIVERSAL_TYPE" if f["universal"] else f["type"]
        t.sign_id = f["sign"].id if f["sign"] is not None else ""
        t.region = f["region"]
        t.set_variables(f["variables"])
        t.extra = f["extra"]
        t.review_desc = ""
        t.updated_at = sim().clock.now()

    def submit_template(t: Template) -> None:
        s = sim()
        t.review_seq += 1
        t.status = "pending"
        sig = reg.signatures(s).get(t.sign_id) if t.sign_id else None
        t.waiting_signature = sig is not None and sig.status in ("pending", "activating")
        if t.waiting_signature:
            return  # reviewed once its signature is approved (SignReviewing)
        seq, pk = t.review_seq, t.pk
        s.engine.review(
            "template",
            "huawei",
            t.name,
            t.content,
            lambda result, reason: template_reviewed(pk, seq, result, reason),
        )

    def template_reviewed(pk: str, seq: int, result: str, reason: str) -> None:
        s = sim()
        t = reg.template_by_pk(s, pk)
        if t is None or t.review_seq != seq:
            return
        t.status = "approved" if result == "approved" else "rejected"
        t.review_desc = reason or ("审核通过" if result == "approved" else "审核不通过")
        t.updated_at = s.clock.now()
        s.bus.publish("review", vendor="huawei", record="template", id=pk, result=t.status)

    def find_template(pid: str, pk: str) -> Template:
        t = reg.template_by_pk(sim(), pk)
        if t is None or t.project_id != pid:
            raise MgmtError("MSGSMS.0009", f"template {pk} does not exist")
        return t

    def flow_status(t: Template) -> str:
        if t.status == "pending" and t.waiting_signature:
            return "SignReviewing"
        return TEMPLATE_FLOW.get(t.status, "Reviewing")

    def template_json(t: Template) -> dict[str, Any]:
        app = app_of(t.app_key or "")
        tt = tenant(t.project_id)
        countries = list(t.extra.get("send_country", []))[:3]
        out: dict[str, Any] = {
            "id": t.pk,
            "create_time": fmt(t.created_at),
            "update_time": fmt(t.updated_at or t.created_at),
            "customer_id": tt["customer_id"],
            "tenant": tt,
            "template_name": t.name,
            "template_type": t.extra.get("template_type", t.type),
            "app_name": app.name if app else "",
            "app_key": t.app_key or "",
            "template_content": t.content,
            "has_variable": "Yes" if t.variables or t.variable_count else "No",
            "template_desc": t.extra.get("template_desc", ""),
            "flow_status": flow_status(t),
            "universal_template": 1 if t.universal else 0,
            "status": "Test" if t.extra.get("test") else "Normal",
            "region": t.region,
            "brackets": t.extra.get("brackets", "CN"),
            "site": "cn",
            "urge_status": "NO",
            "is_support_multiomp": False,
            "country_name": "",
        }
        if t.status == "approved":
            out["template_id"] = t.id
        if t.sign_id:
            out["sign_id"] = t.sign_id
        if t.review_desc:
            out["review_desc"] = t.review_desc
            out["review_order"] = "simulator"
        for n, c in enumerate(countries, 1):
            out[f"send_country{n}"] = c
        return out

    async def create_template(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        app, f = parse_template(caller.project_id, parse_json(raw))
        s = sim()
        sign_id = f["sign"].id if f["sign"] is not None else ""
        for t in reg.templates(s).values():
            if (
                t.app_key == app.app_key
                and t.content == f["content"]
                and t.sign_id == sign_id
                and t.status != "rejected"
            ):
                raise MgmtError("MSGSMS.0008", f"template {t.pk} has the same content and signature")
        now = s.clock.now()
        t = Template(
            id=s.uuid().hex,
            name=f["name"],
            type=f["type"],
            content=f["content"],
            app_key=app.app_key,
            created_at=now,
            pk=str(s.uuid()),
            project_id=caller.project_id,
        )
        apply_template(t, app, f)
        reg.templates(s)[t.id] = t
        if f["flow"] == "Pending":
            t.status = "draft"
        else:
            submit_template(t)
        return ok({"id": t.pk, "template_name": t.name})

    def same_definition(t: Template, app: App, f: dict[str, Any]) -> bool:
        sign_id = f["sign"].id if f["sign"] is not None else ""
        return (
            t.content == f["content"]
            and t.app_key == app.app_key
            and t.sign_id == sign_id
            and t.universal == f["universal"]
            and [(x.index, x.type, x.desc) for x in t.variables]
            == [(x.index, x.type, x.desc) for x in sorted(f["variables"], key=lambda x: x.index)]
        )

    async def update_template(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        t = find_template(caller.project_id, request.match_info["id"])
        app, f = parse_template(caller.project_id, parse_json(raw))
        if f["flow"] == "Pending":  # withdraw the application (撤回)
            if t.status != "pending":
                raise MgmtError("MSGSMS.0186", f"the template's flow_status is {flow_status(t)}")
            apply_template(t, app, f)
            t.review_seq += 1
            t.waiting_signature = False
            t.status = "draft"
        elif f["flow"] == "Disable":  # stop (停用) an Adopted template; it may then be edited
            if t.status not in ("approved", "disabled"):
                raise MgmtError(
                    "MSGSMS.0188", f"only an Adopted template can be disabled, not {flow_status(t)}"
                )
            if not same_definition(t, app, f):
                raise MgmtError("MSGSMS.0187", "disabling an Adopted template may only rename it")
            reg.disable_template(sim(), t.pk)
            t.name = f["name"]
        elif t.status == "approved":
            if not same_definition(t, app, f):
                raise MgmtError("MSGSMS.0187", "an Adopted template may only be renamed (or disabled first)")
            t.name = f["name"]
            t.updated_at = sim().clock.now()
        elif t.status in ("rejected", "draft", "disabled"):
            apply_template(t, app, f)
            submit_template(t)
        else:
            raise MgmtError("MSGSMS.0134", f"the template's flow_status is {flow_status(t)}")
        return ok({"id": t.pk, "template_name": t.name})

    async def delete_template(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        t = find_template(caller.project_id, request.match_info["id"])
        del reg.templates(sim())[t.id]
        return ok(status=204)

    async def show_template(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        return ok(template_json(find_template(caller.project_id, request.match_info["id"])))

    async def template_variables(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        t = find_template(caller.project_id, request.match_info["id"])
        rows = [
            {
                "id": x.id,
                "user_name": caller.user if caller.method == "token" else "",
                "temp_name": t.name,
                "variable_index": x.index,
                "variable_type": x.type,
                "variable_length": x.length,
                "variable_desc": x.desc,
            }
            for x in t.variables
        ]
        return ok({"results": rows, "total": len(rows)})

    async def list_templates(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        q = request.query
        flow = q.get("flow_status") or None
        if flow is not None and flow not in FLOW_STATUSES:
            raise MgmtError("MSGSMS.0002", f"flow_status must be one of {', '.join(FLOW_STATUSES)}")
        has_var = q.get("has_variable") or None
        if has_var is not None and has_var not in ("Yes", "No"):
            raise MgmtError("MSGSMS.0002", "has_variable must be Yes or No")
        ttype = q.get("template_type") or None
        if ttype is not None and ttype not in SIGNATURE_TYPES:
            raise MgmtError("MSGSMS.0015", f"template_type must be one of {', '.join(SIGNATURE_TYPES)}")
        region = region_of(q.get("region") or None, required=False)
        items = []
        for t in reg.templates(sim()).values():
            if t.project_id != caller.project_id:
                continue
            app = app_of(t.app_key or "")
            sig = reg.signatures(sim()).get(t.sign_id) if t.sign_id else None
            row_has_var = "Yes" if t.variables else "No"
            if (
                (not q.get("app_key") or t.app_key == q["app_key"])
                and (not q.get("app_name") or (app is not None and q["app_name"] in app.name))
                and (flow is None or flow_status(t) == flow)
                and (has_var is None or row_has_var == has_var)
                and (not q.get("sign_name") or (sig is not None and q["sign_name"] in sig.name))
                and (not q.get("template_id") or (t.status == "approved" and t.id == q["template_id"]))
                and contains(t.name, q.get("template_name"))
                and (ttype is None or t.extra.get("template_type", t.type) == ttype)
                and (region is None or t.region == region)
            ):
                items.append(t)
        rows, total = page(items, q, lambda t: t.created_at)
        return ok({"results": [template_json(t) for t in rows], "total": total})

    async def batch_delete(request: web.Request, caller: Caller, raw: bytes) -> web.Response:
        body = parse_json(raw)
        ids = body.get("ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 50:
            raise MgmtError("MSGSMS.0002", "ids must be an array of 1 to 50 template ids")
        if not all(isinstance(i, str) and 1 <= len(i) <= 64 for i in ids):
            raise MgmtError("MSGSMS.0002", "each id must be a string of 1 to 64 characters")
        done: list[str] = []
        failed: list[dict[str, str]] = []
        for pk in dict.fromkeys(ids):
            t = reg.template_by_pk(sim(), pk)
            if t is None or t.project_id != caller.project_id:
                failed.append({"id": pk, "error_msg": MANAGE_ERRORS["MSGSMS.0077"]})
                continue
            del reg.templates(sim())[t.id]
            done.append(pk)
        return ok(
            {
                "success_count": len(done),
                "success_ids": done,
                "failed_count": len(failed),
                "failed_template_list": failed,
            }
        )

    # unknown paths and methods under the prefix: the API gateway's answer --------------------------------
    async def no_such_api(request: web.Request) -> web.Response:
        resp = error_response(
            "APIGW.0101",
            "The API does not exist or has not been published in the environment",
            f"{request.method} {request.path}",
            404,
        )
        resp.headers["X-Request-Id"] = sim().uuid().hex
        return resp

    ep = endpoint
    table: Iterable[tuple[str, str, Any]] = (
        ("POST", "/apps", ep(create_app)),
        ("GET", "/apps", ep(list_apps)),
        ("GET", "/apps-count", ep(app_count)),
        ("GET", "/apps/{id}", ep(show_app)),
        ("PUT", "/apps/{id}", ep(update_app)),
        ("POST", "/signatures", ep(create_signature)),
        ("GET", "/signatures", ep(list_signatures)),
        ("GET", "/signatures/{id}", ep(show_signature)),
        ("PUT", "/signatures/{id}", ep(update_signature)),
        ("DELETE", "/signatures/{id}", ep(delete_signature)),
        ("PUT", "/signatures/{id}/active", ep(enable_signature)),
        ("POST", "/upload-files", ep(upload_file, upload=True)),
        ("GET", "/upload-files", ep(show_file)),
        ("POST", "/templates/batch-delete", ep(batch_delete)),
        ("POST", "/templates", ep(create_template)),
        ("GET", "/templates", ep(list_templates)),
        ("GET", "/templates/{id}", ep(show_template)),
        ("PUT", "/templates/{id}", ep(update_template)),
        ("DELETE", "/templates/{id}", ep(delete_template)),
        ("GET", "/templates/{id}/varilable", ep(template_variables)),  # the SDK's (and URI's) spelling
        ("GET", "/templates/{id}/variable", ep(template_variables)),  # the seed example's spelling
    )
    out = [web.route(method, PREFIX + path, fn) for method, path, fn in table]
    out.append(web.route("*", PREFIX + "/{tail:.*}", v.handler(no_such_api)))
    return out
