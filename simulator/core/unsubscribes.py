"""Unsubscribes: a reply such as ``TD`` puts the number on the account's unsubscribe list.

The list is the store collection ``_sim.unsubscribes`` (kept by ``--db``, cleared by a reset), one record
per (vendor, account, mobile).  The engine adds to it when a reply matches one of the account's
``unsubscribe_keywords`` (trimmed, case-insensitive, the whole reply) and consults it when it accepts a
message and when a timed send falls due: a send to a listed number is accepted (no vendor document
refuses it synchronously), then reported with the vendor's unsubscribe code (``Vendor.unsubscribe_code``,
else its blacklist code).
"""

from __future__ import annotations

from typing import Any

COLLECTION = "_sim.unsubscribes"
DEFAULT_KEYWORDS = ("TD", "T", "N", "退订")


def record_key(vendor: str, account: str, mobile: str) -> str:
    return f"{vendor}/{account}/{mobile}"


def is_unsubscribe(keywords: list[str] | tuple[str, ...], content: str) -> bool:
    """Whether a reply is one of the keywords (the whole reply, trimmed, case-insensitive)."""
    text = content.strip().casefold()
    return bool(text) and any(text == k.strip().casefold() for k in keywords if k.strip())


def listed(coll: dict[str, Any], vendor: str | None = None, account: str | None = None) -> list[dict]:
    """The records, oldest first, optionally of one vendor / account.  Read through ``dict.items`` so a
    durable store does not count the read as a change (records are replaced whole, never changed)."""
    out = [
        r
        for _, r in dict.items(coll)
        if (vendor is None or r["vendor"] == vendor) and (account is None or r["account"] == account)
    ]
    out.sort(key=lambda r: (r["at"], r["vendor"], r["account"], r["mobile"]))
    return out
