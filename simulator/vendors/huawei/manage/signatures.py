"""Signatures (seed 001 §3.1.4): create, update (only after a rejection), delete, show, list, activate.

A submitted signature is ``pending`` (or ``activating``) until the scenario's review answers;
:func:`signature_reviewed` applies the answer and releases the templates that were waiting on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import registry as reg
from ..iam import Caller
from ..registry import App, Signature
from . import templates
from .apps import find_app
from .common import (
    SIGNATURE_TYPES,
    MgmtError,
    app_of,
    apply_review,
    as_int,
    contains,
    fmt,
    new_channel,
    ok,
    opt_str,
    page,
    parse_json,
    query_choice,
    req_str,
    tenant,
)
from .files import REF_KEYS, find_file

if TYPE_CHECKING:
    from ....core.sim import Sim
    from .. import HuaweiVendor

SIGNATURE_SOURCES = (0, 2, 5)
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
EXTRA_FIELDS = (  # optional request fields kept in Signature.extra, in the request's spelling
    "apply_desc",
    "file_id",
    "power_attorney_fileid",
    "source_title_content",
    "qualification_id",
    "signature_related_file_id",
    "registration_number",
    "license_number",
)
SHOWN_FIELDS = (  # Signature.extra → the answer's field name, shown when set
    ("file_id", "file_id"),
    ("power_attorney_fileid", "power_attorney_file_id"),
    ("source_title_content", "source_title_content"),
    ("qualification_id", "qualification_id"),
    ("signature_related_file_id", "signature_related_file_id"),
    ("registration_number", "registration_number"),
    ("license_number", "license_number"),
)


# -- lookups and views -----------------------------------------------------------------------------------
def find_signature(v: HuaweiVendor, pid: str, sig_id: str) -> Signature:
    sig = reg.signatures(v.sim).get(sig_id)
    if sig is None or sig.project_id != pid:
        raise MgmtError("MSGSMS.0005", f"signature {sig_id} does not exist")
    return sig


def signature_json(v: HuaweiVendor, sig: Signature) -> dict[str, Any]:
    app = app_of(v, sig.app_key)
    t = tenant(v, sig.project_id)
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
    for src, dst in SHOWN_FIELDS:
        if e.get(src):
            out[dst] = e[src]
    return out


# -- parsing and checks ----------------------------------------------------------------------------------
def parse_signature(v: HuaweiVendor, pid: str, body: dict[str, Any]) -> tuple[App, dict[str, Any]]:
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
    for key in EXTRA_FIELDS:
        value = opt_str(body, key)
        if value:
            extra[key] = value
    if third == "Yes" and not extra.get("power_attorney_fileid"):
        raise MgmtError("MSGSMS.0017", "is_involved_third is Yes: power_attorney_fileid is required")
    for key in REF_KEYS:
        if extra.get(key):
            find_file(v, pid, extra[key])
    app = find_app(v, pid, app_id, "MSGSMS.0014")
    if app.region != "cn":
        raise MgmtError("MSGSMS.0104", "signatures are for apps of region cn")
    return app, {"name": name, "type": sig_type, "extra": extra}


def check_duplicate_signature(
    v: HuaweiVendor, app: App, name: str, sig_type: str, own: str | None = None
) -> None:
    for sg in reg.signatures(v.sim).values():
        if sg.id != own and sg.app_key == app.app_key and sg.name == name and sg.type == sig_type:
            raise MgmtError("MSGSMS.0006", f"the app already has a {sig_type} signature {name}")


# -- review ----------------------------------------------------------------------------------------------
def submit_signature(sim: Sim, sig: Signature, activating: bool = False) -> None:
    """Put the signature under review; :func:`signature_reviewed` applies the scenario's answer."""
    sig.review_seq += 1
    sig.status = "activating" if activating else "pending"
    sim.engine.review(
        "signature",
        "huawei",
        sig.name,
        sig.extra.get("apply_desc", ""),
        SIGNATURE_REVIEWED,
        sig.id,
        sig.review_seq,
    )


SIGNATURE_REVIEWED = "huawei.signature_reviewed"  # timer kind: (signature id, submission, result, reason)


