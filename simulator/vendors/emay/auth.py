"""emay authentication.

Secure interface (§2.1): ``appId`` header → account; body = AES(secretKey)[gzip(JSON in ``encode``)];
``requestTime`` (ms) + ``requestValidPeriod`` (s) must lie in the future, and the same request body may
not be used twice while it is valid (both ERROR_REQUEST_NO_VALID: the document calls requestTime the
field that stops a request being submitted twice).

Simple interface and retrieveReport (§2.2, §2.4): ``appId``, ``timestamp`` (yyyyMMddHHmmss, no zone
in the document: read as Beijing time or UTC per ``timestamp_zones``, within ``timestamp_window``
seconds of now) and ``sign`` = md5(appId + secretKey + timestamp), hex in either case.

Timestamp refusals and a UTC timestamp accepted are explained through ``note`` (the request journal).

Both check, in order: appId (ERROR_APPID), client IP (ERROR_CLIENT_IP), request rate
(ERROR_OVER_SPEED), then their own fields.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...core.accounts import Account
from ..base import (
    TimestampSettings,
    check_wall_clock,
    digest_refusal,
    disabled_account,
    fmt_seconds,
    md5_hex,
    no_note,
    parse_wall,
    same,
    short,
    unknown_account,
    zone_hint,
)
from . import crypto
from .codes import EmayError


# -- rate limit -------------------------------------------------------------------------------------------
@dataclass
class Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """A token bucket per account on real time: ERROR_OVER_SPEED is about request rate, not the
    simulated carrier, so advancing the simulated clock neither fills nor drains it."""

    buckets: dict[str, Bucket] = field(default_factory=dict)

    def allow(self, account_id: str, rate: float, burst: int, now: float) -> bool:
        if rate <= 0:
            return True
        b = self.buckets.get(account_id)
        if b is None:
            b = self.buckets[account_id] = Bucket(float(burst), now)
        b.tokens = min(float(burst), b.tokens + max(0.0, now - b.at) * rate)
        b.at = now
        if b.tokens < 1.0:
            return False
        b.tokens -= 1.0
        return True


def check_account(
    account: Account | None, remote: str | None, limiter: RateLimiter, wall: float, app_id: str = ""
) -> Account:
    if account is None:
        raise EmayError("ERROR_APPID").because(unknown_account("appId", app_id))
    if not account.enabled:
        raise EmayError("ERROR_APPID").because(disabled_account(account))
    if not account.ip_allowed(remote):
        raise EmayError("ERROR_CLIENT_IP").because(account.ip_refusal(remote))
    opts = account.options
    if not limiter.allow(account.id, opts.rate_limit, opts.rate_burst, wall):
        raise EmayError("ERROR_OVER_SPEED").because(
            f"account {account.id} sent more than options.rate_limit {opts.rate_limit:g} requests a second "
            f"(burst {opts.rate_burst}, real time)"
        )
    return account


# -- secure interface ---------------------------------------------------------------------------------------
@dataclass
class SecureRequest:
    account: Account
    body: dict[str, Any]
    gzip: bool  # the response is gzipped too
    charset: str  # the ``encode`` header's charset (Python codec name), used for the response


# Python codecs that are text encodings by name but no character set a Java client could name (and that
# fail on arbitrary bytes or refuse errors="replace"): treated as unknown charsets.
NOT_CHARSETS = {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "charmap"}


@functools.lru_cache(maxsize=256)  # every secure request asks; names come from clients: bounded
def charset_of(header: str | None) -> str:
    """The ``encode`` header as a Python codec name; anything that is not a character set → ERROR_PARAMS."""
    name = (header or "").strip() or "UTF-8"
    try:
        info = codecs.lookup(name)
        ok = info._is_text_encoding and info.name not in NOT_CHARSETS  # base64, rot13, zlib… are not
        if ok:  # both directions must work on anything, as Java's String(bytes, cs) / getBytes(cs) do
            b"\xff\xfe\x80{}".decode(info.name, errors="replace")
            "中{}".encode(info.name, errors="replace")
    except (LookupError, ValueError, UnicodeError):
        ok = False
    if not ok:
        raise EmayError("ERROR_PARAMS", f"unknown encode {name!r}")
    return info.name


def gzip_on(header: str | None) -> bool:
    return (header or "").strip().lower() == "on"


def open_body(raw: bytes, secret: str, gzipped: bool, charset: str, limit: int) -> tuple[bytes, dict]:
    """Decrypt, gunzip and parse a secure body: (plaintext bytes, JSON object)."""
    if len(raw) > limit + 32:
        raise EmayError("ERROR_PARAMS", "request body too large").because(
            f"the body is {len(raw)} bytes; at most {limit} (store: max_body_bytes) plus padding"
        )
    recipe = "AES/ECB/PKCS5Padding with the account's secretKey <secretKey> as the key"
    try:
        data = crypto.decrypt(raw, secret)
    except crypto.CryptoError as exc:
        why = f"the {len(raw)}-byte body could not be decrypted ({recipe}): {exc}"
        raise EmayError("ERROR_ENCRYPTION", str(exc)).because(why) from None
    if gzipped:
        try:
            data = crypto.decompress(data, limit)
        except crypto.TooLarge:
            raise EmayError("ERROR_PARAMS", "request body too large once decompressed").because(
                f"the body decompresses to more than {limit} bytes (max_body_bytes)"
            ) from None
        except crypto.CryptoError as exc:
            why = f"the body decrypted, but the header gzip: on says it is gzip data and it is not: {exc}"
            raise EmayError("ERROR_ENCRYPTION", str(exc)).because(why) from None
    if len(data) > limit:
        raise EmayError("ERROR_PARAMS", "request body too large").because(
            f"the decrypted body is {len(data)} bytes; at most {limit} (max_body_bytes)"
        )
    # Like Java's new String(bytes, encode): undecodable bytes become U+FFFD, they do not fail.
    text = data.decode(charset, errors="replace").lstrip("\ufeff")
    try:
        body = json.loads(text)
    except ValueError:
        why = (
            "the body decrypted, but it is gzip data (it starts with 1f 8b): send the header gzip: on"
            if data[:2] == b"\x1f\x8b"
            else f"the body decrypted, but it is not JSON: {text[:60]!r}"
        )
        raise EmayError("ERROR_PARAMS", "the decrypted body is not JSON").because(why) from None
    except RecursionError:
        raise EmayError("ERROR_PARAMS", "the decrypted body nests too deeply") from None
    if not isinstance(body, dict):
        raise EmayError("ERROR_PARAMS", "the decrypted body is not a JSON object")
    # each level of nesting opens a bracket: a text with few of them is not walked (nearly every body)
    if text.count("{") + text.count("[") > MAX_DEPTH and too_deep(body, MAX_DEPTH):
        raise EmayError("ERROR_PARAMS", f"the decrypted body nests deeper than {MAX_DEPTH} levels")
    return data, body


MAX_DEPTH = 32  # JSON nesting accepted in a secure body (the deepest real one, sendBatchOnlySMS, has 3)


def too_deep(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests more than ``limit`` arrays/objects (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


JAVA_LONG = 2**63
JAVA_INT = 2**31


def _int(value: Any, bound: int) -> int | None:
    """A JSON number or numeric string as Jackson reads a Java long/int: ASCII digits, in range."""
    if isinstance(value, bool):
        return None
    n: int | None = None
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str):
        t = value.strip()
        digits = t[1:] if t[:1] in "-+" else t
        if digits.isascii() and digits.isdigit() and len(digits) <= 20:
            n = int(t)
    return n if n is not None and -bound <= n < bound else None


def check_validity(body: dict[str, Any], now_ms: float, note: Callable[[str], None] = no_note) -> float:
    """requestTime + requestValidPeriod * 1000 > now, else ERROR_REQUEST_NO_VALID; returns the expiry (ms)."""
    rt, period = _int(body.get("requestTime"), JAVA_LONG), _int(body.get("requestValidPeriod"), JAVA_INT)
    if rt is None or period is None:
        shown = {k: body.get(k) for k in ("requestTime", "requestValidPeriod")}
        raise EmayError("ERROR_PARAMS", "requestTime and requestValidPeriod are required integers").because(
            f"requestTime and requestValidPeriod must be integers (epoch ms, seconds); got {short(shown)}"
        )
    expires = rt + period * 1000
    if not expires > now_ms:
        skew = (rt - now_ms) / 1000
        hint = zone_hint(skew, None)
        why = (
            f"requestTime {rt} refused: skew {fmt_seconds(skew)} and requestValidPeriod {period} s "
            f"(accepted: requestTime + requestValidPeriod after now)" + (f"; {hint}" if hint else "")
        )
        note(why)
        raise EmayError("ERROR_REQUEST_NO_VALID").because(why)
    return expires


REPLAY = "emay.replay"  # store collection: request hash → expiry (epoch ms)


def replayed(valid: str) -> EmayError:
    """ERROR_REQUEST_NO_VALID for a request body accepted before and still valid, with its diagnosis."""
    return EmayError("ERROR_REQUEST_NO_VALID", "this request was already submitted").because(
        f"the same encrypted request was already accepted at this path and is still valid ({valid}): "
        "a new request needs a new requestTime"
    )


def replay_check(
    seen: dict[str, float],
    account_id: str,
    path: str,
    plaintext: bytes,
    expires_ms: float,
    now_ms: float,
    sweep: bool = False,
) -> str:
    """Remember each accepted request (account, path, plaintext) until its validity ends; refuse it
    again before then.  Expired entries at the front (the oldest: entries mostly expire in the order
    they came) are dropped on every call; ``sweep``: drop every expired entry first.  Returns the key it
    was kept under."""
    key = hashlib.sha256(account_id.encode() + b"\0" + path.encode() + b"\0" + plaintext).hexdigest()
    # dict.__getitem__: reading an expiry is not a change (a durable store's dict counts reads)
    if sweep:
        for k in [k for k in seen if dict.__getitem__(seen, k) <= now_ms]:
            del seen[k]
    else:
        while seen:
            oldest = next(iter(seen))
            if dict.__getitem__(seen, oldest) > now_ms:
                break
            del seen[oldest]
    exp = seen.get(key)
    if exp is not None and exp > now_ms:
        raise replayed(f"for {fmt_seconds((exp - now_ms) / 1000, False)} more")
    seen[key] = expires_ms
    return key


# -- simple interface ---------------------------------------------------------------------------------------
def make_sign(app_id: str, secret: str, timestamp: str) -> str:
    return md5_hex(f"{app_id}{secret}{timestamp}")


def check_timestamp(
    params: dict[str, str], now: float, policy: TimestampSettings, note: Callable[[str], None] = no_note
) -> None:
    """``timestamp`` read in the policy's zones within its window, else ERROR_TIMESTAMP."""
    ts = params.get("timestamp", "").strip()
    stamp = parse_wall(ts, "%Y%m%d%H%M%S") if len(ts) == 14 and ts.isascii() and ts.isdigit() else None
    if stamp is None:
        why = f"timestamp {short(ts)} refused: not a date as yyyyMMddHHmmss"
        note(why)
        raise EmayError("ERROR_TIMESTAMP").because(why)
    check = check_wall_clock(stamp, policy.timestamp_zones, policy.timestamp_window, now, shown=ts)
    if check.explanation:
        note(check.explanation)
    if not check.ok:
        raise EmayError("ERROR_TIMESTAMP").because(check.explanation)


def check_sign(
    params: dict[str, str],
    account: Account,
    now: float,
    policy: TimestampSettings,
    note: Callable[[str], None] = no_note,
) -> None:
    check_timestamp(params, now, policy, note)
    sign = params.get("sign", "").strip().lower()
    timestamp = params["timestamp"].strip()
    expected = make_sign(account.id, account.secret, timestamp)
    if not sign or not same(sign, expected):
        raise EmayError("ERROR_SIGN").because(
            digest_refusal(
                "sign",
                "md5(appId + secretKey + timestamp)",
                f'md5("{account.id}<secretKey>{timestamp}")',
                expected,
                params.get("sign", ""),
                "they differ: check the secretKey and that the timestamp is hashed exactly as sent",
            )
        )
