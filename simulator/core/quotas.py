"""Quotas: how many messages one account may send to the same number, and the same content twice.

An account's ``quotas`` (None: no limits, the default — the vendors whitelist test numbers, and a
sandbox's numbers are test numbers) names the limits; a limit left out takes the vendor's documented
default (``Vendor.quota_defaults``), 0 turns it off:

- ``per_day``: messages to the same number within the last 24 hours (a rolling day)
- ``per_month``: messages to the same number in the calendar month (Beijing time)
- ``per_window`` within ``window`` seconds: a short window (smsgw: half an hour, huawei: a minute)
- ``same_content``: seconds within which the same content to the same number is refused again

A message over a limit is accepted (no vendor document answers these synchronously) and reported at
once with the vendor's code for that limit (``Vendor.quota_codes``).  The engine asks the store
(``await store.count_send(...)``: a shared store can make it exact across processes); the memory store
keeps the counts as data in the collection ``_sim.quotas``, one record per (vendor, account, mobile), so
``--db`` keeps them; a reset clears them.  Only messages that went out count: one refused by a limit does not.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

COLLECTION = "_sim.quotas"
LIMITS = ("per_day", "per_month", "per_window", "same_content")
DAY = 86400.0
BEIJING = timezone(timedelta(hours=8))


class Quotas(BaseModel):
    """An account's limits; None: the vendor's documented default; 0: no limit."""

    model_config = ConfigDict(extra="forbid")
    per_day: int | None = Field(default=None, ge=0)
    per_month: int | None = Field(default=None, ge=0)
    per_window: int | None = Field(default=None, ge=0)
    window: float | None = Field(default=None, gt=0, le=DAY)  # seconds of the short window
    same_content: float | None = Field(default=None, ge=0, le=31 * DAY)  # seconds

    def effective(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """The limits in force: each one given, else the vendor's default, else 0 (off)."""
        out: dict[str, Any] = {}
        for name in (*LIMITS, "window"):
            v = getattr(self, name)
            out[name] = v if v is not None else defaults.get(name, 0 if name != "window" else 1800.0)
        return out


def record_key(vendor: str, account: str, mobile: str) -> str:
    return f"{vendor}/{account}/{mobile}"


def _month(at: float) -> str:
    return datetime.fromtimestamp(at, BEIJING).strftime("%Y-%m")


def _digest(content: str) -> str:
    return hashlib.blake2b(content.encode("utf-8", "replace"), digest_size=8).hexdigest()


def check(
    coll: dict[str, Any],
    limits: dict[str, Any],
    vendor: str,
    account: str,
    mobile: str,
    content: str,
    now: float,
) -> str | None:
    """The first limit a message would exceed (``per_day`` …), or None: then it is counted."""
    key = record_key(vendor, account, mobile)
    rec = dict.get(coll, key)  # a plain read: only a counted message changes the record
    keep = max(DAY, limits["window"] if limits["per_window"] else 0.0)
    counting = limits["per_day"] or limits["per_window"]
    sent = [t for t in rec["sent"] if t > now - keep] if rec and counting else []
    month = _month(now)
    month_n = rec["month_n"] if rec and rec["month"] == month else 0
    period = limits["same_content"]
    contents = {d: t for d, t in rec["contents"].items() if t > now - period} if rec and period else {}
    digest = _digest(content) if period else ""
    if limits["same_content"] and digest in contents:
        return "same_content"
    if limits["per_window"] and sum(t > now - limits["window"] for t in sent) >= limits["per_window"]:
        return "per_window"
    if limits["per_day"] and sum(t > now - DAY for t in sent) >= limits["per_day"]:
        return "per_day"
    if limits["per_month"] and month_n >= limits["per_month"]:
        return "per_month"
    if counting:
        sent.append(now)
    if period:
        contents[digest] = now
    coll[key] = {"sent": sent, "month": month, "month_n": month_n + 1, "contents": contents}
    return None


def note(limit: str, limits: dict[str, Any]) -> str:
    """The timeline's words for a message over ``limit``."""
    n = limits[limit]
    text = {
        "per_day": f"over the number's limit of {n} messages in 24 hours",
        "per_month": f"over the number's limit of {n} messages this month",
        "per_window": f"over the number's limit of {n} messages in {limits['window']:g} s",
        "same_content": f"the same content to the same number again within {n:g} s",
    }[limit]
    return f"quota {limit}: {text}; reported at once"


def split_key(key: str) -> tuple[str, str, str]:
    """(vendor, account, mobile) of a record key (an account id may hold a '/', a vendor key and a
    number never do)."""
    vendor, _, rest = key.partition("/")
    account, _, mobile = rest.rpartition("/")
    return vendor, account, mobile


def listed(
    coll: dict[str, Any], now: float, vendor: str | None = None, account: str | None = None
) -> list[dict]:
    """The counts as the admin API shows them at ``now``, by vendor, account and number.  Read through
    ``dict.items`` so a durable store does not count the read as a change."""
    out = []
    month = _month(now)
    for key, rec in dict.items(coll):
        v, a, m = split_key(key)
        if (vendor is not None and v != vendor) or (account is not None and a != account):
            continue
        out.append(
            {
                "vendor": v,
                "account": a,
                "mobile": m,
                "last_24h": sum(t > now - DAY for t in rec["sent"]),
                "last_sent_at": max(rec["sent"], default=None),
                "month": month,
                "this_month": rec["month_n"] if rec["month"] == month else 0,
                "recent_contents": len(rec["contents"]),
            }
        )
    out.sort(key=lambda r: (r["vendor"], r["account"], r["mobile"]))
    return out
