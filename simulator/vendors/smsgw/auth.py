"""smsgw authentication: `account` + `password`, the password plain or MD5 as each action documents.

- send:    MD5(password + extno + content + mobile)
- p2p:     MD5(password + extno + mobileContentList), the list's line breaks (CR and LF) removed
- balance, report, mo: MD5(password)

The parameters are hashed exactly as they arrived (after form decoding).  The document does not say
whether the hex digest is upper or lower case; both are accepted.
"""

from __future__ import annotations

import re

from ...core.accounts import Account
from ..base import md5_hex, same
from .codes import SmsgwError

LINE_BREAKS = re.compile(r"[\r\n]")


def digest_material(action: str, params: dict[str, str], secret: str) -> str:
    """The text whose MD5 is the encrypted password for ``action``."""
    extno = params.get("extno", "")
    if action == "send":
        return secret + extno + params.get("content", "") + params.get("mobile", "")
    if action == "p2p":
        return secret + extno + LINE_BREAKS.sub("", params.get("mobileContentList", ""))
    return secret


def make_password(action: str, params: dict[str, str], secret: str) -> str:
    """The encrypted password a client computes (lowercase hex)."""
    return md5_hex(digest_material(action, params, secret))


def password_ok(action: str, params: dict[str, str], secret: str) -> bool:
    given = params.get("password", "").strip()
    if not given:
        return False
    if same(given, secret):
        return True
    return len(given) == 32 and same(given.lower(), make_password(action, params, secret))


def authenticate(
    action: str, params: dict[str, str], account: Account | None, remote: str | None, http_enabled: bool
) -> Account:
    """Check credentials in the gateway's order: account, source address, password, state, access point."""
    if not params.get("account", "").strip() or not params.get("password", "").strip():
        raise SmsgwError(3)
    if account is None:
        raise SmsgwError(3)
    if not account.ip_allowed(remote):
        raise SmsgwError(2)
    if not password_ok(action, params, account.secret):
        raise SmsgwError(3)
    if not account.enabled:
        raise SmsgwError(7)
    if not http_enabled:
        raise SmsgwError(6)
    return account
