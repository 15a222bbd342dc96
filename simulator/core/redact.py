"""Mask plaintext passwords and keys in what the request journal keeps (``GET /_sim/requests``).

Signatures and digests (MD5/SHA values a client computes) stay visible: they are what one compares
when a signature is refused, and they do not give the secret away.  Masked values read ``***``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def is_digest(value: str) -> bool:
    """An MD5 in hex: a signature, not a plain password."""
    return HEX32.fullmatch(value) is not None


@functools.lru_cache(maxsize=64)
def _form_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    pattern = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?:(?<=^)|(?<=[&;]))({pattern})=([^&;]*)") if pattern else None


@functools.lru_cache(maxsize=64)
def _json_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    pattern = "|".join(re.escape(n) for n in names)
    return re.compile(rf'("(?:{pattern})"\s*:\s*)"(?:[^"\\]|\\.)*"') if pattern else None


@functools.lru_cache(maxsize=64)
def secret_forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """Each maskable secret as sent and URL-encoded (short or all-digit ones could be part of a phone
    number or other text: left alone)."""
    forms: dict[str, None] = {}
    for secret in secrets:
        if len(secret) < 10 or secret.isdigit():
            continue
        for form in (secret, quote(secret, safe=""), quote_plus(secret, safe="")):
            forms[form] = None
    return tuple(forms)


def mask_form(text: str, names: Iterable[str], keep: Callable[[str], bool] = lambda v: False) -> str:
    """``a=1&password=x`` → ``a=1&password=***`` for each name (exact, case-sensitive)."""
    names = tuple(names)
    if not text or not any(n + "=" in text for n in names):  # most requests: nothing to look at
        return text
    pattern = _form_pattern(names)
    if pattern is None:
        return text

    def sub(m: re.Match[str]) -> str:
        return m.group(0) if keep(m.group(2)) else f"{m.group(1)}={MASK}"

    return pattern.sub(sub, text)


def mask_json(text: str, names: Iterable[str]) -> str:
    """``"password": "x"`` → ``"password": "***"`` wherever the key appears (any depth)."""
    names = tuple(names)
    if not text or not any(f'"{n}"' in text for n in names):  # most bodies: no such key at all
        return text
    pattern = _json_pattern(names)
    return pattern.sub(rf'\1"{MASK}"', text) if pattern is not None else text


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """Every occurrence of a known secret (as sent, or URL-encoded) becomes ``***``."""
    return mask_forms(text, secret_forms(tuple(secrets)))


def found(forms: Iterable[str], text: str) -> bool:
    """Whether :func:`mask_forms` would mask anything in ``text``."""
    return any(form in text for form in forms)


def mask_forms(text: str, forms: Iterable[str]) -> str:
    """:func:`mask_secrets` with the secrets' forms already made (:func:`secret_forms`)."""
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


@functools.lru_cache(maxsize=64)
def _needles(forms: tuple[str, ...], names: tuple[str, ...], keys: tuple[str, ...]) -> tuple[bytes, ...]:
    texts = (*forms, *(n + "=" for n in names), *(f'"{k}"' for k in keys))
    try:
        return tuple(t.encode("utf-8") for t in texts)
    except UnicodeEncodeError:  # a secret that is no valid text (a lone surrogate): always look closer
        return (b"",)


def untouched(
    data: bytes | str, forms: tuple[str, ...], names: tuple[str, ...], keys: tuple[str, ...]
) -> bool:
    """Whether a recorded body surely holds nothing that masking with these secrets' ``forms``, form field
    ``names`` and JSON ``keys`` would change: none of them is in its bytes.  (UTF-8 resynchronises at
    every character, so a text is in the decoded body exactly when its encoding is in the bytes.)"""
    if not isinstance(data, bytes):
        return False
    return not any(needle in data for needle in _needles(forms, names, keys))


def mask_bytes(data: bytes | str, fn: Callable[[str], str]) -> bytes | str:
    """Apply a text masker to a recorded body (bytes decoded as UTF-8, undecodable bytes kept as is)."""
    if isinstance(data, str):
        return fn(data)
    if not data:
        return data
    text = data.decode("utf-8", errors="surrogateescape")
    out = fn(text)
    return data if out == text else out.encode("utf-8", errors="surrogateescape")
