"""The secure interface's transport: AES/ECB/PKCS5Padding with the secretKey, gzip before encryption.

Decompression is capped (``limit`` bytes) so a gzip bomb costs nothing; every failure is a
:class:`CryptoError`, which the caller turns into the vendor's code.
"""

from __future__ import annotations

import gzip
import zlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_SIZES = (16, 24, 32)


class CryptoError(Exception):
    pass


class TooLarge(CryptoError):
    pass


def key_bytes(secret: str) -> bytes:
    """Java's ``secretKey.getBytes()``: 16, 24 or 32 bytes select AES-128/192/256."""
    key = secret.encode("utf-8")
    if len(key) not in KEY_SIZES:
        raise CryptoError(f"a secretKey of {len(key)} bytes is not an AES key (16, 24 or 32)")
    return key


def encrypt(data: bytes, secret: str) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(key_bytes(secret)), modes.ECB()).encryptor()
    return enc.update(padded) + enc.finalize()


def decrypt(data: bytes, secret: str) -> bytes:
    if not data or len(data) % 16:
        raise CryptoError("the body is not a whole number of AES blocks")
    dec = Cipher(algorithms.AES(key_bytes(secret)), modes.ECB()).decryptor()
    padded = dec.update(data) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise CryptoError("bad padding (wrong key?)") from None


def compress(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def decompress(data: bytes, limit: int) -> bytes:
    """gunzip at most ``limit`` bytes; concatenated members are read like Java's GZIPInputStream."""
    out = bytearray()
    rest = data
    if not rest:
        raise CryptoError("empty gzip data")
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, limit - len(out) + 1)
        except zlib.error as exc:
            raise CryptoError(f"not gzip data: {exc}") from None
        out += chunk
        if len(out) > limit or d.unconsumed_tail:
            raise TooLarge(f"more than {limit} bytes once decompressed")
        if not d.eof:
            raise CryptoError("truncated gzip data")
        rest = d.unused_data
    return bytes(out)
