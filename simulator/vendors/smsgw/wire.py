"""smsgw wire formats: parsing parameters and building responses and report/MO items.  No I/O here."""

from __future__ import annotations

import re
from typing import Any

from ...core.models import MoRecord, Report
from ..base import bad_field, fmt_time
from .codes import SmsgwError

ACTIONS = ("send", "p2p", "balance", "report", "mo")
MAX_MOBILES = 500  # §1.2: at most 500 numbers per request (more → status 102); p2p lines likewise
REPORT_SIZE = (10, 10000, 1000)  # §4.2 size: min, max, default
MO_SIZE = (10, 1000, 1000)  # §5.2 szie (sic): min, max, default
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MOBILE_RE = re.compile(r"1[0-9]{10}")
INTEGER_RE = re.compile(r"([+-]?)([0-9]+)")
LINES_RE = re.compile(r"\r\n|\r|\n")
SIGNATURE_RE = re.compile(r"^【([^】]+)】|【([^】]+)】$")


def valid_mobile(mobile: str) -> bool:
    return MOBILE_RE.fullmatch(mobile) is not None


def parse_mobiles(raw: str) -> list[str]:
    """Comma-separated numbers; blanks around them and empty entries (a trailing comma) are ignored."""
    mobiles = [m.strip() for m in raw.split(",") if m.strip()]
    if not mobiles:
        raise SmsgwError(1, "mobile不能为空").because(bad_field("mobile", raw, "at least one number"))
    if len(mobiles) > MAX_MOBILES:
        raise SmsgwError(102).because(f"mobile lists {len(mobiles)} numbers; at most {MAX_MOBILES}")
    return mobiles


def parse_content(raw: str) -> str:
    if not raw.strip():
        raise SmsgwError(1, "content不能为空").because(bad_field("content", raw, "must not be blank"))
    return raw


def parse_p2p(raw: str) -> list[tuple[str, str]]:
    """`mobile#content` lines separated by CR, LF or CRLF; blank lines (a trailing break) are ignored.

    A line without `#`, without a number or without content makes the whole packet malformed (1).
    """
    items: list[tuple[str, str]] = []
    for line in LINES_RE.split(raw):
        if not line.strip():
            continue
        mobile, sep, content = line.partition("#")
        if not sep or not mobile.strip() or not content.strip():
            raise SmsgwError(1, "mobileContentList格式错误").because(
                bad_field("mobileContentList line", line, "mobile#content, both non-blank")
            )
        items.append((mobile.strip(), content))
    if not items:
        raise SmsgwError(1, "mobileContentList不能为空").because(
            bad_field("mobileContentList", raw, "at least one mobile#content line")
        )
    if len(items) > MAX_MOBILES:
        raise SmsgwError(102).because(f"mobileContentList has {len(items)} lines; at most {MAX_MOBILES}")
    return items


def parse_size(params: dict[str, str], limits: tuple[int, int, int]) -> int:
    """`size` (or the document's `szie`); absent → default, out of range (however many digits) → clamped,
    not an ASCII integer → 1."""
    low, high, default = limits
    raw = (params.get("size") or "").strip() or (params.get("szie") or "").strip()
    if not raw:
        return default
    m = INTEGER_RE.fullmatch(raw)
    if m is None:  # ASCII digits only: int() would also take "1_000", "٣٠" or fullwidth digits
        raise SmsgwError(1, "size格式错误").because(bad_field("size", raw, "a whole number"))
    digits = m.group(2).lstrip("0") or "0"
    n = (
        int(digits) if len(digits) <= 9 else high + 1
    )  # int() refuses over 4300 digits: any huge one is clamped
    return min(max(-n if m.group(1) == "-" else n, low), high)


def signature_of(content: str) -> str | None:
    """The 【signature】 at the start or end of the content, without the brackets."""
    m = SIGNATURE_RE.search(content.strip())
    if m is None:
        return None
    return m.group(1) or m.group(2)


# -- responses -----------------------------------------------------------------------------------------
def list_answer(status: int, balance: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """send / p2p / report / mo: `status` is a string ("0") as in every example of the document."""
    return {"status": str(status), "balance": balance, "list": items}


def balance_answer(status: int, balance: int, charge_type: str | None) -> dict[str, Any]:
    """balance: `status` is a number (§3.3); errors carry no chargeType."""
    out: dict[str, Any] = {"status": status, "balance": balance}
    if charge_type is not None:
        out["chargeType"] = charge_type
    return out


def submit_item(mid: str, mobile: str, result: int) -> dict[str, Any]:
    return {"mid": mid, "mobile": mobile, "result": result}


def report_item(report: Report) -> dict[str, Any]:
    msg = report.message
    return {
        "flag": 1,
        "mid": msg.id,
        "spid": msg.account,
        "accessCode": msg.extra.get("extno", ""),
        "mobile": msg.mobile,
        "stat": report.code,
        "time": fmt_time(report.at, TIME_FORMAT),
    }


def mo_item(mo: MoRecord) -> dict[str, Any]:
    return {
        "flag": 0,
        "mid": mo.id,
        "spid": mo.account,
        "accessCode": mo.extra.get("accessCode", ""),
        "mobile": mo.mobile,
        "content": mo.content,
        "time": fmt_time(mo.at, TIME_FORMAT),
    }


def item(it: Report | MoRecord) -> dict[str, Any]:
    return report_item(it) if isinstance(it, Report) else mo_item(it)
