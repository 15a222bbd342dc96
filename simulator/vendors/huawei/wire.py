"""huawei wire formats: parsing send requests, numbers, responses, report and MO items.  No I/O here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from ...core.models import Message, MoRecord, Report
from ..base import bad_field, fmt_time
from .codes import HuaweiError, report_description, report_source

MAX_NUMBERS = 500  # per request (batchSendSms) or per smsContent item (batchSendDiffSms)
MAX_TO_LENGTH = 21999
MAX_NUMBER_LENGTH = 21
MAX_TEMPLATE_ID = 32
MAX_EXTEND_BYTES = 128
MAX_CALLBACK = 1024
MAX_SIGNATURE = 32
MAX_FROM = 21
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TEMPLATE_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAINLAND_RE = re.compile(r"1\d{10}")

# Country calling code → ISO 3166 alpha-2 for `countryId` (the common destinations; others omit it).
COUNTRY_CODES: dict[str, str] = {
    "86": "CN",
    "852": "HK",
    "853": "MO",
    "886": "TW",
    "1": "US",
    "7": "RU",
    "33": "FR",
    "34": "ES",
    "39": "IT",
    "44": "GB",
    "49": "DE",
    "60": "MY",
    "61": "AU",
    "62": "ID",
    "63": "PH",
    "64": "NZ",
    "65": "SG",
    "66": "TH",
    "81": "JP",
    "82": "KR",
    "84": "VN",
    "91": "IN",
    "971": "AE",
    "966": "SA",
    "55": "BR",
    "52": "MX",
    "234": "NG",
    "27": "ZA",
}


def utc(ts: float) -> str:
    return fmt_time(ts, TIME_FORMAT, UTC)


# -- numbers -----------------------------------------------------------------------------------------
@dataclass
class Number:
    origin: str  # as the customer wrote it (trimmed), echoed as originTo
    e164: str  # "+8613800138000" / "+447700900123"; "" when it does not fit the numbering rules
    country: str | None  # ISO code for countryId, None when unknown

    @property
    def valid(self) -> bool:
        return bool(self.e164)

    @property
    def mobile(self) -> str:
        """The recipient as the simulator keeps it: bare 11 digits for mainland China, else E.164."""
        return self.e164[3:] if self.e164.startswith("+86") else self.e164


def country_of(digits: str) -> str | None:
    for n in (3, 2, 1):
        if digits[:n] in COUNTRY_CODES:
            return COUNTRY_CODES[digits[:n]]
    return None


def bad(name: str, value: Any, rule: str) -> HuaweiError:
    """E000503 with the field, its value and the rule as the journal's diagnosis."""
    return HuaweiError("E000503").because(bad_field(name, value, rule))


def parse_number(text: str) -> Number:
    """Normalise one recipient.  Characters other than digits and one leading '+' → E000503 for the
    whole request (the SDK's documented rule); digits that do not make a number → an invalid Number."""
    raw = text.strip()
    if not raw or len(raw) > MAX_NUMBER_LENGTH or not re.fullmatch(r"\+?\d+", raw):
        raise bad("a number in to", raw, f"digits after an optional '+', at most {MAX_NUMBER_LENGTH}")
    if raw.startswith("+"):
        digits = raw[1:]
    elif MAINLAND_RE.fullmatch(raw):
        digits = "86" + raw  # the system adds 86 to a bare mainland number
    elif raw.startswith("0086"):
        digits = raw[2:]
    else:
        digits = raw  # "8613800138000"
    if digits.startswith("86"):
        national = digits[2:]
        if MAINLAND_RE.fullmatch(national):
            return Number(raw, "+" + digits, "CN")
        return Number(raw, "", "CN")
    country = country_of(digits)
    if raw.startswith("+") and 8 <= len(digits) <= 20 and not digits.startswith("0"):
        return Number(raw, "+" + digits, country)
    return Number(raw, "", country)


def parse_numbers(items: list[str]) -> list[Number]:
    if not items:
        raise bad("to", "", "at least one number")
    if len(items) > MAX_NUMBERS:
        raise bad("to", f"{len(items)} numbers", f"at most {MAX_NUMBERS}")
    return [parse_number(t) for t in items]


# -- common fields -----------------------------------------------------------------------------------
def _opt(value: Any, name: str) -> str | None:
    """An optional string field: absent, null or empty mean absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(name, value, "a string")
    return value.strip() or None


def check_from(value: Any) -> str:
    sender = _opt(value, "from")
    if sender is None or len(sender) > MAX_FROM:
        raise bad("from", sender or "", f"required, at most {MAX_FROM} characters")
    return sender


def check_extend(value: Any) -> str | None:
    extend = _opt(value, "extend")
    if extend is None:
        return None
    if len(extend.encode("utf-8")) > MAX_EXTEND_BYTES or "{" in extend or "}" in extend:
        raise bad("extend", extend, f"at most {MAX_EXTEND_BYTES} bytes, no braces")
    return extend


def check_callback(value: Any) -> str | None:
    url = _opt(value, "statusCallback")
    if url is None:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_CALLBACK or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise bad("statusCallback", url, f"an http(s) URL of at most {MAX_CALLBACK} characters")
    return url


def check_template_id(value: Any) -> str:
    tid = _opt(value, "templateId")
    if tid is None or not TEMPLATE_ID_RE.fullmatch(tid):
        raise bad("templateId", tid or "", f"required, matching {TEMPLATE_ID_RE.pattern}")
    return tid


def check_signature(value: Any) -> str | None:
    sig = _opt(value, "signature")
    if sig is not None and len(sig) > MAX_SIGNATURE:
        raise bad("signature", sig, f"at most {MAX_SIGNATURE} characters")
    return sig


def check_paras(values: Any) -> list[str]:
    """A list of variable values: strings (numbers are taken as their text); braces are refused."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise bad("templateParas", values, "a JSON array")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise bad("a templateParas value", v, "a string or a number")
        text = v if isinstance(v, str) else json.dumps(v)
        if "{" in text or "}" in text:
            raise bad("a templateParas value", text, "no braces")
        out.append(text)
    return out


