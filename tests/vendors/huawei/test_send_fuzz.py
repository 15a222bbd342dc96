"""Garbage in never gets a 5xx or a traceback on the send API: always huawei's `{"code","description"}`
JSON envelope (or aiohttp's plain 404/405 for paths and methods that do not exist).

Seeded `random.Random`, so a failure is repeatable: the assertion message names the request."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from simulator.vendors.huawei.codes import API_CODES
from tests.fuzzing import GENERIC_KINDS, generic_junk

from .send_helpers import APP_KEY, BATCH, DIFF, FORM, SECRET, VERIFY_CHANNEL, aksk, wsse

PATHS = [
    BATCH,
    DIFF,
    "/sms/",
    "/sms/batchSendSms",
    "/sms/batchSendSms/v2",
    "/sms/x/y/z",
    "/sms/batchSendDiffSms/v1/",
]
FORM_KEYS = ["from", "to", "templateId", "templateParas", "statusCallback", "extend", "signature", "x"]
CTYPES = [
    FORM,
    FORM + "; charset=gbk",
    FORM + "; charset=nonsense",
    "application/json",
    "application/json;charset=UTF-8",
    "text/plain",
    "multipart/form-data; boundary=zz",
    "",
    "\u00e9/\u00e8",
]


def junk_text(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind < GENERIC_KINDS:
        return generic_junk(rng, kind)
    if kind == 3:
        return ",".join(
            rng.choice(["139", "+86139", "86139", "+44", "0"]) + f"{rng.randrange(10**8):08d}"
            for _ in range(rng.randrange(1, 30))
        )
    if kind == 4:
        return "x" * rng.randrange(100, 30000)
    if kind == 5:
        return rng.choice(
            ["{", "}", "[", "]", '["1"', "[[[[1]]]]", "null", "\x00", "【】", "${1}", "%ZZ", "&=&"]
        )
    if kind == 6:
        return json.dumps([junk_value(rng, 0) for _ in range(rng.randrange(4))])
    if kind == 7:
        return "[" * rng.randrange(1000, 5000)
    if kind == 8:
        return rng.choice(
            [VERIFY_CHANNEL, "tplverify0001", '["123456"]', "http://127.0.0.1:9/r", "13912345678"]
        )
    return str(rng.random())


def junk_value(rng: random.Random, depth: int):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([rng.randrange(-(10**40), 10**40), rng.random() * 1e300, 0])
    if kind == 3:
        return junk_text(rng)[:200]
    if kind == 4:
        return rng.choice(["13912345678", "+8613912345678", "tplverify0001", VERIFY_CHANNEL])
    if kind == 5:
        return ""
    if kind == 6:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {
        k: junk_value(rng, depth + 1)
        for k in rng.sample(["to", "templateId", "templateParas", "signature", "q"], rng.randrange(6))
    }


def diff_body(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
    if kind == 1:
        return b'{"from":"' + bytes(rng.randrange(256) for _ in range(20)) + b'"}'
    if kind == 2:
        return b"[" * rng.randrange(1000, 100000)
    if kind == 3:
        return json.dumps(junk_value(rng, 0)).encode()
    body: dict = {"from": rng.choice([VERIFY_CHANNEL, junk_value(rng, 1)])}
    items = []
    for _ in range(rng.randrange(4)):
        item = {
            "to": rng.choice([["13912345678"], junk_value(rng, 2), [junk_text(rng)[:30] for _ in range(3)]]),
            "templateId": rng.choice(["tplverify0001", junk_value(rng, 2)]),
            "templateParas": rng.choice([["123456"], junk_value(rng, 2)]),
        }
        if rng.random() < 0.3:
            item["signature"] = junk_value(rng, 2)
        items.append(item)
    body["smsContent"] = items if rng.random() < 0.9 else junk_value(rng, 1)
    for key in ("statusCallback", "extend"):
        if rng.random() < 0.3:
            body[key] = junk_value(rng, 1)
    return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()


def form_body(rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(300)))  # not UTF-8, not a form
    if kind == 1:
        return b"from=" + bytes(rng.randrange(128, 256) for _ in range(10)) + b"&to=%FF%FE&templateId=%C3"
    params = {
        "from": VERIFY_CHANNEL,
        "to": "13912345678",
        "templateId": "tplverify0001",
        "templateParas": '["123456"]',
    }
    for key in rng.sample(FORM_KEYS, rng.choice([0, 1, 1, 2, 3, 5])):
        if rng.random() < 0.2:
            params.pop(key, None)
        else:
            params[key] = junk_text(rng)
    return urlencode(params).encode("utf-8", "surrogatepass")


def junk_headers(rng: random.Random, path: str, body: bytes, ctype: str, host: str) -> dict[str, str]:
    kind = rng.randrange(11)
    if kind in (0, 1, 8, 9):
        return {"Content-Type": ctype, **wsse()}  # valid auth: validation is exercised
    if kind in (2, 10):
        return aksk(path, body, ctype, host)  # valid AK/SK over the exact body
    if kind == 3:
        h = {"Content-Type": ctype, **wsse()}
        h["X-WSSE"] = rng.choice(
            [
                junk_text(rng)[:500],
                h["X-WSSE"].replace('Created="', 'Created="' + junk_text(rng)[:30]),
                h["X-WSSE"].replace('Nonce="', 'Nonce="' + junk_text(rng)[:300]),
                h["X-WSSE"].replace('Username="', 'Username="' + junk_text(rng)[:50]),
                'UsernameToken Username="'
                + APP_KEY
                + '",Nonce="n",Created="9999-12-31T23:59:59+23:59",PasswordDigest="x"',
                'UsernameToken Username="'
                + APP_KEY
                + '",Nonce="n",Created="0001-01-01T00:00:00-23:59",PasswordDigest="=="',
            ]
        )
        return h
    if kind == 4:
        h = aksk(path, body, ctype, host)
        field = rng.choice(["X-Sdk-Date", "Authorization", "Host"])
        h[field] = rng.choice(
            [
                junk_text(rng)[:200],
                "SDK-HMAC-SHA256 Access=a, SignedHeaders=, Signature=zz",
                "20991231T000000Z",
            ]
        )
        return h
    if kind == 5:
        return {
            "Content-Type": ctype,
            "Authorization": rng.choice(["WSSE", "SDK-", "sdk-hmac-sha256", junk_text(rng)[:300]]),
        }
    if kind == 6:
        return {"Content-Type": ctype}
    return {
        "Content-Type": ctype,
        "Authorization": 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"',
        "X-WSSE": junk_text(rng)[:300],
    }


async def raw_request(host: str, port: int, head: bytes, body: bytes) -> tuple[int, bytes]:
    """One request over a plain socket, for header bytes an HTTP client would refuse to send."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        head + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), payload


