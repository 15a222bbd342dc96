"""emay pushes (§2.3): JSON arrays of reports or MO, encrypted (AES of gzip) or plain (form field).

Encrypted: the body is AES/ECB/PKCS5Padding(secretKey) of the gzipped UTF-8 JSON array.  Plain: a form
POST with the array in ``reports`` (status reports) or ``mos`` (MO).  Both carry the ``appId`` header.
The customer answers ``success``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ...core.accounts import Account
from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ..base import dumps
from . import crypto
from .wire import mo_item, report_item

FIELDS = {"report": "reports", "mo": "mos"}


def items_json(items: list[Report | MoRecord]) -> list[dict[str, Any]]:
    return [report_item(it) if isinstance(it, Report) else mo_item(it) for it in items]


def build(account: Account, target: Push, items: list[Report | MoRecord]) -> OutboundRequest:
    text = dumps(items_json(items))
    if account.options.push_format == "plain":
        body = urlencode({FIELDS.get(target.stream, target.stream): text}).encode("ascii")
        headers = {"appId": account.id, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        return OutboundRequest(target.url, body, headers)
    body = crypto.encrypt(crypto.compress(text.encode("utf-8")), account.secret)
    headers = {"appId": account.id, "Content-Type": "application/octet-stream"}
    return OutboundRequest(target.url, body, headers, plain=text)
