"""Huawei MSGSMS management API (seed 001 §3.1.3–3.1.5): apps, signatures, templates, files.

Everything lives under ``/v2/{project_id}/msgsms/``.  Auth is ``X-Auth-Token`` (a project-scoped token
from the simulated IAM whose project is the path's) or SDK-HMAC-SHA256 AK/SK signing as
``huaweicloudsdkmsgsms`` (``BasicCredentials(ak, sk, project_id)``) sends it.  Errors are
``{"error_code": "MSGSMS.0xxx", "error_msg": …, "error_detail": …}`` with HTTP 400 for request problems,
401 for authentication, 403 for permission and 500 for MSGSMS.0001.  Unknown paths under the prefix get
the API gateway's ``APIGW.0101`` with 404.

One module per resource (``apps``, ``signatures``, ``templates`` with ``template_input``, ``files``),
``auth`` for the caller and ``common`` for what they share.  A handler is a plain function
``(vendor, request, caller, raw_body) → Response``; :func:`endpoint` reads the body, authenticates and
renders errors around it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ....core.errors import SimError
from ...base import diagnose, refused
from ..codes import MANAGE_ERRORS
from ..iam import Caller
from . import apps, files, signatures, templates
from .auth import authenticate
from .common import MgmtError, error_response

if TYPE_CHECKING:
    from .. import HuaweiVendor

log = logging.getLogger("simulator.huawei.manage")
PREFIX = "/v2/{project_id}/msgsms"

Handler = Callable[["HuaweiVendor", web.Request, Caller, bytes], Awaitable[web.StreamResponse]]

TABLE: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/apps", apps.create_app),
    ("GET", "/apps", apps.list_apps),
    ("GET", "/apps-count", apps.app_count),
    ("GET", "/apps/{id}", apps.show_app),
    ("PUT", "/apps/{id}", apps.update_app),
    ("POST", "/signatures", signatures.create_signature),
    ("GET", "/signatures", signatures.list_signatures),
    ("GET", "/signatures/{id}", signatures.show_signature),
    ("PUT", "/signatures/{id}", signatures.update_signature),
    ("DELETE", "/signatures/{id}", signatures.delete_signature),
    ("PUT", "/signatures/{id}/active", signatures.enable_signature),
    ("POST", "/upload-files", files.upload_file),
    ("GET", "/upload-files", files.show_file),
    ("POST", "/templates/batch-delete", templates.batch_delete),
    ("POST", "/templates", templates.create_template),
    ("GET", "/templates", templates.list_templates),
    ("GET", "/templates/{id}", templates.show_template),
    ("PUT", "/templates/{id}", templates.update_template),
    ("DELETE", "/templates/{id}", templates.delete_template),
    ("GET", "/templates/{id}/varilable", templates.template_variables),  # the SDK's (and URI's) spelling
    ("GET", "/templates/{id}/variable", templates.template_variables),  # the seed example's spelling
)
UPLOADS = {files.upload_file}  # a body too large for these is MSGSMS.0084, not 0002


def endpoint(v: HuaweiVendor, fn: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """``fn`` as an aiohttp handler: read the body, authenticate, run, answer errors in the §4.2.2 shape."""

    async def run(request: web.Request) -> web.StreamResponse:
        try:
            try:
                body = await request.read()  # cached: the middleware may have read it
            except web.HTTPRequestEntityTooLarge as err:
                code = "MSGSMS.0084" if fn in UPLOADS else "MSGSMS.0002"
                raise MgmtError(code, "the request body is too large") from err
            caller = authenticate(v, request, body)
            resp = await fn(v, request, caller, body)
        except MgmtError as err:
            refused(request, err)
            resp = error_response(err.code, err.message, err.detail_text, err.status)
        except SimError as err:
            refused(request, err)
            resp = error_response("MSGSMS.0001", MANAGE_ERRORS["MSGSMS.0001"], err.message, 500)
        except web.HTTPException:
            raise
        except Exception as exc:
            log.exception("huawei management %s %s", request.method, request.path)
            resp = error_response("MSGSMS.0001", MANAGE_ERRORS["MSGSMS.0001"], type(exc).__name__, 500)
        resp.headers["X-Request-Id"] = v.sim.uuid().hex
        return resp

    run.__name__ = getattr(fn, "__name__", "endpoint")
    return v.handler(run)


async def no_such_api(v: HuaweiVendor, request: web.Request) -> web.Response:
    """Unknown paths and methods under the prefix: the API gateway's answer."""
    diagnose(request, f"the management API has no {request.method} {request.path}")
    resp = error_response(
        "APIGW.0101",
        "The API does not exist or has not been published in the environment",
        f"{request.method} {request.path}",
        404,
    )
    resp.headers["X-Request-Id"] = v.sim.uuid().hex
    return resp


def routes(v: HuaweiVendor) -> list[web.RouteDef]:
    out = [web.route(method, PREFIX + path, endpoint(v, fn)) for method, path, fn in TABLE]
    out.append(web.route("*", PREFIX + "/{tail:.*}", v.handler(functools.partial(no_such_api, v))))
    return out
