"""smsgw push (§6): one JSON array mixing reports (flag 1) and MO (flag 0), POSTed to the push URL.

The customer must answer the text `OK` (§6.3); anything else is a failed push, retried on the clock.
"""

from __future__ import annotations

from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ..base import dumps
from .wire import item

STREAM = "push"  # reports and MO share one dispatcher stream so they are batched into the same POST
HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
OK_BODY = b"OK"


def build(target: Push, items: list[Report | MoRecord]) -> OutboundRequest:
    body = dumps([item(it) for it in items]).encode("utf-8")
    return OutboundRequest(target.url, body, dict(HEADERS))
