"""huawei send-API authentication: X-WSSE (UsernameToken) and the "special AK/SK" SDK-HMAC-SHA256 scheme.

X-WSSE (seed §3.2.1.1)::

    Authorization: WSSE realm="SDP",profile="UsernameToken",type="Appkey"
    X-WSSE: UsernameToken Username="<app_key>",PasswordDigest="…",Nonce="…",Created="2018-05-26T00:35:30Z"

``PasswordDigest = Base64(SHA256(Nonce + Created + app_secret))``.  Huawei's Python/PHP/Java demos
Base64 the *hex string* of the digest (the seed's sample decodes to 64 hex characters); the Node demo
and some SDKs Base64 the raw 32 bytes.  Both are accepted.

Special AK/SK: ``Authorization: SDK-HMAC-SHA256 Access=<app_key>, SignedHeaders=…, Signature=…`` with
``X-Sdk-Date: yyyyMMddTHHmmssZ``, verified with :mod:`.apig` using the app_secret as the key.

Order of checks (each with its own code): header syntax → app_key (E000102) → app_key usable
(E000103) → IP allow-list (E000620) → freshness (E000110 / E000044) → digest or signature
(E000105 / E000045) → nonce replay (E000101).

``Created`` and ``X-Sdk-Date`` carry their zone (``Z``, the document's UTC), so the wall-clock timestamp
policy of the zone-less vendors does not apply; a refusal, or a stamp accepted although it is whole hours
off (local time labelled ``Z``), is explained through ``note`` (the request journal).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ...core.accounts import Account
from ..base import bad_field, check_instant, digest_refusal, disabled_account, no_note, same, unknown_account
from . import apig
from .codes import HuaweiError

NONCES = "huawei.nonces"
MAX_NONCE = 128
_PAIR_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^,\s]*))')
_CREATED_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)


@dataclass
class Credentials:
    scheme: str  # "wsse" | "aksk"
    app_key: str
    nonce: str = ""
    created: float | None = None


def _pairs(text: str) -> dict[str, str]:
    """``key="value"`` pairs (comma or space separated); keys lowercased."""
    out: dict[str, str] = {}
    for m in _PAIR_RE.finditer(text):
        key = m.group(1).lower()
        out.setdefault(key, m.group(2) if m.group(2) is not None else m.group(3))
    return out


@functools.lru_cache(maxsize=256)  # a client's requests in the same second send the same Created
def parse_created(text: str) -> float | None:
    """``yyyy-MM-ddTHH:mm:ssZ`` (fractions and ±hh:mm offsets also taken); None when malformed."""
    m = _CREATED_RE.fullmatch(text.strip())
    if m is None:
        return None
    try:
        dt = datetime(*(int(g) for g in m.groups()[:6]), tzinfo=UTC)
    except ValueError:
        return None
    tz = (m.group(7) or "Z").upper()
    ts = dt.timestamp()
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        ts -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return ts


def password_digests(nonce: str, created: str, secret: str) -> tuple[str, str]:
    """The two accepted digests: Base64 of the SHA-256 hex string, and Base64 of the raw digest.

    Header bytes that are not UTF-8 reach us as surrogate escapes: hashed as the bytes the client sent."""
    h = hashlib.sha256((nonce + created + secret).encode("utf-8", "surrogateescape"))
    return (
        base64.b64encode(h.hexdigest().encode("ascii")).decode("ascii"),
        base64.b64encode(h.digest()).decode("ascii"),
    )


def wsse_headers(app_key: str, secret: str, nonce: str, created: str, raw: bool = False) -> dict[str, str]:
    """Headers a client sends (used by tests and by the CLI's signing helper)."""
    digest = password_digests(nonce, created, secret)[1 if raw else 0]
    return {
        "Authorization": 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"',
        "X-WSSE": (
            f'UsernameToken Username="{app_key}",PasswordDigest="{digest}",'
            f'Nonce="{nonce}",Created="{created}"'
        ),
    }


WSSE_FORM = (
    'Authorization: WSSE realm="SDP",profile="UsernameToken",type="Appkey" and X-WSSE: UsernameToken '
    'Username="<app_key>",PasswordDigest="<digest>",Nonce="<nonce>",Created="yyyy-MM-ddTHH:mm:ssZ"'
)


def digest_diagnosis(given: str, nonce: str, created: str, secret: str) -> str:
    """Why a PasswordDigest was refused, the app_secret shown as ``<app_secret>``."""
    hex_b64, raw_b64 = password_digests(nonce, created, secret)
    hex_digest = base64.b64decode(hex_b64).decode("ascii")
    return digest_refusal(
        "PasswordDigest",
        "Base64(SHA256(Nonce + Created + app_secret))",
        f'SHA256("{nonce}{created}<app_secret>") = {hex_digest}, Base64 of that hex string',
        f"{hex_b64} (Base64 of the raw 32 bytes, {raw_b64}, is accepted too)",
        given,
        "they differ: check the app_secret and that Nonce and Created are hashed exactly as sent",
    )


def _digest_ok(given: str, nonce: str, created: str, secret: str) -> bool:
    given = given.strip()
    hex_b64, raw_b64 = password_digests(nonce, created, secret)
    if same(given, hex_b64) or same(given, raw_b64):
        return True
    # a client that upper-cased the hex digest before Base64 still proves it knows the secret
    try:
        decoded = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected_hex = base64.b64decode(hex_b64).decode("ascii")
    return same(decoded.decode("latin-1").lower(), expected_hex)


@functools.lru_cache(maxsize=64)  # a send asks twice: to authenticate, then for the nonce to claim
def parse_wsse(authorization: str, x_wsse: str | None) -> tuple[str, str, str, str]:
    """(username, digest, nonce, created) from the two headers, or the E0000xx code of what is wrong."""
    text = authorization.strip()
    if not text.upper().startswith("WSSE"):
        raise HuaweiError("E000008")
    attrs = _pairs(text[4:])
    if "realm" not in attrs:
        raise HuaweiError("E000002")
    if "profile" not in attrs:
        raise HuaweiError("E000003")
    if "type" not in attrs:
        raise HuaweiError("E000007")
    if attrs["realm"] != "SDP":
        raise HuaweiError("E000004")
    if attrs["profile"] != "UsernameToken":
        raise HuaweiError("E000005")
    if attrs["type"].lower() != "appkey":
        raise HuaweiError("E000006")
    if x_wsse is None or not x_wsse.strip():
        raise HuaweiError("E000020")
    token = x_wsse.strip()
    if not token.startswith("UsernameToken"):
        raise HuaweiError("E000026")
    fields = _pairs(token[len("UsernameToken") :])
    username = fields.get("username")
    if not username:
        raise HuaweiError("E000021")
    nonce = fields.get("nonce")
    if not nonce:
        raise HuaweiError("E000022")
    created = fields.get("created")
    if not created:
        raise HuaweiError("E000023")
    digest = fields.get("passworddigest")
    if not digest:
        raise HuaweiError("E000024")
    if len(nonce) > MAX_NONCE:
        raise HuaweiError("E000027").because(f"Nonce is {len(nonce)} characters; at most {MAX_NONCE}")
    return username, digest, nonce, created


def check_account(account: Account | None, remote: str | None, app_key: str = "") -> Account:
    if account is None:
        raise HuaweiError("E000102").because(unknown_account("app_key", app_key))
    if not account.enabled:
        raise HuaweiError("E000103").because(disabled_account(account))
    if not account.ip_allowed(remote):
        raise HuaweiError("E000620").because(account.ip_refusal(remote))
    return account


@dataclass
class Policy:
    wsse_window: float  # seconds either side for Created
    aksk_window: float  # seconds either side for X-Sdk-Date
    replay_check: bool  # refuse a nonce already used inside the window
    max_nonces: int = 100_000  # nonces remembered at most (the oldest forgotten first)


def authenticate_wsse(
    headers: Mapping[str, str],
    lookup: Callable[[str], Account | None],
    now: float,
    remote: str | None,
    policy: Policy,
    nonces: dict[tuple[str, str], float] | None,
    note: Callable[[str], None] = no_note,
) -> Account:
    try:
        username, digest, nonce, created_text = parse_wsse(
            headers.get("Authorization", ""), headers.get("X-WSSE")
        )
    except HuaweiError as err:
        raise err.because(err.diagnosis or f"{err.message} The simulator expects {WSSE_FORM}") from None
    created = parse_created(created_text)
    if created is None:
        raise HuaweiError("E000025").because(bad_field("Created", created_text, "yyyy-MM-ddTHH:mm:ssZ (UTC)"))
    account = check_account(lookup(username), remote, username)
    check = check_instant(created, policy.wsse_window, now, name="Created", shown=created_text, expects="utc")
    if check.explanation:
        note(check.explanation)
    if not check.ok:
        raise HuaweiError("E000110").because(check.explanation)
    if not _digest_ok(digest, nonce, created_text, account.secret):
        raise HuaweiError("E000105").because(digest_diagnosis(digest, nonce, created_text, account.secret))
    if policy.replay_check and nonces is not None:
        _forget_expired(nonces, now)
        key = (account.id, nonce)
        expires = nonces.get(key)
        if expires is not None and expires > now:
            raise nonce_replayed(account.id, nonce, policy.wsse_window)
        nonces.pop(key, None)  # re-insert at the end so the dict stays in expiry order
        nonces[key] = now + policy.wsse_window
        while len(nonces) > policy.max_nonces:  # all still valid: forget the oldest (bounded memory)
            del nonces[next(iter(nonces))]
    return account


def nonce_replayed(app_key: str, nonce: str, window: float) -> HuaweiError:
    """E000101 for a nonce used again within the window, with its diagnosis."""
    return HuaweiError("E000101", "Authentication failed. (nonce already used)").because(
        f"Nonce {nonce!r} was already used by app_key {app_key} within the last {window:g} s (replay_check): "
        "send a new random Nonce with every request"
    )


def _forget_expired(nonces: dict[tuple[str, str], float], now: float) -> None:
    """Drop expired nonces from the front: entries are added in expiry order (now + a fixed window), so
    each request costs O(expired) instead of a scan of every nonce seen in the last 24 hours."""
    while nonces:
        key = next(iter(nonces))
        if nonces[key] > now:
            return
        del nonces[key]


def verify_aksk(
    headers: Mapping[str, str],
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    body: bytes,
    secret_for: Callable[[str], str | None],
    now: float,
    window: float = 900.0,
    note: Callable[[str], None] = no_note,
) -> str:
    """Check an SDK-HMAC-SHA256 request; returns the Access key.  Raises HuaweiError E000041-E000045,
    or E000102 when ``secret_for(access)`` knows no such key.  Usable for any API-gateway style API."""
    sdk_date = headers.get("X-Sdk-Date")
    if sdk_date is None or not sdk_date.strip():
        raise HuaweiError("E000041").because("the X-Sdk-Date header (yyyyMMddTHHmmssZ, UTC) is missing")
    sdk_date = sdk_date.strip()
    signed_at = apig.parse_sdk_date(sdk_date)
    if signed_at is None:
        raise HuaweiError("E000042").because(bad_field("X-Sdk-Date", sdk_date, "yyyyMMddTHHmmssZ (UTC)"))
    authorization = headers.get("Authorization", "")
    auth = apig.parse_authorization(authorization)
    if auth is None or auth.algorithm != apig.ALGORITHM or not auth.access or not auth.signed_headers:
        raise HuaweiError("E000043").because(
            bad_field(
                "Authorization",
                authorization,
                f"{apig.ALGORITHM} Access=<key>, SignedHeaders=<a;b>, Signature=<hex>",
            )
        )
    secret = secret_for(auth.access)
    if secret is None:
        raise HuaweiError("E000102").because(
            f"Access {auth.access!r} is none of the configured access keys (vendors.huawei.access_keys)"
        )
    check = check_instant(signed_at, window, now, name="X-Sdk-Date", shown=sdk_date, expects="utc")
    if check.explanation:
        note(check.explanation)
    if not check.ok:
        raise HuaweiError("E000044").because(check.explanation)
    refusal = apig.verify(secret, auth, method, path, query, headers, body, sdk_date)
    if refusal is not None:
        raise HuaweiError("E000045").because(refusal)
    return auth.access


def is_aksk(authorization: str) -> bool:
    return authorization.strip().upper().startswith("SDK-")


def authenticate(
    headers: Mapping[str, str],
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    body: bytes,
    lookup: Callable[[str], Account | None],
    now: float,
    remote: str | None,
    policy: Policy,
    nonces: dict[tuple[str, str], float] | None,
    note: Callable[[str], None] = no_note,
) -> Account:
    """Authenticate a send request with whichever scheme its Authorization header names."""
    authorization = headers.get("Authorization")
    if authorization is None or not authorization.strip():
        raise HuaweiError("E000001").because(
            f"the Authorization header is missing: send X-WSSE ({WSSE_FORM}) or an {apig.ALGORITHM} signature"
        )
    if not is_aksk(authorization):
        return authenticate_wsse(headers, lookup, now, remote, policy, nonces, note)

    found: dict[str, Account] = {}

    def secret_for(access: str) -> str | None:
        account = check_account(lookup(access), remote, access)
        found["account"] = account
        return account.secret

    verify_aksk(headers, method, path, query, body, secret_for, now, policy.aksk_window, note)
    return found["account"]
