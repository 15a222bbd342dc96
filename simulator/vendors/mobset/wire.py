"""mobset wire formats: request parameters and the JSON answers.  No I/O here.

Parameter names are matched case-insensitively (the platform is an ASP.NET service, whose request
collections ignore case, and the document itself writes both ``SmsID`` and ``SmsId``); values are taken
as sent.  Parameters a method does not use are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from ...core.models import MoRecord, Report
from ..base import BEIJING, bad_field, fmt_time
from .codes import ERRORS, MobsetError, missing, report_status

METHOD_KEY = web.RequestKey("mobset_method", str)  # the Methods being served (for error codes)
MAX_NUMBERS = 50  # §4.1.1 PhoneNumbers (→ -112)
MAX_CANCEL = 50  # §4.6.1 SmsID (→ -143)
REPORT_PAGE = 50  # §4.3.2
MO_PAGE = 20  # §4.2.2
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # TimerSend, ReportTime, RecvTime
TIMER_FORMATS = (TIME_FORMAT, "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")
MAX_SIGNATURE = 20
MOBILE_RE = re.compile(r"1[0-9]{10}")  # ASCII digits only (\d would take "١٢٣" and fullwidth digits)
DIGITS_RE = re.compile(r"[0-9]*")
MAX_ID_DIGITS = 18  # an SmsId is a long on the platform: longer digit strings are echoed as strings
SIGNATURE_RE = re.compile(r"^【([^【】]*)】|【([^【】]*)】$")


def normalise(params: dict[str, str]) -> dict[str, str]:
    return {k.strip().lower(): v for k, v in params.items()}


def valid_mobile(mobile: str) -> bool:
    return MOBILE_RE.fullmatch(mobile) is not None


def parse_timer(text: str) -> float | None:
    """TimerSend as documented (``2018-05-01 12:00:00``, Beijing) or a close variant.

    Anything else is ignored and the message goes at once: real clients send e.g. the epoch in
    milliseconds "to send now", which the platform accepts.
    """
    text = text.strip()
    for fmt in TIMER_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=BEIJING).timestamp()
        except ValueError:
            continue
    return None


@dataclass
class SendRequest:
    numbers: list[str]  # as submitted, stripped, in order (duplicates kept)
    content: str  # as submitted; the signature is added later
    long_sms: bool = True
    scheduled_at: float | None = None
    add_num: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def parse_send(params: dict[str, str], max_addnum: int) -> SendRequest:
    if "phonenumbers" not in params or not params["phonenumbers"].strip():
        raise missing("PhoneNumbers")
    numbers = [n.strip() for n in params["phonenumbers"].split(",") if n.strip()]
    if not numbers or len(numbers) > MAX_NUMBERS:
        raise MobsetError(-112).because(f"PhoneNumbers lists {len(numbers)} numbers; 1 to {MAX_NUMBERS}")
    if "content" not in params:
        raise missing("Content")
    content = params["content"]
    long_sms = params.get("longsms", "").strip() != "0"
    timer = params.get("timersend", "").strip()
    scheduled_at = parse_timer(timer) if timer else None
    add_num = params.get("addnum", "").strip()
    if not DIGITS_RE.fullmatch(add_num) or len(add_num) > max_addnum:
        raise missing("AddNum", bad_field("AddNum", add_num, f"digits only, at most {max_addnum}"))
    return SendRequest(numbers, content, long_sms, scheduled_at, add_num)


def parse_cancel(params: dict[str, str]) -> list[str]:
    ids = [i.strip() for i in params.get("smsid", "").split(",") if i.strip()]
    if not ids:
        raise missing("SmsID")
    if len(ids) > MAX_CANCEL:
        raise MobsetError(-143).because(f"SmsID lists {len(ids)} ids; at most {MAX_CANCEL}")
    return ids


def find_signature(text: str) -> str | None:
    """The 【…】 at the start or the end of the content, if any."""
    m = SIGNATURE_RE.search(text.strip())
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def signature_ok(signature: str) -> bool:
    """A usable account signature: 1-20 characters, no bracket characters (§4.5: returned without 【】)."""
    return 0 < len(signature) <= MAX_SIGNATURE and not any(c in signature for c in "【】[]")


def has_signature(text: str, signature: str) -> bool:
    t = text.strip()
    return any(t.startswith(o + signature + c) or t.endswith(o + signature + c) for o, c in ("【】", "[]"))


def sign(text: str, signature: str, position: str) -> str:
    mark = f"【{signature}】"
    return mark + text if position == "prefix" else text + mark


# -- responses -----------------------------------------------------------------------------------------
def answer(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"Code": code, "Message": message, **extra}


def error(code: int, message: str | None = None) -> dict[str, Any]:
    return answer(code, message or ERRORS[code])


def sms_id_number(text: str) -> int | str:
    """An id as a JSON number when it is one (a long: at most 18 digits), else echoed as the string."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return text


def report_item(report: Report) -> dict[str, Any]:
    status, ex = report_status(report.outcome, report.code)
    return {
        "SmsId": sms_id_number(report.message.id),
        "Status": status,
        "ReportTime": fmt_time(report.at, TIME_FORMAT),
        "ExStatus": ex,
    }


def mo_item(mo: MoRecord, access_number: str) -> dict[str, Any]:
    return {
        "PhoneNumber": mo.mobile,
        "RecvNumber": access_number + mo.extension,
        "AddNum": mo.extension,
        "RecvTime": fmt_time(mo.at, TIME_FORMAT),
        "Content": mo.content,
    }
