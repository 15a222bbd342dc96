"""mobset authentication (§3.2): CorpID, LoginName, TimeStamp and SecretKey = MD5(CorpID+Password+TimeStamp).

- The SecretKey is 32 hex characters in either case; it is computed over the TimeStamp exactly as sent.
- TimeStamp is Beijing time, 14 digits ``yyyyMMddHHmmss`` as documented, or the 10 digits ``MMddHHmmss``
  the document's own examples and most real clients send.  A 10-digit stamp has no year: it is read in
  the year (the current one, the one before or the one after) that puts it nearest to the server clock,
  so ``1231235955`` sent a few seconds before the new year is still fresh just after it.
- It must be within 20 minutes (either side) of the server clock (``sim.clock.auth_now()``); a stale
  stamp gets -109 (校验用户失败), a malformed one -102.  The zones and window are the vendor's
  timestamp policy (``timestamp_zones``, default Beijing only; ``timestamp_window``); a refusal is
  explained through ``note`` (the request journal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ...core.accounts import Account
from ..base import (
    BEIJING,
    TimestampSettings,
    check_wall_clock,
    digest_refusal,
    md5_hex,
    no_note,
    parse_wall,
    same,
    short,
    unknown_account,
)
from .codes import MobsetError, missing

TIME_WINDOW = 20 * 60  # seconds either side of the server clock
POLICY = TimestampSettings(timestamp_zones=["beijing"], timestamp_window=TIME_WINDOW)  # §3.2
FIXED = ("CorpID", "LoginName", "TimeStamp", "SecretKey")


def make_secret(corp_id: str, password: str, timestamp: str) -> str:
    return md5_hex(f"{corp_id}{password}{timestamp}")


def secret_diagnosis(creds: Credentials, expected: str) -> str:
    """Why a SecretKey was refused, the password shown as ``<password>``."""
    return digest_refusal(
        "SecretKey",
        "md5(CorpID + Password + TimeStamp)",
        f'md5("{creds.corp_id}<password>{creds.timestamp}")',
        expected,
        creds.secret_key,
        "they differ: check the password and that TimeStamp is hashed exactly as sent",
    )


def parse_stamp(text: str, now: float) -> datetime | None:
    """The wall-clock time (no zone) of a 14- or 10-digit TimeStamp, or None when it is not one.  A
    10-digit stamp gets the year that puts it nearest ``now`` on the Beijing calendar."""
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) == 14:
        return parse_wall(text, "%Y%m%d%H%M%S")
    if len(text) != 10:
        return None
    year = datetime.fromtimestamp(now, BEIJING).year
    candidates = [c for y in (year - 1, year, year + 1) if (c := parse_wall(f"{y}{text}", "%Y%m%d%H%M%S"))]
    if not candidates:  # 0229 outside a leap year, month 13…
        return None
    return min(candidates, key=lambda c: abs(c.replace(tzinfo=BEIJING).timestamp() - now))


def parse_timestamp(text: str, now: float) -> float | None:
    """Epoch seconds of a 14- or 10-digit TimeStamp read as Beijing time, or None when it is not one."""
    stamp = parse_stamp(text, now)
    return None if stamp is None else stamp.replace(tzinfo=BEIJING).timestamp()


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
    creds: Credentials,
    account: Account | None,
    now: float,
    remote: str | None,
    policy: TimestampSettings = POLICY,
    note: Callable[[str], None] = no_note,
) -> Account:
    """The platform's order: enterprise, user, SDK permission, IP, stamp format, key, stamp freshness."""
    if account is None:
        raise MobsetError(-107).because(unknown_account("CorpID", creds.corp_id))
    if not account.enabled or account.options.status == "closed":
        state = "disabled (enabled: false)" if not account.enabled else "closed (options.status)"
        raise MobsetError(-107).because(f"enterprise {account.id} is {state}")
    opts = account.options
    if opts.login_name and creds.login_name != opts.login_name:
        raise MobsetError(-103).because(
            f"LoginName {short(creds.login_name)} is not account {account.id}'s ({opts.login_name!r})"
        )
    if not opts.sdk_enabled:
        raise MobsetError(-104).because(f"account {account.id} has options.sdk_enabled: false")
    if not account.ip_allowed(remote):
        raise MobsetError(-106).because(account.ip_refusal(remote))
    stamp = parse_stamp(creds.timestamp, now)
    if stamp is None:
        why = f"TimeStamp {short(creds.timestamp)} refused: not a date as yyyyMMddHHmmss or MMddHHmmss"
        note(why)
        raise missing("TimeStamp", why)
    expected = make_secret(creds.corp_id, account.secret, creds.timestamp)
    if not same(creds.secret_key.lower(), expected):
        raise MobsetError(-105).because(secret_diagnosis(creds, expected))
    check = check_wall_clock(
        stamp, policy.timestamp_zones, policy.timestamp_window, now, name="TimeStamp", shown=creds.timestamp
    )
    if check.explanation:
        note(check.explanation)
    if not check.ok:
        raise MobsetError(-109).because(check.explanation)
    return account
