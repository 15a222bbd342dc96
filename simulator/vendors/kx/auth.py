"""kx authentication: userid, ts (ms, 5 minutes either side) and sign = md5(userid + ts + apikey).

The sign must be 32 lowercase hex characters; an uppercase sign is a sign failure (code 6), as the
document insists on lowercase.

``ts`` is epoch milliseconds: it carries no zone, so the wall-clock timestamp policy does not apply; a
refusal is explained (the skew) through ``note`` (the request journal).
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.accounts import Account
from ..base import check_instant, md5_hex, no_note, same
from .codes import KxError

TS_WINDOW_MS = 5 * 60 * 1000


def make_sign(userid: str, ts: str, apikey: str) -> str:
    return md5_hex(f"{userid}{ts}{apikey}")


def check_ts(
    ts: str, now_ms: float, window_ms: float = TS_WINDOW_MS, note: Callable[[str], None] = no_note
) -> None:
    if not ts.isascii() or not ts.isdigit() or len(ts) > 15:
        note(f"ts {ts!r} refused: not epoch milliseconds")
        raise KxError("14")
    skew_ms = int(ts) - now_ms  # in whole milliseconds first, so the window's edge is exact
    check = check_instant(skew_ms / 1000, window_ms / 1000, 0.0, name="ts", shown=ts)
    if not check.ok:
        note(check.explanation)
        raise KxError("14")


def sign_diagnosis(userid: str, ts: str, sign: str, expected: str) -> str:
    """Why a sign was refused, with the apikey shown as ``<apikey>``."""
    why = (
        "it is the right digest in uppercase: send it in lowercase hex"
        if sign.lower() == expected
        else "they differ: check the apikey and that the sign is made of exactly these three values"
    )
    return (
        f'sign refused: the simulator computed md5(userid + ts + apikey) = md5("{userid}{ts}<apikey>") = '
        f"{expected}, the request sent {sign}; {why}"
    )


def authenticate(
    params: dict[str, str],
    account: Account | None,
    now_ms: float,
    remote: str | None,
    http_enabled: bool,
    note: Callable[[str], None] = no_note,
    diagnose: Callable[[str], None] = no_note,
) -> Account:
    """Check a request's credentials in the platform's order: presence, user, permission, IP, ts, sign."""
    userid, ts, sign = (params.get(k, "").strip() for k in ("userid", "ts", "sign"))
    if not userid or not ts or not sign:
        raise KxError("2")
    if account is None:
        raise KxError("4")
    if not account.enabled or not http_enabled:
        raise KxError("5")
    if not account.ip_allowed(remote):
        raise KxError("7")
    check_ts(ts, now_ms, note=note)
    expected = make_sign(userid, ts, account.secret)
    if not same(sign, expected):
        diagnose(sign_diagnosis(userid, ts, sign, expected))
        raise KxError("6")
    return account
