"""The journal's masking shortcuts change nothing: a body ``untouched`` says needs no look is one the
full masking leaves as it is, whatever its bytes (invalid UTF-8 included)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core import redact

SECRETS = st.lists(st.sampled_from(["kxdemoapikey0001", "pass word/+é中12", "0123456789ABCDEF", "short"]))
PIECES = st.sampled_from(
    [b"kxdemoapikey0001", b"pass%20word%2F%2B", b"apikey=", b'"password"', b"\xe4\xb8", b"\xad", b"=", b"&"]
)
BODIES = st.lists(PIECES | st.binary(max_size=6), max_size=12).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(BODIES, SECRETS)
def test_an_untouched_body_is_one_masking_leaves_alone(body: bytes, secrets: list[str]) -> None:
    forms = redact.secret_forms(tuple(secrets))
    names, keys = ("apikey", "password"), ("password",)
    masked = redact.mask_bytes(
        body, lambda t: redact.mask_json(redact.mask_forms(redact.mask_form(t, names), forms), keys)
    )
    if redact.untouched(body, forms, names, keys):
        assert masked is body
    assert redact.found(forms, body.decode("utf-8", "surrogateescape")) == any(
        f.encode() in body for f in forms
    )
