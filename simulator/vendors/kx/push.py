"""kx push requests (§5, §6): JSON arrays POSTed as application/json; charset=UTF-8."""

from __future__ import annotations

from typing import Any

from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ..base import dumps
from .wire import mo_item, report_item

HEADERS = {"Content-Type": "application/json; charset=UTF-8"}


def srcid_for(base: str, mo: MoRecord) -> str:
    return base + (mo.extension or "")


def items_json(items: list[Report | MoRecord], srcid_base: str) -> list[dict[str, Any]]:
    return [
        report_item(it) if isinstance(it, Report) else mo_item(it, srcid_for(srcid_base, it)) for it in items
    ]


def build(target: Push, items: list[Report | MoRecord], srcid_base: str) -> OutboundRequest:
    body = dumps(items_json(items, srcid_base)).encode("utf-8")
    return OutboundRequest(target.url, body, dict(HEADERS))
