"""mobset authentication (§3.2): CorpID, LoginName, TimeStamp and SecretKey = MD5(CorpID+Password+TimeStamp).

- The SecretKey is 32 hex characters in either case; it is computed over the TimeStamp exactly as sent.
- TimeStamp is Beijing time, 14 digits ``yyyyMMddHHmmss`` as documented, or the 10 digits ``MMddHHmmss``
  the document's own examples and most real clients send.  A 10-digit stamp has no year: it is read in
  the year (the current one, the one before or the one after) that puts it nearest to the server clock,
  so ``1231235955`` sent a few seconds before the new year is still fresh just after it.
- It must be within 20 minutes (either side) of the server clock (``sim.clock.auth_now()``); a stale
  stamp gets -109 (校验用户失败), a malformed one -102.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...core.accounts import Account
from ..base import BEIJING, md5_hex, same
from .codes import MobsetError, missing

TIME_WINDOW = 20 * 60  # seconds either side of the server clock
FIXED = ("CorpID", "LoginName", "TimeStamp", "SecretKey")


def make_secret(corp_id: str, password: str, timestamp: str) -> str:
    return md5_hex(f"{corp_id}{password}{timestamp}")


def parse_timestamp(text: str, now: float) -> float | None:
    """Epoch seconds of a 14- or 10-digit Beijing TimeStamp, or None when it is not one."""
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) == 14:
        try:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING).timestamp()
        except ValueError:
            return None
    if len(text) != 10:
        return None
    year = datetime.fromtimestamp(now, BEIJING).year
    candidates = []
    for y in (year - 1, year, year + 1):
        try:
            candidates.append(datetime.strptime(f"{y}{text}", "%Y%m%d%H%M%S").replace(tzinfo=BEIJING))
        except ValueError:  # 0229 outside a leap year, month 13…
            continue
    if not candidates:
        return None
    return min((c.timestamp() for c in candidates), key=lambda t: abs(t - now))


@dataclass
class Credentials:
    corp_id: str
    login_name: str
    timestamp: str
    secret_key: str


def credentials(params: dict[str, str]) -> Credentials:
    """The fixed parameters, each required (-102 naming the first one missing)."""
    values = []
    for name in FIXED:
        v = params.get(name.lower(), "").strip()
        if not v:
            raise missing(name)
        values.append(v)
    return Credentials(*values)


def authenticate(
    creds: Credentials, account: Account | None, now: float, remote: str | None, window: float = TIME_WINDOW
) -> Account:
    """The platform's order: enterprise, user, SDK permission, IP, stamp format, key, stamp freshness."""
    if account is None or not account.enabled or account.options.status == "closed":
        raise MobsetError(-107)
    opts = account.options
    if opts.login_name and creds.login_name != opts.login_name:
        raise MobsetError(-103)
    if not opts.sdk_enabled:
        raise MobsetError(-104)
    if not account.ip_allowed(remote):
        raise MobsetError(-106)
    stamp = parse_timestamp(creds.timestamp, now)
    if stamp is None:
        raise missing("TimeStamp")
    if not same(creds.secret_key.lower(), make_secret(creds.corp_id, account.secret, creds.timestamp)):
        raise MobsetError(-105)
    if abs(stamp - now) > window:
        raise MobsetError(-109)
    return account
