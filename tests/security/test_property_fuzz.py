"""Property-based fuzzing (hypothesis) of every vendor endpoint and the admin API, over real HTTP
against a ``serve`` subprocess.

Property: every request gets an answer within the timeout that is a documented vendor error or a
4xx (never a 5xx), the server logs no traceback, and an admin request that is refused changes nothing.

Examples per test: ``SIM_FUZZ_EXAMPLES`` (default 60 in CI).  A long run, e.g.
``SIM_FUZZ_EXAMPLES=20000 .venv/bin/pytest tests/security/test_property_fuzz.py``; the vendors' seeded
fuzzers in tests/vendors/*/test_fuzz.py cover each vendor's fields in depth, this covers the
transport (bytes, encodings, headers, AES/gzip framing) and the routes none of them reach.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.app import create_app
from simulator.config import load_config
from simulator.vendors.emay import crypto

from .conftest import start

EXAMPLES = int(os.environ.get("SIM_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("SIM_FUZZ_RANDOM") is None,  # CI: the same examples every run
)
EMAY_KEY = "0123456789ABCDEF"


def vendor_paths() -> list[str]:
    app = create_app(load_config())
    paths = {
        r.resource.canonical
        for r in app.router.routes()
        if r.resource is not None and not r.resource.canonical.startswith("/_sim")
    }
    return sorted(p.replace("{code}", "abc").replace("{tail:.*}", "x") for p in paths)


VENDOR_PATHS = vendor_paths()
ADMIN_PATHS = [
    "/_sim/health",
    "/_sim/accounts",
    "/_sim/accounts/kx/100001",
    "/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1",
    "/_sim/messages",
    "/_sim/messages/x",
    "/_sim/messages/x/outcome",
    "/_sim/mo",
    "/_sim/callbacks",
    "/_sim/requests",
    "/_sim/clock",
    "/_sim/clock/advance",
    "/_sim/clock/freeze",
    "/_sim/clock/unfreeze",
    "/_sim/scenario",
    "/_sim/traffic",
    "/_sim/login",
    "/_sim/openapi.json",
]
FIELDS = [
    "userid", "ts", "sign", "mobile", "msgcontent", "extnum", "action", "account", "password", "extno",
    "content", "CorpID", "LoginName", "TimeStamp", "SecretKey", "appId", "timestamp", "from", "to",
    "templateId", "templateParas", "statusCallback", "number", "seconds", "at", "vendor", "outcome",
    "limit", "cursor", "order", "failed", "token", "mode", "balance", "requestTime", "requestValidPeriod",
]  # fmt: skip

text = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-1", "1e308", "NaN", "null", "[]", "{}", "13800000000", "a" * 5000]),
)
raw_value = st.one_of(
    text.map(lambda s: quote(s, safe="")),
    st.binary(max_size=30).map(lambda b: "".join(f"%{c:02X}" for c in b)),  # invalid UTF-8 too
    text.map(lambda s: quote(s.encode("gbk", "replace"), safe="")),  # GBK where UTF-8 is expected
)
query = st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=8), raw_value), max_size=8).map(
    lambda pairs: "&".join(f"{quote(k, safe='')}={v}" for k, v in pairs)
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | text, inner, max_size=4)
    ),
    max_leaves=12,
)


def emay_frame(data: bytes, how: int) -> bytes:
    """Right key, wrong key, truncated AES, bad gzip, deep JSON."""
    if how == 0:
        return crypto.encrypt(gzip.compress(data), EMAY_KEY)
    if how == 1:
        return crypto.encrypt(gzip.compress(data), "FEDCBA9876543210")
    if how == 2:
        return crypto.encrypt(gzip.compress(data), EMAY_KEY)[:-5]
    if how == 3:
        return crypto.encrypt(gzip.compress(data)[:-8] + b"junk", EMAY_KEY)
    return crypto.encrypt(gzip.compress(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"), EMAY_KEY)


body = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    json_value.map(lambda v: json.dumps(v).encode()),
    json_value.map(lambda v: json.dumps(v, ensure_ascii=False).encode("gbk", "replace")),
    st.binary(max_size=40).map(lambda b: b'{"a": ' + b),  # malformed JSON
    query.map(str.encode),
    st.tuples(json_value.map(lambda v: json.dumps(v).encode()), st.integers(0, 4)).map(
        lambda t: emay_frame(*t)
    ),
)
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=gbk",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=nonsense",
    "text/plain",
    "application/yaml",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
]
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=["Cs"]), max_size=30
)
headers = st.lists(
    st.one_of(
        st.tuples(st.just("Content-Type"), st.sampled_from([c for c in CONTENT_TYPES if c])),
        st.tuples(st.just("appId"), st.sampled_from(["EUCP-EMY-SMS1-DEMO1", "", "nope"])),
        st.tuples(st.sampled_from(["gzip", "encode"]), st.sampled_from(["on", "off", "GBK", "base64", ""])),
        st.tuples(st.sampled_from(["X-WSSE", "Authorization", "X-Auth-Token", "X-Sdk-Date"]), header_text),
        st.tuples(st.just("Origin"), st.sampled_from(["http://evil.example", "null"])),
    ),
    max_size=5,
)  # the same header may come twice


@pytest.fixture(scope="module")
def server():
    srv = start()
    yield srv
    srv.proc.terminate()
    srv.proc.wait(10)
    assert "Traceback" not in srv.log(), srv.log()[-3000:]


def send(
    url: str, method: str, path: str, q: str, data: bytes, hdrs: list[tuple[str, str]]
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path + ("?" + q if q else ""), skip_accept_encoding=True)
        for k, v in hdrs:
            conn.putheader(k, v.encode("utf-8", "surrogateescape"))
        if method != "GET" or data:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data if data else None)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def admin_state(url: str) -> tuple:
    _, raw = send(url, "GET", "/_sim/health", "", b"", [])
    h = json.loads(raw)
    _, accounts = send(url, "GET", "/_sim/accounts", "", b"", [])
    return h["scenario"], h["messages"], h["clock"]["frozen"], h["clock"]["now"] // 1, accounts


@FUZZ
@given(
    path=st.sampled_from(VENDOR_PATHS),
    method=st.sampled_from(["GET", "POST"]),
    q=query,
    data=body,
    hdrs=headers,
)
def test_vendor_endpoints_never_fail(server, path, method, q, data, hdrs):
    status, _ = send(server.url, method, path, q, data if method == "POST" else b"", hdrs)
    assert status < 500, (path, status)


@FUZZ
@given(
    path=st.sampled_from(ADMIN_PATHS),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    q=query,
    data=body,
    hdrs=headers,
)
def test_admin_api_never_fails_and_refusals_change_nothing(server, path, method, q, data, hdrs):
    if path in ("/_sim/reset", "/_sim/traffic") and method in ("POST", "DELETE"):
        return  # these change state by design when accepted
    before = admin_state(server.url)
    status, _ = send(server.url, method, path, q, data if method != "GET" else b"", hdrs)
    assert status < 500, (method, path, status)
    if status >= 400:
        assert admin_state(server.url)[:3] == before[:3]
        assert admin_state(server.url)[4] == before[4]
