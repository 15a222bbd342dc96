"""Vendor-neutral failure reasons.

The core raises :class:`SimError` with a reason name; each vendor's ``codes.py`` renders the reason as
that vendor's HTTP status, code and text.  Reasons are plain strings so scenarios can name them too
(``fault: {error: system_error}``).
"""

from __future__ import annotations

from typing import Any, Self

# The reasons the core itself raises.  Vendors may raise their own reasons as well.
REASONS = {
    "system_error": "the vendor's generic system failure",
    "insufficient_balance": "the account's balance does not cover the segments",
    "sensitive_word": "the content contains a word the account may not send",
    "outside_send_window": "the account may not send at this time of day",
    "rate_limited": "too many requests for this account",
    "account_disabled": "the account is disabled",
    "ip_not_allowed": "the client address is not on the account's allow-list",
}


class SimError(Exception):
    """A vendor-neutral failure; ``detail`` carries what the vendor's message may quote, ``diagnosis``
    (set with :meth:`because`) says in plain words why, for the request journal only (never the wire)."""

    diagnosis: str | None = None

    def __init__(self, reason: str, message: str = "", **detail: Any) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.message = message or REASONS.get(reason, reason)
        self.detail = detail

    def because(self, diagnosis: str) -> Self:
        """``raise KxError("6").because("…")``: the journal's ``diagnosis`` for this refusal."""
        self.diagnosis = diagnosis
        return self

    def __repr__(self) -> str:
        return f"SimError({self.reason!r}, {self.message!r}, {self.detail!r})"


class DropConnection(Exception):
    """A scenario fault asking to close the client's connection without an answer."""
