"""A template request's body → a checked definition (region, name, content, type, signature, variables).

Check order: app_id, region, template_name, template_content, universal_template, flow_status, the app,
template_type and sign_id (cn), send_country, the variables (content numbering, then
variable_attributes), template_desc.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import registry as reg
from ..registry import App, Signature, Variable
from .apps import find_app
from .common import SIGNATURE_TYPES, MgmtError, as_int, new_variable, opt_str, region_of, req_str

if TYPE_CHECKING:
    from .. import HuaweiVendor

VARIABLE_TYPES = ("PHONE", "CHARDIGIT", "DATETIME", "MONEY", "TEXT", "URL")
FLOW_STATUSES = ("Adopted", "Reviewing", "Reject", "Disable", "Pending", "Adopted_inactive", "SignReviewing")


def parse_variables(v: HuaweiVendor, content: str, attrs: Any) -> list[Variable]:
    indexes = [int(i) for i in reg.VARIABLE_RE.findall(content)]
    distinct = sorted(set(indexes))
    if distinct != list(range(1, len(distinct) + 1)):
        raise MgmtError("MSGSMS.0024", "variables must be ${1}, ${2}, … without gaps")
    if attrs is None:
        return [new_variable(v, i, "CHARDIGIT", "") for i in distinct]
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
        out.append(new_variable(v, index, vtype, desc))
    if len(out) != len(distinct) or sorted(x.index for x in out) != distinct:
        raise MgmtError(
            "MSGSMS.0023", f"the content has {len(distinct)} variables, variable_attributes {len(out)}"
        )
    return out


def parse_template(v: HuaweiVendor, pid: str, body: dict[str, Any]) -> tuple[App, dict[str, Any]]:
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
    app = find_app(v, pid, app_id, "MSGSMS.0014")
    ttype = body.get("template_type")
    sign: Signature | None = None
    if region == "cn":
        if ttype not in SIGNATURE_TYPES:
            raise MgmtError("MSGSMS.0015", f"template_type must be one of {', '.join(SIGNATURE_TYPES)}")
        if not universal:
            sign_id = body.get("sign_id")
            sign = reg.signatures(v.sim).get(sign_id) if isinstance(sign_id, str) else None
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
        "variables": parse_variables(v, content, body.get("variable_attributes")),
        "extra": {
            "template_type": ttype or "NOTIFY_TYPE",
            "brackets": "GB" if brackets == "GB" else "CN",
            "template_desc": opt_str(body, "template_desc") or "",
            "send_country": list(countries or []) if region == "intl" else [],
        },
    }