def signature_reviewed(sim: Sim, signature_pk: str, seq: int, result: str, reason: str) -> None:
    """A review answer for submission ``seq`` of signature ``signature_pk`` (its ``id``).

    Nothing happens if the signature was deleted or submitted again meanwhile.  Templates waiting on
    it (SignReviewing) go to their own review if it passed, else are rejected.
    """
    sig = reg.signatures(sim).get(signature_pk)
    if sig is None or not apply_review(sim, "signature", sig.id, sig, seq, result, reason):
        return
    for t in templates.waiting_on(sim, signature_pk):
        if sig.status == "approved":
            templates.submit_template(sim, t)
        else:
            templates.reject_waiting(sim, t, "签名审核不通过")


# -- handlers --------------------------------------------------------------------------------------------
def short_answer(sig: Signature) -> web.Response:
    return ok({"id": sig.id, "signature_id": sig.signature_id, "signature_name": sig.name})


async def create_signature(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    app, f = parse_signature(v, caller.project_id, parse_json(raw))
    check_duplicate_signature(v, app, f["name"], f["type"])
    s = v.sim
    now = s.clock.now()
    sig = Signature(
        id=str(s.uuid()),
        signature_id=str(s.uuid()),
        name=f["name"],
        type=f["type"],
        app_key=app.app_key,
        channel=new_channel(v),
        created_at=now,
        extra=f["extra"],
        project_id=caller.project_id,
        updated_at=now,
    )
    reg.signatures(s)[sig.id] = sig
    submit_signature(s, sig)
    return short_answer(sig)


async def update_signature(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    sig = find_signature(v, caller.project_id, request.match_info["id"])
    body = parse_json(raw)
    if sig.status != "rejected":
        raise MgmtError("MSGSMS.0007", f"signature status is {SIGNATURE_STATUS.get(sig.status)}")
    app, f = parse_signature(v, caller.project_id, body)
    check_duplicate_signature(v, app, f["name"], f["type"], own=sig.id)
    sig.name, sig.type, sig.extra, sig.app_key = f["name"], f["type"], f["extra"], app.app_key
    sig.review_desc = ""
    sig.updated_at = v.sim.clock.now()
    submit_signature(v.sim, sig)
    return short_answer(sig)


async def delete_signature(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    sig = find_signature(v, caller.project_id, request.match_info["id"])
    s = v.sim
    del reg.signatures(s)[sig.id]
    for t in templates.waiting_on(s, sig.id):  # SignReviewing templates would otherwise wait forever
        templates.reject_waiting(s, t, "签名已删除")
    return ok(status=204)


async def show_signature(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    return ok(signature_json(v, find_signature(v, caller.project_id, request.match_info["id"])))


async def enable_signature(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    sig = find_signature(v, caller.project_id, request.match_info["id"])
    if sig.status != "disabled":
        raise MgmtError("MSGSMS.0130", "Signature status should be TO_BE_ACTIVATED.")
    sig.updated_at = v.sim.clock.now()
    submit_signature(v.sim, sig, activating=True)
    return ok()


async def list_signatures(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    q = request.query
    sig_type = query_choice(q, "signature_type", SIGNATURE_TYPES, "MSGSMS.0018")
    status = query_choice(
        q, "status", SIGNATURE_STATUSES, detail=f"status {q.get('status')} is not a signature status"
    )
    app_name = q.get("app_name") or None
    items = []
    for sg in reg.signatures(v.sim).values():
        if sg.project_id != caller.project_id:
            continue
        app = app_of(v, sg.app_key)
        if (
            contains(sg.name, q.get("signature_name"))
            and (not q.get("signature_id") or sg.signature_id == q["signature_id"])
            and (sig_type is None or sg.type == sig_type)
            and (status is None or SIGNATURE_STATUS.get(sg.status) == status)
            and (app_name is None or (app is not None and app_name in app.name))
        ):
            items.append(sg)
    rows, total = page(items, q, lambda sg: sg.created_at)
    return ok({"results": [signature_json(v, sg) for sg in rows], "total": total})
