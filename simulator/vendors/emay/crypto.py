"""The secure interface's transport: AES/ECB/PKCS5Padding with the secretKey, gzip before encryption.

Decompression is capped (``limit`` bytes) so a gzip bomb costs nothing; every failure is a
:class:`CryptoError`, which the caller turns into the vendor's code.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

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


@lru_cache(maxsize=1024)
def _contexts(secret: str, thread: int) -> tuple[CipherContext, CipherContext]:
    """An encryptor and a decryptor per secretKey and thread, fed whole blocks only and never finalized:
    ECB keeps nothing from one block to the next, so each update gives what a fresh context would
    (making a cipher and its two contexts was ~8% of the sendSingleSMS path).  Per thread: a context
    refuses to be used by two threads at once (the pytest plugin runs servers on threads)."""
    cipher = Cipher(algorithms.AES(key_bytes(secret)), modes.ECB())
    return cipher.encryptor(), cipher.decryptor()


def encrypt(data: bytes, secret: str) -> bytes:
    pad = 16 - len(data) % 16  # PKCS#5/7: 1 to 16 bytes, each the count
    return _contexts(secret, threading.get_ident())[0].update(data + bytes((pad,)) * pad)


def decrypt(data: bytes, secret: str) -> bytes:
    if not data or len(data) % 16:
        raise CryptoError("the body is not a whole number of AES blocks")
    padded = _contexts(secret, threading.get_ident())[1].update(data)
    pad = padded[-1]  # PKCS#5/7: the last byte says how many bytes of padding, each that count
    if not 1 <= pad <= 16 or padded[-pad:] != bytes((pad,)) * pad:
        raise CryptoError("bad padding (wrong key?)")
    return padded[:-pad]


def compress(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


CHUNK = 1024  # input fed to zlib at a time: what it copies into ``unused_data`` stays this small


def decompress(data: bytes, limit: int) -> bytes:
    """gunzip at most ``limit`` bytes; concatenated members are read like Java's GZIPInputStream.

    Linear in the input: the data is fed in ``CHUNK`` pieces, so the end of a member never copies the
    rest of the body (a body of many empty members took quadratic time: 4 MB froze the server 31 s)."""
    if not data:
        raise CryptoError("empty gzip data")
    out = bytearray()
    view = memoryview(data)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pos = 0
    pending = b""  # input zlib left over: the next member's start, or what max_length held back
    while pending or pos < len(view):
        if pending:
            piece, pending = pending, b""
        else:
            piece, pos = view[pos : pos + CHUNK], pos + CHUNK
        if d.eof:  # the previous member ended exactly at a chunk's end: the next one starts here
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += d.decompress(piece, limit - len(out) + 1)
        except zlib.error as exc:
            raise CryptoError(f"not gzip data: {exc}") from None
        if len(out) > limit:
            raise TooLarge(f"more than {limit} bytes once decompressed")
        if d.unconsumed_tail:
            pending = d.unconsumed_tail
        elif d.eof and d.unused_data:
            pending = d.unused_data
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if not d.eof:
        raise CryptoError("truncated gzip data")
    return bytes(out)
