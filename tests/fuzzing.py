"""What the vendors' fuzz tests share: the generic kinds of junk text, odd charsets, URL limits."""

from __future__ import annotations

import random
from urllib.parse import quote

# The app accepts request lines up to 64 KB; GETs longer than this are sent as POSTs instead.
MAX_URL = 60_000
# Charsets a form body may claim: real ones, aliases, codecs that are not charsets, nonsense, none.
CHARSETS = ["utf-8", "utf8", "gbk", "latin-1", "utf-16", "idna", "nonsense", "base64", ""]
GENERIC_KINDS = 3  # kinds 0..2 of every vendor's generator are these


def generic_junk(rng: random.Random, kind: int, int_digits: int = 30) -> str:
    """Kind 0: empty; 1: random Unicode (CJK, symbols, controls); 2: an integer of up to ``int_digits``."""
    if kind == 0:
        return ""
    if kind == 1:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    return str(rng.randrange(-(10**int_digits), 10**int_digits))


def encode_query(pairs: list[tuple[str, str]]) -> str:
    """A query string that keeps repeated keys and lone surrogates (as a broken client would send)."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='', errors='surrogatepass')}" for k, v in pairs)
