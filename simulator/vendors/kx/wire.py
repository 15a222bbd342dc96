"""kx wire formats: parsing requests and building responses and report/MO items.  No I/O here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ...core.models import Message, MoRecord, Report
from ..base import bad_field, fmt_time, parse_time
from .codes import API_CODES, KxError, report_message

MAX_MOBILES = 1000  # §4.2: one request, at most 1000 numbers (→ 15)
MAX_P2P_ITEMS = 1000  # §10.1
MAX_CONTENT = 1000  # §4.2: long messages up to 1000 characters (→ 11)
MAX_SCHEDULE_AHEAD = 15 * 86400  # §12.1 code 16: timer sends within 15 days
MAX_MESSAGEID = 32
PAGE = 200  # §8/§9: at most 200 per query
EXTNUM_RE = re.compile(r"\d{0,6}")
MOBILE_RE = re.compile(r"1\d{10}")


def valid_mobile(mobile: str) -> bool:
    return MOBILE_RE.fullmatch(mobile) is not None


@dataclass
class Common:
    """Optional send parameters shared by /api/sms/send and /api/sms/p2psend."""

    extnum: str = ""
    scheduled_at: float | None = None
    messageid: str = ""


def parse_common(params: dict[str, Any], now: float) -> Common:
    extnum = str(params.get("extnum") or "").strip()
    if not EXTNUM_RE.fullmatch(extnum):
        raise KxError("9").because(bad_field("extnum", extnum, "up to 6 digits"))
    time_text = str(params.get("time") or "").strip()
    scheduled_at = None
    if time_text:
        scheduled_at = parse_time(time_text, "%Y%m%d%H%M%S") if re.fullmatch(r"\d{14}", time_text) else None
        if scheduled_at is None:
            raise KxError("8").because(bad_field("time", time_text, "a Beijing time as yyyyMMddHHmmss"))
        if scheduled_at - now > MAX_SCHEDULE_AHEAD:
            raise KxError("16").because(
                bad_field("time", time_text, f"at most {MAX_SCHEDULE_AHEAD // 86400} days ahead")
            )
        if scheduled_at <= now:
            scheduled_at = None  # a time in the past means "now"
    messageid = str(params.get("messageid") or "").strip()
    if len(messageid) > MAX_MESSAGEID or "\\" in messageid:
        raise KxError("2", "参数校验失败,messageid最长32位且不支持特殊字符\\").because(
            bad_field("messageid", messageid, f"at most {MAX_MESSAGEID} characters, no backslash")
        )
    return Common(extnum, scheduled_at, messageid)


@dataclass
class SendRequest:
    mobiles: list[str]
    content: str
    common: Common


def parse_send(params: dict[str, str], now: float) -> SendRequest:
    mobiles = [m.strip() for m in params.get("mobile", "").split(",") if m.strip()]
    content = params.get("msgcontent", "")
    if not mobiles or not content:
        absent = " and ".join(n for n, x in (("mobile", mobiles), ("msgcontent", content)) if not x)
        raise KxError("2").because(f"required parameter(s) missing or empty: {absent}")
    if len(mobiles) > MAX_MOBILES:
        raise KxError("15").because(f"mobile lists {len(mobiles)} numbers; at most {MAX_MOBILES}")
    if len(content) > MAX_CONTENT:
        raise KxError("11").because(f"msgcontent is {len(content)} characters; at most {MAX_CONTENT}")
    return SendRequest(mobiles, content, parse_common(params, now))


@dataclass
class P2PRequest:
    auth: dict[str, str]
    items: list[tuple[str, str]]  # (mobile, msgcontent)
    common: Common


def _strip_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """The document's own example has keys and values with stray spaces ("mobile ": "186… ")."""
    return {str(k).strip(): (v.strip() if isinstance(v, str) else v) for k, v in obj.items()}


def parse_p2p_body(raw: bytes) -> tuple[dict[str, str], list[dict[str, Any]] | None]:
    """Credentials and the raw list of a p2psend body; (creds, None) when the list is unusable."""
    try:
        body = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KxError("2").because("the body is not UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise KxError("2").because("the body is JSON but not an object")
    body = _strip_keys(body)
    creds = {k: "" if body.get(k) is None else str(body.get(k)).strip() for k in ("userid", "ts", "sign")}
    items = body.get("list")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return creds | {"_body": body}, None
    return creds | {"_body": body}, [_strip_keys(i) for i in items]


def p2p_items(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(i.get("mobile") or "").strip(), str(i.get("msgcontent") or "")) for i in items]


# -- responses -----------------------------------------------------------------------------------------
def ok(data: dict[str, Any] | list[Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": "0", "msg": API_CODES["0"]}
    if data is not None:
        out["data"] = data
    return out


def error(code: str, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}


def p2p_all_failed(code: str, msg: str, mobiles: list[str]) -> dict[str, Any]:
    return {
        "code": code,
        "msg": msg,
        "data": {"taskid": "", "result": [{"mobile": m, "code": code, "msg": msg} for m in mobiles]},
    }


def report_item(report: Report) -> dict[str, Any]:
    msg: Message = report.message
    item: dict[str, Any] = {
        "time": fmt_time(report.at),
        "taskid": msg.batch or msg.id,
    }
    if msg.extra.get("messageid"):
        item["messageid"] = msg.extra["messageid"]
    item.update(code=report.code, msg=report_message(report.code), mobile=msg.mobile)
    return item


def mo_item(mo: MoRecord, srcid: str) -> dict[str, Any]:
    return {
        "id": mo.id,
        "time": fmt_time(mo.at),
        "msgcontent": mo.content,
        "srcid": srcid,
        "mobile": mo.mobile,
    }
