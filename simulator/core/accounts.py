"""Account registry: credentials, balance, allow-lists, callback URLs and push/pull mode.

The fields every vendor has are typed here; what only one vendor has (a signature, an extension
number, a push format, IAM users…) lives in ``options``, a pydantic model the vendor package defines.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel

from .errors import SimError
from .quotas import Quotas
from .unsubscribes import DEFAULT_KEYWORDS

Mode = Literal["push", "pull"]
BEIJING = timezone(timedelta(hours=8))


@dataclass
class Account:
    vendor: str  # vendor key: kx, huawei, smsgw, mobset, emay
    id: str  # the vendor's account identifier (userid, app_key, account, CorpID, appId)
    secret: str  # the vendor's shared secret (apikey, app_secret, password, Password, secretKey)
    balance: int = 0  # in the vendor's unit (messages, or 厘 for smsgw)
    allow_negative: bool = False  # post-paid accounts may go below zero
    mode: Mode = "pull"  # push: reports/MO are POSTed to the URLs; pull: handed out by query endpoints
    report_url: str | None = None  # where status reports are pushed
    mo_url: str | None = None  # where replies (MO) are pushed
    ip_allowlist: list[str] = field(default_factory=list)  # empty: any source address
    enabled: bool = True  # a disabled account is refused with the vendor's code
    send_window: tuple[time, time] | None = None  # Beijing time of day sending is allowed
    sensitive_words: list[str] = field(default_factory=list)  # content containing one is refused
    # a reply that is one of these (trimmed, any case) puts the number on the account's unsubscribe list
    unsubscribe_keywords: list[str] = field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    quotas: Quotas | None = None  # per-number limits (core/quotas.py); None: none
    name: str = ""  # label shown in the UI
    options: Any = None  # the vendor's own AccountOptions model instance
    _networks: list[Any] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._networks = [ipaddress.ip_network(a, strict=False) for a in self.ip_allowlist]

    @property
    def key(self) -> tuple[str, str]:
        return (self.vendor, self.id)

    def ip_allowed(self, remote: str | None) -> bool:
        if not self._networks:
            return True
        if not remote:
            return False
        try:
            addr = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(addr in net for net in self._networks)

    def ip_refusal(self, remote: str | None) -> str:
        """Why :meth:`ip_allowed` refused ``remote``, for the request journal."""
        return (
            f"the client address {remote or '(none)'} is not on account {self.id}'s ip_allowlist "
            f"({', '.join(self.ip_allowlist)})"
        )

    def check_content(self, content: str) -> None:
        for word in self.sensitive_words:
            if word and word in content:
                raise SimError("sensitive_word", word=word).because(
                    f"the content contains {word!r}, one of account {self.id}'s sensitive_words"
                )

    def check_send_window(self, now: float) -> None:
        if self.send_window is None:
            return
        start, end = self.send_window
        t = datetime.fromtimestamp(now, BEIJING).time()
        inside = start <= t <= end if start <= end else (t >= start or t <= end)
        if not inside:
            window = f"{start:%H:%M}-{end:%H:%M}"
            raise SimError("outside_send_window", window=window).because(
                f"it is {t:%H:%M:%S} Beijing time (simulated clock), outside account {self.id}'s "
                f"send_window {window}"
            )

    def public(self) -> dict[str, Any]:
        """What the admin API shows (credentials included: this is a sandbox)."""
        out: dict[str, Any] = {
            "vendor": self.vendor,
            "id": self.id,
            "secret": self.secret,
            "name": self.name,
            "balance": self.balance,
            "allow_negative": self.allow_negative,
            "mode": self.mode,
            "report_url": self.report_url,
            "mo_url": self.mo_url,
            "ip_allowlist": list(self.ip_allowlist),
            "enabled": self.enabled,
            "send_window": (
                f"{self.send_window[0]:%H:%M}-{self.send_window[1]:%H:%M}" if self.send_window else None
            ),
            "sensitive_words": list(self.sensitive_words),
            "unsubscribe_keywords": list(self.unsubscribe_keywords),
            "quotas": self.quotas.model_dump(mode="json") if self.quotas is not None else None,
        }
        if isinstance(self.options, BaseModel):
            out["options"] = self.options.model_dump(mode="json")
        return out


class Accounts:
    """The registry.  ``on_change`` hears of every account added or changed (a durable store writes it);
    code that changes an account's fields calls :meth:`changed`."""

    def __init__(self, on_change: Callable[[Account], None] | None = None) -> None:
        self._by_key: dict[tuple[str, str], Account] = {}
        # vendor → the same accounts in the same order: list(vendor) is asked on every journaled request
        self._by_vendor: dict[str, dict[tuple[str, str], Account]] = {}
        self.on_change = on_change

    def add(self, account: Account) -> Account:
        self._by_key[account.key] = account
        self._by_vendor.setdefault(account.vendor, {})[account.key] = account
        self.changed(account)
        return account

    def changed(self, account: Account) -> None:
        if self.on_change is not None:
            self.on_change(account)

    def get(self, vendor: str, account_id: str) -> Account | None:
        return self._by_key.get((vendor, account_id))

    def remove(self, vendor: str, account_id: str) -> None:
        self._by_key.pop((vendor, account_id), None)
        self._by_vendor.get(vendor, {}).pop((vendor, account_id), None)

    def list(self, vendor: str | None = None) -> list[Account]:
        if vendor is None:
            return list(self._by_key.values())
        return list(self._by_vendor.get(vendor, {}).values())

    def find(self, vendor: str, predicate) -> Account | None:
        for a in self._by_key.values():
            if a.vendor == vendor and predicate(a):
                return a
        return None

    def clear(self) -> None:
        self._by_key.clear()
        self._by_vendor.clear()
