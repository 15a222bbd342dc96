"""huawei pushes: status reports (§3.2.5 per message, §3.2.6 batched) and MO (§3.2.7).

- ``report`` stream → the request's ``statusCallback``: one form-urlencoded POST per report.
- ``batch_report`` stream → the app's batch-report URL: ``{"statusReportList": [...]}``, ≤ 50 per POST.
- ``mo`` stream → the app's up_link_addr: one form-urlencoded POST per reply.

With push AK/SK configured for the app (seed §4.3) every push also carries ``X-Sdk-Date`` and
``Authorization: SDK-HMAC-SHA256 Access=<push_ak>, SignedHeaders=content-type;host;x-sdk-date, …``
computed with the API-gateway algorithm over the request actually sent (its path, without the query
string, as the seed's Java verifier sees it).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus, urlencode, urlsplit, urlunsplit

from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ..base import dumps
from . import apig
from .wire import mo_item, report_item

STREAM_REPORT = "report"
STREAM_BATCH = "batch_report"
STREAM_MO = "mo"
BATCH_MAX = 50
FORM = "application/x-www-form-urlencoded"
JSON = "application/json;charset=UTF-8"


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote_plus(text)


def form(fields: dict[str, str]) -> bytes:
    """``urlencode(fields)``, byte for byte, remembering each key's and value's quoting: the keys and
    most values (status, description, source, update time) repeat from one push to the next, and
    urllib's quoting was a fifth of the CPU a statusCallback push costs."""
    try:
        return "&".join([_quoted(k) + "=" + _quoted(v) for k, v in fields.items()]).encode("ascii")
    except TypeError:  # not str or bytes (urlencode takes str() of it), or unhashable
        return urlencode(fields).encode("ascii")


def build(
    target: Push,
    items: list[Report | MoRecord],
    mo_create_time: bool,
    signer: tuple[str, str] | None,
    now: float,
) -> OutboundRequest:
    if target.stream == STREAM_BATCH:
        body = dumps({"statusReportList": [report_item(r) for r in items if isinstance(r, Report)]})
        headers = {"Content-Type": JSON}
        data = body.encode("utf-8")
    else:
        item = items[0]  # the form streams carry one item per POST (batch_max 1)
        fields = report_item(item) if isinstance(item, Report) else mo_item(item, mo_create_time)
        headers = {"Content-Type": FORM}
        data = form(fields)
    if signer is not None:
        # signed over the path only: the seed's verifier (§4.3) rebuilds the request from
        # getRequestURI(), which has no query string, so a callback URL's query is not signed
        parts = urlsplit(target.url)
        signed_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        headers = apig.sign_headers(signer[0], signer[1], "POST", signed_url, headers, data, now)
    return OutboundRequest(target.url, data, headers)
