"""emay wire formats: field validation for the send interfaces and report/MO/click items.  No I/O.

JSON clients send explicit nulls for absent fields (``"customSmsId":null``) and sometimes numbers where
the document says string (``"mobile":13800000000``): both are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...core.models import Message, MoRecord, Report
from ..base import bad_field, fmt_time, parse_time
from .codes import EmayError, report_desc

MAX_MOBILES = 500  # §2.1.2-2.1.11 and §2.2.1: at most 500 numbers per request
MAX_CUSTOM_SMSID = 32
MAX_EXTENDED_CODE = 12
MAX_SCHEDULE_AHEAD = 90 * 86400  # 定时时间在 90 天之内
PAGE = 500  # getReport / getMo / getShortLink: default and maximum `number`
TIME_FMT = "%Y-%m-%d %H:%M:%S"  # secure interface timerTime, and every time in answers
SIMPLE_TIME_FMT = "%Y%m%d%H%M%S"  # simple interface timerTime
MOBILE_RE = re.compile(r"1[0-9]{10}")  # ASCII digits only: \d would take "١٣٩…" too
EXTENDED_RE = re.compile(r"[0-9]{0,12}")


def text(value: Any) -> str:
    """A JSON field as text: null → "", numbers → their digits (Jackson coerces scalars to String);
    an object or array where the document says String → ERROR_PARAMS."""
    if isinstance(value, (dict, list)):
        raise EmayError("ERROR_PARAMS", "a text field holds an object or array").because(
            bad_field("a text field", value, "a string or a number, not an object or array")
        )
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def mobile(value: Any) -> str:
    m = text(value).strip()
    if not m:
        raise EmayError("ERROR_MOBILE_EMPTY").because("a mobile is empty")
    if not MOBILE_RE.fullmatch(m):
        raise EmayError("ERROR_MOBILE_ERROR", f"{m!r} is not a mainland mobile number").because(
            bad_field("mobile", m, "a mainland mobile number: 11 digits starting with 1")
        )
    return m


def mobiles(values: list[Any]) -> list[str]:
    if not values:
        raise EmayError("ERROR_MOBILE_EMPTY").because("mobiles is empty")
    if len(values) > MAX_MOBILES:
        raise EmayError("ERROR_MOBILE_NUMBER").because(f"{len(values)} mobiles; at most {MAX_MOBILES}")
    return [mobile(v) for v in values]


def content(value: Any, limit: int) -> str:
    c = text(value)
    if not c.strip():
        raise EmayError("ERROR_CONTENT_EMPTY").because(bad_field("content", c, "must not be blank"))
    if len(c) > limit:
        raise EmayError("ERROR_LONG_CONTENT").because(
            f"content is {len(c)} characters; at most {limit} (max_content_length)"
        )
    return c


def custom_sms_id(value: Any) -> str | None:
    c = text(value).strip()
    if len(c) > MAX_CUSTOM_SMSID:
        raise EmayError("ERROR_CUSTOM_SMSID").because(
            bad_field("customSmsId", c, f"at most {MAX_CUSTOM_SMSID} characters")
        )
    return c or None


def extended_code(value: Any) -> str:
    e = text(value).strip()
    if not EXTENDED_RE.fullmatch(e):
        raise EmayError("ERROR_EXTENDED_CODE").because(
            bad_field("extendedCode", e, f"up to {MAX_EXTENDED_CODE} digits")
        )
    return e


def timer(value: Any, now: float, fmt: str = TIME_FMT) -> float | None:
    """A timer send's due time; None for "send now".  Past or beyond 90 days: ERROR_SMS_TIME.

    Timer times have whole seconds, so a time within the current second is not "in the past".
    """
    t = text(value).strip()
    if not t:
        return None
    when = parse_time(t, fmt) if t.isascii() else None
    if fmt == SIMPLE_TIME_FMT and not (len(t) == 14 and t.isdigit()):
        when = None  # §2.2: yyyyMMddHHmmss, 14 digits
    if when is None:
        raise EmayError("ERROR_PARAMS", f"timerTime {t!r} is not {fmt}").because(
            bad_field("timerTime", t, f"a Beijing time as {fmt}")
        )
    if when < int(now) or when - now > MAX_SCHEDULE_AHEAD:
        raise EmayError("ERROR_SMS_TIME").because(
            bad_field("timerTime", t, f"not in the past and at most {MAX_SCHEDULE_AHEAD // 86400} days ahead")
        )
    return when if when > now else None


def items(body: dict[str, Any], key: str = "smses") -> list[dict[str, Any]]:
    raw = body.get(key)
    if raw is None or raw == []:
        raise EmayError("ERROR_MOBILE_EMPTY").because(f"{key} is missing or empty")
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise EmayError("ERROR_PARAMS", f"{key} must be a list of objects").because(
            bad_field(key, raw, "a list of objects")
        )
    if len(raw) > MAX_MOBILES:
        raise EmayError("ERROR_MOBILE_NUMBER").because(f"{key} has {len(raw)} items; at most {MAX_MOBILES}")
    return raw


def number(value: Any) -> int:
    """``number`` of getReport/getMo/getShortLink: default and at most 500."""
    if value is None or value == "":
        return PAGE
    n = value if isinstance(value, int) and not isinstance(value, bool) else None
    digits = value.strip() if isinstance(value, str) else ""
    if n is None and digits.isascii() and digits.isdigit():  # ASCII only: int("²") raises
        n = int(digits) if len(digits) <= 18 else PAGE  # a huge count is "as many as allowed"
    if n is None:
        raise EmayError("ERROR_PARAMS", "number must be an integer")
    return PAGE if n <= 0 else min(n, PAGE)


@dataclass
class Item:
    """One recipient of a send request, validated."""

    mobile: str
    content: str
    custom_sms_id: str | None = None
    scheduled_at: float | None = None
    extended_code: str = ""
    short_link: str = ""  # sendShortLinkSMS: the link code put in the content


# -- answers ------------------------------------------------------------------------------------------------
def sent_item(msg: Message) -> dict[str, Any]:
    return {"mobile": msg.mobile, "smsId": msg.id, "customSmsId": msg.extra.get("customSmsId")}


def report_item(report: Report) -> dict[str, Any]:
    msg = report.message
    return {
        "mobile": msg.mobile,
        "smsId": msg.id,
        "customSmsId": msg.extra.get("customSmsId"),
        "state": report.code,
        "desc": report_desc(report.code),
        "receiveTime": fmt_time(report.at, TIME_FMT),
        "submitTime": fmt_time(msg.created_at, TIME_FMT),
        "extendedCode": msg.extra.get("extendedCode") or None,
    }


def mo_item(mo: MoRecord) -> dict[str, Any]:
    return {
        "mobile": mo.mobile,
        "content": mo.content,
        "moTime": fmt_time(mo.at, TIME_FMT),
        "extendedCode": mo.extension or None,
    }
