"""The form parser of the vendors' send paths (``vendors.base.parse_form``) gives exactly what
``urllib.parse.parse_qsl(keep_blank_values=True)`` gives: real clients' bodies depend on its decoding
(``+``, stray ``%``, broken UTF-8, other charsets)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.vendors.base import form_unquote, parse_form

# the characters that matter to the parser, and some others (ASCII and not)
SPECIAL = ["%", "&", "=", "+", ";", " ", "%E4", "%b8", "%2", "%%"]
PIECES = st.sampled_from([*SPECIAL, "a", "Z", "0", "9", "f", "F", "g", "é", "中", "\udcff"])
TEXT = st.lists(PIECES | st.text(max_size=4), max_size=30).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "gbk", "latin-1", "ascii", "utf-16"])


@settings(max_examples=2000, deadline=None)
@given(TEXT, ENCODINGS)
def test_parse_form_is_parse_qsl(text: str, encoding: str) -> None:
    assert parse_form(text, encoding) == parse_qsl(
        text, keep_blank_values=True, encoding=encoding, errors="replace"
    )


@settings(max_examples=1000, deadline=None)
@given(st.text(), ENCODINGS, st.sampled_from(["replace", "strict", "ignore"]))
def test_quoted_text_decodes_as_unquote(text: str, encoding: str, errors: str) -> None:
    quoted = quote(text.encode("utf-8", "surrogatepass"), safe="&=+")
    try:
        expected = unquote(quoted, encoding, errors)
    except UnicodeDecodeError:
        expected = None
    try:
        got = form_unquote(quoted, encoding, errors)
    except UnicodeDecodeError:
        got = None
    assert got == expected


def test_examples() -> None:
    body = "userid=1&msgcontent=%E3%80%90%E6%B5%8B%E8%AF%95%E3%80%91ok+go&x&=v&a=%zz%4&b=%%41&&"
    assert parse_form(body) == parse_qsl(body, keep_blank_values=True)
    assert dict(parse_form(body))["msgcontent"] == "【测试】ok go"
    assert parse_form("a=%D6%D0", "gbk") == [("a", "中")]
