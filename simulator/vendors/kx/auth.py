"""kx authentication: userid, ts (ms, 5 minutes either side) and sign = md5(userid + ts + apikey).

The sign must be 32 lowercase hex characters; an uppercase sign is a sign failure (code 6), as the
document insists on lowercase.

``ts`` is epoch milliseconds: it carries no zone, so the wall-clock timestamp policy does not apply; a
refusal is explained (the skew) through ``note`` (the request journal).
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.accounts import Account
from ..base import (
    check_instant,
    digest_refusal,
    disabled_account,
    md5_hex,
    no_note,
    same,
    short,
    unknown_account,
)
from .codes import KxError

TS_WINDOW_MS = 5 * 60 * 1000


def make_sign(userid: str, ts: str, apikey: str) -> str:
    return md5_hex(f"{userid}{ts}{apikey}")


def check_ts(
    ts: str, now_ms: float, window_ms: float = TS_WINDOW_MS, note: Callable[[str], None] = no_note
) -> None:
    if not ts.isascii() or not ts.isdigit() or len(ts) > 15:
        why = f"ts {short(ts)} refused: not epoch milliseconds"
        note(why)
        raise KxError("14").because(why)
    skew_ms = int(ts) - now_ms  # in whole milliseconds first, so the window's edge is exact
    check = check_instant(skew_ms / 1000, window_ms / 1000, 0.0, name="ts", shown=ts)
    if not check.ok:
        note(check.explanation)
        raise KxError("14").because(check.explanation)


def sign_diagnosis(userid: str, ts: str, sign: str, expected: str) -> str:
    """Why a sign was refused, with the apikey shown as ``<apikey>``."""
    why = (
        "it is the right digest in uppercase: send it in lowercase hex"
        if sign.lower() == expected
        else "they differ: check the apikey and that the sign is made of exactly these three values"
    )
    return digest_refusal(
        "sign", "md5(userid + ts + apikey)", f'md5("{userid}{ts}<apikey>")', expected, sign, why
    )


def authenticate(
    params: dict[str, str],
    account: Account | None,
    now_ms: float,
    remote: str | None,
    http_enabled: bool,
    note: Callable[[str], None] = no_note,
) -> Account:
    """Check a request's credentials in the platform's order: presence, user, permission, IP, ts, sign."""
    userid, ts, sign = (
        params.get("userid", "").strip(),
        params.get("ts", "").strip(),
        params.get("sign", "").strip(),
    )
    if not userid or not ts or not sign:
        absent = [k for k, v in (("userid", userid), ("ts", ts), ("sign", sign)) if not v]
        raise KxError("2").because(f"required parameter(s) missing or empty: {', '.join(absent)}")
    if account is None:
        raise KxError("4").because(unknown_account("userid", userid))
    if not account.enabled:
        raise KxError("5").because(disabled_account(account))
    if not http_enabled:
        raise KxError("5").because(f"account {userid} has options.http_enabled: false")
    if not account.ip_allowed(remote):
        raise KxError("7").because(account.ip_refusal(remote))
    check_ts(ts, now_ms, note=note)
    expected = make_sign(userid, ts, account.secret)
    if not same(sign, expected):
        raise KxError("6").because(sign_diagnosis(userid, ts, sign, expected))
    return account