def check(status: int, text: bytes | str, what) -> None:
    assert status < 500, (status, what)
    if status in (404, 405):
        return
    body = json.loads(text)
    assert isinstance(body, dict) and set(body) <= {"code", "description", "result"}, (body, what)
    assert body["code"] in API_CODES, (body, what)
    assert isinstance(body["description"], str) and body["description"], (body, what)
    assert ("result" in body) == (body["code"] in ("000000", "E000510")), (body, what)
    assert status == API_CODES[body["code"]][0], (status, body, what)


@pytest.mark.parametrize("seed", range(4))
async def test_random_requests_never_break_the_envelope(make_client, caplog, seed):
    client = await make_client(vendors={"huawei": {"replay_check": seed % 2 == 0}})
    host = f"{client.server.host}:{client.server.port}"
    rng = random.Random(seed)
    caplog.set_level(logging.ERROR)
    for i in range(100):
        path = rng.choice(PATHS) if rng.random() < 0.25 else rng.choice([BATCH, DIFF])
        ctype = rng.choice(CTYPES) if rng.random() < 0.3 else (FORM if path == BATCH else "application/json")
        as_form = (path == BATCH) == (rng.random() < 0.8)  # mostly the body the path expects
        body = form_body(rng) if as_form else diff_body(rng)
        headers = junk_headers(rng, path, body, ctype, host)
        method = rng.choice(["POST"] * 15 + ["GET", "PUT", "DELETE"])
        resp = await client.request(
            method, path, data=body, headers={k: v for k, v in headers.items() if v != ""}
        )
        check(resp.status, await resp.read(), (seed, i, method, path, headers, body[:200]))
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]


async def test_raw_header_bytes_never_break_the_envelope(sim_client, caplog):
    """Non-UTF-8 and control bytes in the auth headers, sent over a plain socket."""
    rng = random.Random(99)
    caplog.set_level(logging.ERROR)
    host, port = sim_client.server.host, sim_client.server.port
    body = urlencode({"from": VERIFY_CHANNEL, "to": "13912345678", "templateId": "tplverify0001"}).encode()
    good = wsse()
    for i in range(40):
        sdk_date = b"20240101T000000Z"
        junk = bytes(
            rng.choice([*range(0x21, 0x7F), *range(0x80, 0x100), 0x09]) for _ in range(rng.randrange(1, 60))
        )
        which = rng.randrange(4)
        auth = good["Authorization"].encode()
        x_wsse = good["X-WSSE"].encode()
        if which == 0:
            auth = b'WSSE realm="' + junk + b'",profile="UsernameToken",type="Appkey"'
        elif which == 1:
            x_wsse = x_wsse.replace(b'Nonce="', b'Nonce="' + junk.replace(b'"', b""))
        elif which == 2:
            x_wsse = x_wsse.replace(b'PasswordDigest="', b'PasswordDigest="' + junk.replace(b'"', b""))
        else:
            auth = (
                b"SDK-HMAC-SHA256 Access=" + APP_KEY.encode() + b", SignedHeaders=host;x-junk, Signature=00"
            )
            x_wsse = b"x"
            sdk_date = (
                datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ").encode()
            )  # fresh: the signature is checked
        head = (
            f"POST {BATCH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {FORM}\r\n".encode()
            + b"Authorization: "
            + auth
            + b"\r\nX-WSSE: "
            + x_wsse
            + b"\r\n"
            + b"X-Sdk-Date: "
            + sdk_date
            + b"\r\nX-Junk: "
            + junk
            + b"\r\n"
        )
        status, payload = await raw_request(host, port, head, body)
        check(status, payload, (i, head))
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]


async def test_valid_requests_still_work_between_junk(sim_client):
    """The fuzzing helpers' valid requests are accepted (so the fuzz really reaches validation)."""
    body = urlencode(
        {
            "from": VERIFY_CHANNEL,
            "to": "13912345678",
            "templateId": "tplverify0001",
            "templateParas": '["123456"]',
        }
    ).encode()
    resp = await sim_client.post(BATCH, data=body, headers={"Content-Type": FORM, **wsse()})
    assert (resp.status, (await resp.json())["code"]) == (200, "000000")
    host = f"{sim_client.server.host}:{sim_client.server.port}"
    resp = await sim_client.post(BATCH, data=body, headers=aksk(BATCH, body, FORM, host, APP_KEY, SECRET))
    assert (resp.status, (await resp.json())["code"]) == (200, "000000")
