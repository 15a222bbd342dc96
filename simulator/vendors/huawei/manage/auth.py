"""Who a management request is from: a project-scoped IAM token, or an SDK-HMAC-SHA256 AK/SK signature.

Check order: ``X-Auth-Token`` when present (unknown or expired → MSGSMS.0049, domain-scoped → 0049,
another project's → 0056); else an ``SDK-HMAC…`` Authorization (bad signature → MSGSMS.0003, a key or
``X-Project-Id`` for another project → 0056); else MSGSMS.0003.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ..iam import AkskError, Caller, find_token, token_refusal, verify_aksk
from .common import MgmtError

if TYPE_CHECKING:
    from .. import HuaweiVendor


def authenticate(v: HuaweiVendor, request: web.Request, body: bytes) -> Caller:
    pid = request.match_info["project_id"]
    token_value = request.headers.get("X-Auth-Token")
    if token_value:
        token = find_token(v, token_value)
        if token is None:
            raise MgmtError("MSGSMS.0049", "the token is invalid or has expired", 401).because(
                token_refusal(v, token_value)
            )
        if token.project_id is None:
            raise MgmtError("MSGSMS.0049", "a project-scoped token is required (auth.scope.project)", 401)
        if token.project_id != pid:
            raise MgmtError("MSGSMS.0056", f"the token is for project {token.project_id}, not {pid}", 403)
        return Caller(pid, token.domain, token.user, "token")
    if request.headers.get("Authorization", "").strip().upper().startswith("SDK-HMAC"):
        try:
            key = verify_aksk(v, request, body)
        except AkskError as err:
            raise MgmtError("MSGSMS.0003", str(err), 401).because(err.diagnosis) from None
        header_project = request.headers.get("X-Project-Id")
        if key.project_id != pid or (header_project and header_project != pid):
            raise MgmtError("MSGSMS.0056", f"the access key may not manage project {pid}", 403)
        return Caller(pid, key.domain, key.ak, "aksk")
    raise MgmtError("MSGSMS.0003", "X-Auth-Token or an SDK-HMAC-SHA256 Authorization is required", 401)
