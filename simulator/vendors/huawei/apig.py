"""Huawei API-gateway request signing, "SDK-HMAC-SHA256" (as huaweicloudsdkcore's Signer does it).

CanonicalRequest = METHOD \n CanonicalURI (each segment url-encoded, trailing '/') \n CanonicalQuery
(sorted key=value, url-encoded) \n CanonicalHeaders (lowercase name:trimmed value, one per line, of the
signed headers) \n SignedHeaders (lowercase, ';'-joined) \n hex(SHA256(body)) — or the value of
X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD) when present, or the empty-body hash.
StringToSign = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA256(CanonicalRequest)).
Signature = hex(HMAC-SHA256(secret, StringToSign)).
Authorization: SDK-HMAC-SHA256 Access=<key>, SignedHeaders=<a;b>, Signature=<hex>

Used for the send API's "special AK/SK" scheme, the management API's AK/SK auth, and to sign
status-report pushes (seed §4.3) so customers can verify them with the same algorithm.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ..base import parse_time

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
CONTENT_HEADER = "x-sdk-content-sha256"
_AUTH_RE = re.compile(
    r"^\s*(?P<alg>[A-Za-z0-9-]+)\s+Access=(?P<access>[^,\s]*)\s*,\s*SignedHeaders=(?P<signed>[^,\s]*)\s*,"
    r"\s*Signature=(?P<sig>[0-9A-Fa-f]*)\s*$"
)


def _enc(s: str) -> str:
    return quote(s, safe="~")


def canonical_uri(path: str) -> str:
    uri = "/".join(_enc(p) for p in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(pairs))


def canonical_headers(headers: Mapping[str, str], signed: list[str]) -> str:
    lower = {k.lower(): str(v).strip() for k, v in headers.items()}
    return "".join(f"{h}:{lower.get(h, '')}\n" for h in signed)


def payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    for k, v in headers.items():
        if k.lower() == CONTENT_HEADER:
            return v
    return hashlib.sha256(body).hexdigest() if body else EMPTY_HASH


def canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    signed: list[str],
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload_hash(headers, body),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    # header bytes that are not UTF-8 arrive as surrogate escapes: hash the bytes the client signed
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(
    secret: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    signed: list[str],
    sdk_date: str,
) -> str:
    return _hmac(
        secret, string_to_sign(canonical_request(method, path, query, headers, body, signed), sdk_date)
    )


def _hmac(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Authorization:
    algorithm: str
    access: str
    signed_headers: list[str]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    m = _AUTH_RE.match(value or "")
    if m is None:
        return None
    signed = [h for h in m.group("signed").lower().split(";") if h]
    return Authorization(m.group("alg"), m.group("access"), signed, m.group("sig").lower())


def parse_sdk_date(value: str) -> float | None:
    return parse_time(value, DATE_FORMAT, UTC) if isinstance(value, str) else None


def verify(
    secret: str,
    auth: Authorization,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    sdk_date: str,
) -> str | None:
    """None when the signature is right; else why it was refused: the canonical request and string to
    sign the simulator built and the signature it computed (the secret shown as ``<secret>``)."""
    canonical = canonical_request(method, path, query, headers, body, auth.signed_headers)
    to_sign = string_to_sign(canonical, sdk_date)
    expected = _hmac(secret, to_sign)
    if hmac.compare_digest(expected, auth.signature):
        return None
    return (
        f"Signature refused: the simulator computed hex(HMAC-SHA256(<secret>, StringToSign)) = {expected}, "
        f"the request sent {auth.signature}; CanonicalRequest = {canonical!r}; StringToSign = {to_sign!r}; "
        "compare them with what the client signed (method, path with its trailing '/', sorted query, "
        "the SignedHeaders' values, the body's SHA-256)"
    )


def sign_headers(
    key: str, secret: str, method: str, url: str, headers: dict[str, str], body: bytes, now: float
) -> dict[str, str]:
    """Headers (X-Sdk-Date, Host, Authorization added) for an outgoing request signed with key/secret."""
    parts = urlsplit(url)
    out = dict(headers)
    out["X-Sdk-Date"] = datetime.fromtimestamp(now, UTC).strftime(DATE_FORMAT)
    out.setdefault("Host", parts.netloc)
    signed = sorted(k.lower() for k in out if "_" not in k)
    query = parse_qsl(parts.query, keep_blank_values=True)
    sig = signature(secret, method, parts.path or "/", query, out, body, signed, out["X-Sdk-Date"])
    out["Authorization"] = f"{ALGORITHM} Access={key}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return out
