"""Templates (seed 001 §3.1.5): create, update (withdraw, disable, rename, resubmit), delete, show,
variables, list, batch delete.

A submitted template is ``pending`` until the scenario's review answers (:func:`template_reviewed`);
one bound to a signature still under review waits for it (SignReviewing) and is submitted, or rejected,
when that review answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import registry as reg
from ..codes import MANAGE_ERRORS
from ..iam import Caller
from ..registry import App, Template
from .common import (
    SIGNATURE_TYPES,
    MgmtError,
    app_of,
    apply_review,
    contains,
    fmt,
    ok,
    page,
    parse_json,
    query_choice,
    region_of,
    tenant,
)
from .template_input import FLOW_STATUSES, parse_template

if TYPE_CHECKING:
    from ....core.sim import Sim
    from .. import HuaweiVendor

TEMPLATE_FLOW = {
    "pending": "Reviewing",
    "approved": "Adopted",
    "rejected": "Reject",
    "disabled": "Disable",
    "draft": "Pending",
}


# -- records and review ----------------------------------------------------------------------------------
def apply_template(sim: Sim, t: Template, app: App, f: dict[str, Any]) -> None:
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
    t.updated_at = sim.clock.now()


def submit_template(sim: Sim, t: Template) -> None:
    """Put the template under review, or make it wait (SignReviewing) while its signature is reviewed."""
    t.review_seq += 1
    t.status = "pending"
    sig = reg.signatures(sim).get(t.sign_id) if t.sign_id else None
    t.waiting_signature = sig is not None and sig.status in ("pending", "activating")
    if t.waiting_signature:
        return  # reviewed once its signature is approved (SignReviewing)
    sim.engine.review(
        "template",
        "huawei",
        t.name,
        t.content,
        TEMPLATE_REVIEWED,
        t.id,
        t.review_seq,
    )


TEMPLATE_REVIEWED = "huawei.template_reviewed"  # timer kind: (template id, submission, result, reason)


def template_reviewed(sim: Sim, template_id: str, seq: int, result: str, reason: str) -> None:
    """A review answer for submission ``seq`` of template ``template_id`` (its key in the collection).

    Nothing happens if the template was deleted, withdrawn, disabled or submitted again meanwhile.
    """
    t = reg.templates(sim).get(template_id)
    if t is not None:
        apply_review(sim, "template", t.pk, t, seq, result, reason)


def waiting_on(sim: Sim, signature_pk: str) -> list[Template]:
    """The templates submitted while signature ``signature_pk`` was under review (SignReviewing)."""
    return [
        t
        for t in reg.templates(sim).values()
        if t.sign_id == signature_pk and t.status == "pending" and t.waiting_signature
    ]


def reject_waiting(sim: Sim, t: Template, desc: str) -> None:
    """A SignReviewing template whose signature failed review or was deleted: Reject, with ``desc``."""
    t.waiting_signature = False
    t.review_seq += 1
    t.status = "rejected"
    t.review_desc = desc
    t.updated_at = sim.clock.now()


# -- lookups and views -----------------------------------------------------------------------------------
def find_template(v: HuaweiVendor, pid: str, pk: str) -> Template:
    t = reg.template_by_pk(v.sim, pk)
    if t is None or t.project_id != pid:
        raise MgmtError("MSGSMS.0009", f"template {pk} does not exist")
    return t


def flow_status(t: Template) -> str:
    if t.status == "pending" and t.waiting_signature:
        return "SignReviewing"
    return TEMPLATE_FLOW.get(t.status, "Reviewing")


def template_json(v: HuaweiVendor, t: Template) -> dict[str, Any]:
    app = app_of(v, t.app_key or "")
    tt = tenant(v, t.project_id)
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


# -- handlers --------------------------------------------------------------------------------------------
async def create_template(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    app, f = parse_template(v, caller.project_id, parse_json(raw))
    s = v.sim
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
    apply_template(s, t, app, f)
    reg.templates(s)[t.id] = t
    if f["flow"] == "Pending":
        t.status = "draft"
    else:
        submit_template(s, t)
    return ok({"id": t.pk, "template_name": t.name})


async def update_template(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    t = find_template(v, caller.project_id, request.match_info["id"])
    app, f = parse_template(v, caller.project_id, parse_json(raw))
    s = v.sim
    if f["flow"] == "Pending":  # withdraw the application (撤回)
        if t.status != "pending":
            raise MgmtError("MSGSMS.0186", f"the template's flow_status is {flow_status(t)}")
        apply_template(s, t, app, f)
        t.review_seq += 1
        t.waiting_signature = False
        t.status = "draft"
    elif f["flow"] == "Disable":  # stop (停用) an Adopted template; it may then be edited
        if t.status not in ("approved", "disabled"):
            raise MgmtError("MSGSMS.0188", f"only an Adopted template can be disabled, not {flow_status(t)}")
        if not same_definition(t, app, f):
            raise MgmtError("MSGSMS.0187", "disabling an Adopted template may only rename it")
        reg.disable_template(s, t.pk)
        t.name = f["name"]
    elif t.status == "approved":
        if not same_definition(t, app, f):
            raise MgmtError("MSGSMS.0187", "an Adopted template may only be renamed (or disabled first)")
        t.name = f["name"]
        t.updated_at = s.clock.now()
    elif t.status in ("rejected", "draft", "disabled"):
        apply_template(s, t, app, f)
        submit_template(s, t)
    else:
        raise MgmtError("MSGSMS.0134", f"the template's flow_status is {flow_status(t)}")
    return ok({"id": t.pk, "template_name": t.name})


async def delete_template(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    t = find_template(v, caller.project_id, request.match_info["id"])
    del reg.templates(v.sim)[t.id]
    return ok(status=204)


async def show_template(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    return ok(template_json(v, find_template(v, caller.project_id, request.match_info["id"])))


async def template_variables(
    v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes
) -> web.Response:
    t = find_template(v, caller.project_id, request.match_info["id"])
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


async def list_templates(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    q = request.query
    flow = query_choice(q, "flow_status", FLOW_STATUSES)
    has_var = query_choice(q, "has_variable", ("Yes", "No"), detail="has_variable must be Yes or No")
    ttype = query_choice(q, "template_type", SIGNATURE_TYPES, "MSGSMS.0015")
    region = region_of(q.get("region") or None, required=False)
    s = v.sim
    items = []
    for t in reg.templates(s).values():
        if t.project_id != caller.project_id:
            continue
        app = app_of(v, t.app_key or "")
        sig = reg.signatures(s).get(t.sign_id) if t.sign_id else None
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
    return ok({"results": [template_json(v, t) for t in rows], "total": total})


async def batch_delete(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    body = parse_json(raw)
    ids = body.get("ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 50:
        raise MgmtError("MSGSMS.0002", "ids must be an array of 1 to 50 template ids")
    if not all(isinstance(i, str) and 1 <= len(i) <= 64 for i in ids):
        raise MgmtError("MSGSMS.0002", "each id must be a string of 1 to 64 characters")
    s = v.sim
    done: list[str] = []
    failed: list[dict[str, str]] = []
    for pk in dict.fromkeys(ids):
        t = reg.template_by_pk(s, pk)
        if t is None or t.project_id != caller.project_id:
            failed.append({"id": pk, "error_msg": MANAGE_ERRORS["MSGSMS.0077"]})
            continue
        del reg.templates(s)[t.id]
        done.append(pk)
    return ok(
        {
            "success_count": len(done),
            "success_ids": done,
            "failed_count": len(failed),
            "failed_template_list": failed,
        }
    )
