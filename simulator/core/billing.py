"""Segment counting and balance charges.

Every vendor bills the same way: up to 70 characters is one message; above 70, every 67 characters is
one more (ceil(n / 67)).  Every character counts 1 (Chinese, ASCII, punctuation, newline, 【signature】).
"""

from __future__ import annotations

from .errors import SimError

SINGLE_LIMIT = 70
LONG_PART = 67


def count_segments(text: str) -> int:
    n = len(text)
    if n <= SINGLE_LIMIT:
        return 1
    return -(-n // LONG_PART)


def split_segments(text: str) -> list[str]:
    """The parts a long message is carried in (one per billed segment)."""
    if len(text) <= SINGLE_LIMIT:
        return [text]
    return [text[i : i + LONG_PART] for i in range(0, len(text), LONG_PART)]


def charge(account, units: int, allow_negative: bool | None = None) -> None:  # account: core.accounts.Account
    """Take ``units`` from the account's balance, or raise ``insufficient_balance``.

    Accounts with ``allow_negative`` (post-paid) may go below zero; the argument overrides it.
    """
    if units <= 0:
        return
    negative_ok = account.allow_negative if allow_negative is None else allow_negative
    if not negative_ok and account.balance < units:
        raise SimError("insufficient_balance", balance=account.balance, needed=units)
    account.balance -= units


def refund(account, units: int) -> None:
    if units > 0:
        account.balance += units
