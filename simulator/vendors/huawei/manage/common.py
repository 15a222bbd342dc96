"""What the management API's resources share: the error, request parsers, paging, and small views.

Every function takes what it needs explicitly (the vendor ``v`` for its sim and settings); nothing here
holds state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ....core.errors import SimError
from ...base import json_answer, parse_time
from .. import registry as reg
from ..codes import MANAGE_ERRORS
from ..iam import domain_id, project_domain
from ..registry import App, Signature, Template, Variable

if TYPE_CHECKING:
    from ....core.sim import Sim
    from .. import HuaweiVendor

TIME_FMT = "%Y-%m-%d %H:%M:%S"
SIGNATURE_TYPES = ("VERIFY_CODE_TYPE", "PROMOTION_TYPE", "NOTIFY_TYPE")


class MgmtError(SimError):
    """A §4.2.2 error: HTTP status, MSGSMS code, and a detail saying what exactly was wrong."""

    def __init__(self, code: str, detail: str = "", status: int = 400) -> None:
        super().__init__(f"huawei_{code}", MANAGE_ERRORS[code])
        self.code = code
        self.status = status
        self.detail_text = detail or MANAGE_ERRORS[code]


def error_response(code: str, msg: str, detail: str, status: int) -> web.Response:
    return json_answer({"error_code": code, "error_msg": msg, "error_detail": detail}, status=status)


def ok(obj: Any = None, status: int = 200) -> web.Response:
    if obj is None:
        return web.Response(status=status)
    return json_answer(obj, status=status)


# -- small parsers ---------------------------------------------------------------------------------------
def fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(TIME_FMT)


def parse_filter_time(text: str, name: str) -> tuple[float, float]:
    """(instant, granularity): a filter time names a whole second, or a whole day for yyyy-MM-dd."""
    for f, step in ((TIME_FMT, 1), ("%Y-%m-%dT%H:%M:%SZ", 1), ("%Y-%m-%dT%H:%M:%S", 1), ("%Y-%m-%d", 86400)):
        at = parse_time(text.strip(), f, UTC)
        if at is not None:
            return at, step
    raise MgmtError("MSGSMS.0039", f"{name} must look like yyyy-MM-dd HH:mm:ss (UTC)")


def parse_json(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise MgmtError("MSGSMS.0002", "the request body is empty")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MgmtError("MSGSMS.0002", "the request body is not valid JSON") from None
    except RecursionError:
        raise MgmtError("MSGSMS.0002", "the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise MgmtError("MSGSMS.0002", "the request body must be a JSON object")
    try:  # a lone surrogate (only a \uD800-style escape can carry one) is not text: it cannot be answered
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MgmtError("MSGSMS.0002", "the request body has a string that is not valid Unicode") from None
    except (RecursionError, ValueError):
        raise MgmtError("MSGSMS.0002", "the request body is nested too deeply") from None
    return body


def req_str(body: dict[str, Any], key: str, code: str = "MSGSMS.0002", max_len: int = 256) -> str:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MgmtError(code, f"{key} is required")
    if not isinstance(value, str):
        raise MgmtError(code, f"{key} must be a string")
    if len(value) > max_len:
        raise MgmtError(code, f"{key} is longer than {max_len} characters")
    return value


def opt_str(body: dict[str, Any], key: str, max_len: int = 512) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MgmtError("MSGSMS.0002", f"{key} must be a string")
    if len(value) > max_len:
        raise MgmtError("MSGSMS.0002", f"{key} is longer than {max_len} characters")
    return value


def opt_bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
        return value.lower() in ("true", "1")
    raise MgmtError("MSGSMS.0002", f"{key} must be a boolean")


def as_int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise MgmtError("MSGSMS.0002", f"{key} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
        return int(value)
    raise MgmtError("MSGSMS.0002", f"{key} must be an integer")


def region_of(value: Any, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if value not in ("cn", "intl"):
        raise MgmtError("MSGSMS.0002", "region must be cn or intl")
    return value


def paging(q: Any) -> tuple[int, int, bool]:
    """(limit, offset, descending) from the query."""
    try:
        limit = int(q.get("limit", "10"))
        offset = int(q.get("offset", "0"))
    except ValueError:
        raise MgmtError("MSGSMS.0002", "limit and offset must be integers") from None
    if not 1 <= limit <= 100 or offset < 0:
        raise MgmtError("MSGSMS.0002", "limit must be 1-100 and offset at least 0")
    sort_key = q.get("sort_key", "create_time")
    if sort_key != "create_time":
        raise MgmtError("MSGSMS.0002", "sort_key only supports create_time")
    sort_dir = q.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise MgmtError("MSGSMS.0002", "sort_dir must be asc or desc")
    return limit, offset, sort_dir == "desc"


def query_choice(
    q: Any, key: str, allowed: tuple[str, ...], code: str = "MSGSMS.0002", detail: str = ""
) -> str | None:
    """An optional query filter that must be one of ``allowed`` (absent or empty: None)."""
    value = q.get(key) or None
    if value is not None and value not in allowed:
        raise MgmtError(code, detail or f"{key} must be one of {', '.join(allowed)}")
    return value


def time_window(q: Any) -> tuple[float | None, float | None]:
    """[start, end) on the created time; end_time includes the whole second (or day) it names."""
    start = parse_filter_time(q["start_time"], "start_time")[0] if q.get("start_time") else None
    end = None
    if q.get("end_time"):
        at, step = parse_filter_time(q["end_time"], "end_time")
        end = at + step
    if start is not None and end is not None and start >= end:
        raise MgmtError("MSGSMS.0002", "start_time is after end_time")
    return start, end


def page(items: list[Any], q: Any, created: Callable[[Any], float]) -> tuple[list[Any], int]:
    limit, offset, desc = paging(q)
    start, end = time_window(q)
    items = [
        it for it in items if (start is None or created(it) >= start) and (end is None or created(it) < end)
    ]
    ordered = sorted(enumerate(items), key=lambda p: (created(p[1]), p[0]), reverse=desc)
    return [it for _, it in ordered][offset : offset + limit], len(items)


def contains(value: str, wanted: str | None) -> bool:
    return wanted is None or wanted == "" or wanted in value


# -- views and records the resources share ---------------------------------------------------------------
def tenant(v: HuaweiVendor, project_id: str) -> dict[str, str]:
    domain = project_domain(v.settings, project_id)
    return {"customer_id": domain_id(domain), "customer_name": domain, "enterprise_name": ""}


def app_of(v: HuaweiVendor, app_key: str) -> App | None:
    return reg.app_by_key(v.sim, app_key)


def new_channel(v: HuaweiVendor) -> str:
    """A signature's channel number (the send API's ``from``)."""
    return f"csms{88000000 + v.sim.store.next_number('huawei.channel', spread=10**6):08d}"


def new_variable(v: HuaweiVendor, index: int, vtype: str, desc: str) -> Variable:
    length = v.settings.variable_max_lengths.get(vtype, reg.DEFAULT_VARIABLE_LENGTHS.get(vtype, 20))
    return Variable(index, vtype, length, desc, 15000000 + v.sim.store.next_number("huawei.variable"))


def apply_review(
    sim: Sim, kind: str, pk: str, record: Signature | Template, seq: int, result: str, reason: str
) -> bool:
    """A review answer for submission ``seq``: approved or rejected, announced on the bus as ``pk``.

    False (and nothing changes) when the record was submitted again, withdrawn or disabled meanwhile.
    """
    if record.review_seq != seq:
        return False
    record.status = "approved" if result == "approved" else "rejected"
    record.review_desc = reason or ("审核通过" if result == "approved" else "审核不通过")
    record.updated_at = sim.clock.now()
    sim.bus.publish("review", vendor="huawei", record=kind, id=pk, result=record.status)
    return True
