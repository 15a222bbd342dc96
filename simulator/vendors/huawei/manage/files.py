"""Signature application files (seed 001 §3.1.4): upload (multipart ``file``) and show by file_id."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from .. import registry as reg
from ..iam import Caller, domain_id
from ..registry import File
from .common import MgmtError, fmt, ok

if TYPE_CHECKING:
    from .. import HuaweiVendor

FILE_NAME_MAX = 128
FILE_ILLEGAL = set("#'$%&*/|<>{}[];?!^\\")
FILE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".pdf")
REF_KEYS = ("file_id", "power_attorney_fileid", "signature_related_file_id")  # signature fields naming a file


def find_file(v: HuaweiVendor, pid: str, file_id: str) -> File:
    f = reg.files(v.sim).get(file_id)
    if f is None or f.project_id != pid:
        raise MgmtError("MSGSMS.0011", f"file {file_id} does not exist")
    return f


def file_refs(v: HuaweiVendor, file_id: str) -> int:
    return sum(1 for sg in reg.signatures(v.sim).values() for k in REF_KEYS if sg.extra.get(k) == file_id)


def file_json(v: HuaweiVendor, f: File) -> dict[str, Any]:
    return {
        "file_id": f.file_id,
        "file_name": f.name,
        "file_ref": file_refs(v, f.file_id),
        "file_size": f.size,
        "file_type": 1,
        "module_type": 2,
        "operator": f.operator,
        "file_desc": f.desc,
        "update_time": fmt(f.updated_at),
    }


async def upload_file(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
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
    max_bytes = v.settings.max_upload_bytes
    if not data or len(data) > max_bytes:
        raise MgmtError("MSGSMS.0084", f"the file must be 1 to {max_bytes} bytes")
    s = v.sim
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
    return ok(file_json(v, f))


async def show_file(v: HuaweiVendor, request: web.Request, caller: Caller, raw: bytes) -> web.Response:
    file_id = request.query.get("file_id", "")
    if not file_id:
        raise MgmtError("MSGSMS.0002", "file_id is required")
    return ok(file_json(v, find_file(v, caller.project_id, file_id)))