def parse_paras_text(text: str | None) -> list[str]:
    """batchSendSms `templateParas`: a JSON array in a string.  Unparseable JSON is the platform's
    E000000 (the doc's advice for E000000 is to check the quotes in templateParas)."""
    if text is None or not text.strip():
        return []
    return check_paras(_load_json(text))


# -- requests ----------------------------------------------------------------------------------------
@dataclass
class Group:
    """Numbers sharing one template and its values (the whole batchSendSms, or one smsContent item)."""

    numbers: list[Number]
    template_id: str
    paras: list[str]
    signature: str | None


@dataclass
class SendRequest:
    sender: str  # `from`: the signature's channel number
    groups: list[Group]
    callback: str | None
    extend: str | None
    total_numbers: int = field(default=0)


def parse_batch(params: dict[str, str]) -> SendRequest:
    sender = check_from(params.get("from"))
    to_text = params.get("to") or ""
    if not to_text.strip() or len(to_text) > MAX_TO_LENGTH:
        raise bad("to", to_text, f"required, at most {MAX_TO_LENGTH} characters")
    numbers = parse_numbers([t for t in to_text.split(",") if t.strip()])
    template_id = check_template_id(params.get("templateId"))
    paras = parse_paras_text(params.get("templateParas"))
    group = Group(numbers, template_id, paras, check_signature(params.get("signature")))
    return SendRequest(
        sender,
        [group],
        check_callback(params.get("statusCallback")),
        check_extend(params.get("extend")),
        len(numbers),
    )


def _load_json(text: str) -> Any:
    """JSON the platform cannot parse (bad syntax, huge numbers, absurd nesting) is E000000."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise HuaweiError("E000000").because(bad_field("JSON", text, "parseable JSON")) from None


def parse_diff(raw: bytes) -> SendRequest:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HuaweiError("E000000").because("the body is not UTF-8") from None
    body = _load_json(text)
    if not isinstance(body, dict):
        raise HuaweiError("E000000").because("the body is JSON but not an object")
    sender = check_from(body.get("from"))
    items = body.get("smsContent")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise bad("smsContent", items, "a non-empty array of objects")
    groups = []
    for item in items:
        to = item.get("to")
        if isinstance(to, str):
            to = [t for t in to.split(",") if t.strip()]
        if not isinstance(to, list) or not all(isinstance(t, str) for t in to):
            raise bad("smsContent[].to", to, "a string or an array of strings")
        numbers = parse_numbers(to)
        groups.append(
            Group(
                numbers,
                check_template_id(item.get("templateId")),
                check_paras(item.get("templateParas")),
                check_signature(item.get("signature")),
            )
        )
    return SendRequest(
        sender,
        groups,
        check_callback(body.get("statusCallback")),
        check_extend(body.get("extend")),
        sum(len(g.numbers) for g in groups),
    )


# -- responses ---------------------------------------------------------------------------------------
def sms_id(
    msg_id: str, sender: str, number: Number, status: str, created: float, total: int | None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "smsMsgId": msg_id,
        "from": sender,
        "originTo": number.origin,
        "status": status,
        "createTime": utc(created),
    }
    if number.country:
        item["countryId"] = number.country
    if total is not None:
        item["total"] = total
    return item


def answer(code: str, description: str, result: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "description": description}
    if result is not None:
        out["result"] = result
    return out


# -- pushes ------------------------------------------------------------------------------------------
def report_item(report: Report) -> dict[str, str]:
    """One status report (§3.2.5 表 3-102), as strings, in the order of the seed's example."""
    msg: Message = report.message
    item: dict[str, str] = {
        "sequence": str(report.data.get("sequence", report.segment)),
        "total": str(report.data.get("total", msg.segments)),
    }
    source = report_source(report.code)
    if source != "1":
        item["updateTime"] = utc(report.at)  # a platform-constructed report carries no updateTime
    item["source"] = source
    item["smsMsgId"] = msg.id
    item["status"] = report.code
    item["statusDesc"] = report_description(report.code)
    extend = msg.extra.get("extend")
    if extend:
        item["extend"] = extend
        item["to"] = msg.extra.get("originTo", msg.mobile)
    return item


def mo_item(mo: MoRecord, with_create_time: bool) -> dict[str, str]:
    """One MO (§3.2.7 表 3-110), in the order of the seed's example."""
    mobile = mo.mobile
    if MAINLAND_RE.fullmatch(mobile):
        mobile = "+86" + mobile
    item = {
        "from": mobile,
        "to": mo.extra.get("to", mo.extension),
        "body": mo.content,
        "smsMsgId": mo.id,
    }
    if with_create_time:
        item["createTime"] = utc(mo.at)
    return item
