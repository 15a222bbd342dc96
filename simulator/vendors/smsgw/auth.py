"""smsgw authentication: `account` + `password`, the password plain or MD5 as each action documents.

- send:    MD5(password + extno + content + mobile)
- p2p:     MD5(password + extno + mobileContentList), the list's line breaks (CR and LF) removed
- balance, report, mo: MD5(password)

The parameters are hashed exactly as they arrived (after form decoding).  The document does not say
whether the hex digest is upper or lower case; both are accepted.
"""

from __future__ import annotations

import re

from ...core import redact
from ...core.accounts import Account
from ..base import digest_refusal, disabled_account, dumps, md5_hex, same, unknown_account
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


FORMULAS = {
    "send": "md5(password + extno + content + mobile)",
    "p2p": "md5(password + extno + mobileContentList without line breaks)",
}


def password_diagnosis(action: str, params: dict[str, str], secret: str) -> str:
    """Why a password was refused: the string hashed (the password shown as ``<password>``), the MD5
    expected, what was sent (a plain password that is not the account's shown masked)."""
    given = params.get("password", "").strip()
    expected = make_password(action, params, secret)
    material = digest_material(action, params, "<password>")
    if redact.is_digest(given):
        why = "they differ: check the password and that exactly these values are hashed, as they arrived"
    else:
        given = redact.MASK
        why = "a plain password was sent and it is not the account's (the MD5 above is also accepted)"
    return digest_refusal(
        "password", FORMULAS.get(action, "md5(password)"), f"md5({dumps(material)})", expected, given, why
    )


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
    name = params.get("account", "").strip()
    if not name or not params.get("password", "").strip():
        absent = " and ".join(k for k in ("account", "password") if not params.get(k, "").strip())
        raise SmsgwError(3).because(f"required parameter(s) missing or empty: {absent}")
    if account is None:
        raise SmsgwError(3).because(unknown_account("account", name))
    if not account.ip_allowed(remote):
        raise SmsgwError(2).because(account.ip_refusal(remote))
    if not password_ok(action, params, account.secret):
        raise SmsgwError(3).because(password_diagnosis(action, params, account.secret))
    if not account.enabled:
        raise SmsgwError(7).because(disabled_account(account))
    if not http_enabled:
        raise SmsgwError(6).because(f"account {account.id} has options.http_enabled: false")
    return account
