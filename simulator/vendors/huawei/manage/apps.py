"""Apps (seed 001 §3.1.3): create, update, list, show, count.

An app is a huawei account: creating one adds a real :class:`~simulator.core.accounts.Account`, so its
app_key/app_secret work on the send API at once.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ....core.accounts import Account
from .. import registry as reg
from ..iam import Caller
from ..registry import App, Signature, Template
from .common import (
    MgmtError,
    contains,
    fmt,
    new_channel,
    new_variable,
    ok,
    opt_bool,
    opt_str,
    page,
    parse_json,
    query_choice,
    region_of,
    req_str,
    tenant,
)

if TYPE_CHECKING:
    from .. import HuaweiVendor

APP_STATUSES = ("CREATED", "SUSPENDED", "LAUNCHED")
MAX_URL_BYTES = 3000
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
TEST_SIGNATURE = "华为云测试"
TEST_TEMPLATE = "您的验证码为${1}，5分钟内有效。"


# -- lookups and views -----------------------------------------------------------------------------------
def project_apps(v: HuaweiVendor, pid: str) -> list[App]:
    reg.sync_apps(v.sim)
    return [a for a in reg.apps(v.sim).values() if a.project_id == pid]


def find_app(v: HuaweiVendor, pid: str, app_id: str, code: str) -> App:
    app = reg.apps(v.sim).get(app_id)
    if app is None or app.project_id != pid:
        reg.sync_apps(v.sim)
        app = reg.apps(v.sim).get(app_id)
    if app is None or app.project_id != pid:
        raise MgmtError(code, f"app {app_id} does not exist in project {pid}")
    return app


def app_status(v: HuaweiVendor, app: App) -> str:
    account = v.sim.accounts.get("huawei", app.app_key)
    return "LAUNCHED" if account is not None and account.enabled else "SUSPENDED"


def intl_channel(app: App) -> str:
    """The app's international channel number (ShowApp's intl_channel_num; every app has one)."""
    return f"{int(hashlib.md5(app.id.encode()).hexdigest()[:12], 16) % 10**12:012d}"


def app_json(v: HuaweiVendor, app: App, request: web.Request) -> dict[str, Any]:
    account = v.sim.accounts.get("huawei", app.app_key)
    t = tenant(v, app.project_id)
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
        "status": app_status(v, app),
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


# -- parsing and records ---------------------------------------------------------------------------------
def new_key(v: HuaweiVendor, n: int = 28) -> str:
    rng = v.sim.rng
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


def create_test_records(v: HuaweiVendor, app: App) -> None:
    """create_sign_and_template: an approved test signature and a verification-code test template."""
    s = v.sim
    now = s.clock.now()
    sig = Signature(
        id=str(s.uuid()),
        signature_id=str(s.uuid()),
        name=TEST_SIGNATURE,
        type="VERIFY_CODE_TYPE",
        app_key=app.app_key,
        channel=new_channel(v),
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
    tpl.set_variables([new_variable(v, 1, "CHARDIGIT", "")])
    reg.templates(s)[tpl.id] = tpl


# -- handlers --------------------------------------------------------------------------------------------
async def create_app(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    f = parse_app(parse_json(raw))
    pid = caller.project_id
    quota = v.settings.app_quota
    apps_here = project_apps(v, pid)
    if any(a.name == f["name"] for a in apps_here):
        raise MgmtError("MSGSMS.0051", f"app_name {f['name']} is already used")
    if sum(1 for a in apps_here if a.region == f["region"]) >= quota:
        raise MgmtError("MSGSMS.0053", f"at most {quota} apps per region")
    s = v.sim
    now = s.clock.now()
    app_key, app_secret = new_key(v), new_key(v)
    while s.accounts.get("huawei", app_key) is not None:
        app_key = new_key(v)
    up = f["up_link_addr"] or ""
    s.accounts.add(
        Account(
            vendor="huawei",
            id=app_key,
            secret=app_secret,
            balance=v.settings.new_app_balance,
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
        create_test_records(v, app)
    s.bus.publish("account", vendor="huawei", id=app_key, action="created")
    out = {"id": app.id, "app_key": app_key, "app_name": app.name}
    if f["show_secret"]:
        out["app_secret"] = app_secret
    return ok(out)


async def update_app(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    app = find_app(v, caller.project_id, request.match_info["id"], "MSGSMS.0076")
    f = parse_app(parse_json(raw))
    if any(a.name == f["name"] and a.id != app.id for a in project_apps(v, caller.project_id)):
        raise MgmtError("MSGSMS.0051", f"app_name {f['name']} is already used")
    s = v.sim
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
        s.accounts.changed(account)
    if f["create_test"] and not any(
        sg.app_key == app.app_key and sg.name == TEST_SIGNATURE for sg in reg.signatures(s).values()
    ):
        create_test_records(v, app)
    return ok({"id": app.id, "app_key": app.app_key, "app_name": app.name})


async def list_apps(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    q = request.query
    region = region_of(q.get("region") or None, required=False)
    status = query_choice(q, "status", APP_STATUSES)
    items = [
        a
        for a in project_apps(v, caller.project_id)
        if contains(a.name, q.get("app_name"))
        and (region is None or a.region == region)
        and (status is None or app_status(v, a) == status)
    ]
    rows, total = page(items, q, lambda a: a.created_at)
    return ok({"results": [app_json(v, a, request) for a in rows], "total": total})


async def show_app(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    app = find_app(v, caller.project_id, request.match_info["id"], "MSGSMS.0076")
    return ok(app_json(v, app, request))


async def app_count(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    region = region_of(request.query.get("region"))
    used = sum(1 for a in project_apps(v, caller.project_id) if a.region == region)
    return ok({"total": v.settings.app_quota, "used": used})
