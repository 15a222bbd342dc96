"""Garbage in never gets a 5xx, a traceback or ERROR_SYSTEM: always one of §3's codes in emay's own shape.

/inter/*: HTTP 200, header ``result`` with a §3 code, an empty body unless SUCCESS (then whole AES
blocks).  /simpleinter/*: JSON ``{"code": …}``.  /report/retrieveReport: the code as plain text.
Bodies: random bytes, valid encryption of broken JSON, valid encryption of JSON objects whose fields
have wrong types or huge values, wrong gzip flags, unknown or odd ``encode`` charsets.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from urllib.parse import urlencode

import pytest

from simulator.vendors.emay.codes import API_CODES

from .client import aes_encrypt, beijing, now_ms, sign
from .test_secure import SECURE_ENDPOINTS

APP_ID, SECRET = "EUCP-EMY-FUZZ-00001", "0123456789abcdef"
CODES = set(API_CODES)  # §3; ERROR_SYSTEM (an internal failure) must never appear
SIMPLE = ["sendSMS", "sendPersonalitySMS", "getReport", "getMo", "getBalance"]
FIELDS = [
    "mobile",
    "mobiles",
    "content",
    "smses",
    "timerTime",
    "customSmsId",
    "extendedCode",
    "templateId",
    "templateContent",
    "url",
    "shortLinkRule",
    "number",
    "requestTime",
    "requestValidPeriod",
]
CHARSETS = [
    "UTF-8",
    "GBK",
    "gb2312",
    "utf-16",
    "ISO-8859-1",
    "base64",
    "rot13",
    "hex",
    "zlib",
    "idna",
    "punycode",
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
    "charmap",
    "utf_8_sig",
    "no-such-charset",
    "",
    "  ",
    "encodings.aliases",
]


def junk_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(16)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randrange(-(10**30), 10**30)
    if kind == 3:
        return rng.choice([1e308, -1e308, 0.5, 13900000001.0, 1e-300])
    if kind == 4:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(0, 30)))
    if kind == 5:
        return rng.choice(["²", "١٢٣", "1٣٩٠٠٠٠٠٠٠١", "٣" * 14, "9" * 5000, "-", "+1", " 12 ", "0x10"])
    if kind == 6:
        return f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}"
    if kind == 7:
        return "x" * rng.randrange(900, 1200)
    if kind == 8 and depth < 2:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 9 and depth < 2:
        return {rng.choice(FIELDS): junk_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if kind == 10:
        return rng.choice(
            ["2017-03-15 12:00:00", "9999-12-31 23:59:59", "0000-00-00 00:00:00", "20261399999999"]
        )
    if kind == 11:
        return "{#短网址#} " + rng.choice(["http://a.test", "ftp://x", ""])
    if kind == 12:
        return rng.choice(["1", "2", "3", "-1", "1300001"])
    if kind == 13 and depth < 2:
        return [
            {"mobile": junk_value(rng, 2), "content": junk_value(rng, 2)} for _ in range(rng.randrange(3))
        ]
    if kind == 14:
        return "c" * rng.randrange(30, 40)
    return "13900000001"


def valid_fields(name: str) -> dict:
    """A body the endpoint accepts, for the fuzzer to spoil one or two fields of."""
    smses = [{"mobile": "13900000001", "customSmsId": "1", "content": "hi"}, {"mobile": "13900000002"}]
    return {
        "sendSingleSMS": {"mobile": "13900000001", "content": "hi"},
        "sendBatchSMS": {"smses": smses, "content": "hi"},
        "sendBatchOnlySMS": {"mobiles": ["13900000001"], "content": "hi"},
        "sendPersonalitySMS": {"smses": [{"mobile": "13900000001", "content": "hi"}]},
        "sendPersonalityAllSMS": {"smses": [{"mobile": "13900000001", "content": "hi", "extendedCode": "1"}]},
        "createTemplateSMS": {"templateContent": "${a}"},
        "deleteTemplateSMS": {"templateId": "1300001"},
        "queryTemplateSMS": {"templateId": "1300001"},
        "sendTemplateNormalSMS": {"smses": smses, "templateId": "1300001"},
        "sendTemplateVariableSMS": {
            "smses": [{"mobile": "13900000001", "content": {"a": 1}}],
            "templateId": "1300001",
        },
        "sendShortLinkSMS": {
            "smses": smses,
            "content": "{#短网址#}",
            "url": "http://a.test",
            "shortLinkRule": "2",
        },
    }.get(name, {"number": 10})


def junk_object(rng: random.Random, name: str = "") -> dict:
    if rng.random() < 0.5:
        obj = {k: junk_value(rng) for k in rng.sample(FIELDS, rng.randrange(len(FIELDS)))}
    else:  # a valid body with one or two fields spoilt
        obj = valid_fields(name)
        for k in rng.sample([*obj, *FIELDS], rng.randrange(3)):
            obj[k] = junk_value(rng)
    if rng.random() < 0.8:  # mostly pass the validity check, so the endpoints' own checks run
        obj["requestTime"] = now_ms()
        obj["requestValidPeriod"] = rng.choice([60, 5000, "60", 60.0])
    if obj.get("mobile") == "13800000007":  # the scenario's system_error number
        obj["mobile"] = "13800000000"
    return obj


def secure_body(rng: random.Random, name: str) -> tuple[bytes, dict[str, str]]:
    headers = {"appId": APP_ID if rng.random() < 0.9 else rng.choice(["", "NOPE", "x" * 300])}
    gz = rng.random() < 0.5
    if rng.random() < 0.8:
        headers["gzip"] = "on" if gz else rng.choice(["off", "ON ", "yes", "", "1"])
    if rng.random() < 0.3:
        headers["encode"] = rng.choice(CHARSETS[:5] + CHARSETS)
    kind = rng.randrange(5)
    if kind == 0:  # random bytes, sometimes whole AES blocks
        n = rng.randrange(0, 200)
        if rng.random() < 0.5:
            n -= n % 16
        return bytes(rng.randrange(256) for _ in range(n)), headers
    if kind == 1:  # broken JSON, validly encrypted
        text = json.dumps(junk_object(rng, name), ensure_ascii=False)
        plain = rng.choice(
            [text[: rng.randrange(len(text) + 1)], "[]", "null", '"s"', "1", "{", "", "\ufeff{}"]
        )
        data = plain.encode("utf-8")
    else:  # a JSON object with wrong types and huge values, validly encrypted
        data = json.dumps(junk_object(rng, name), ensure_ascii=False).encode("utf-8")
    gz_body = gz if rng.random() < 0.8 else not gz  # sometimes the wrong gzip flag
    if gz_body:
        data = gzip.compress(data)
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data))]
    return aes_encrypt(data, SECRET), headers


def simple_params(rng: random.Random) -> dict[str, str]:
    params: dict[str, str] = {}
    for k in rng.sample([*FIELDS, "startTime", "endTime", "smsId"], rng.randrange(6)):
        v = junk_value(rng)
        params[k] = v if isinstance(v, str) else json.dumps(v)
    for _ in range(rng.randrange(3)):  # sendPersonalitySMS's <mobile>=<content>
        params[rng.choice(["13900000001", "1٣٩٠٠٠٠٠٠٠١", "²", "123", "13800000007x"])] = str(junk_value(rng))
    if rng.random() < 0.7:
        ts = rng.choice([beijing(time.time())] * 4 + ["2017", "٣" * 14, "99991231235959", ""])
        params.update(appId=APP_ID, timestamp=ts, sign=sign(APP_ID, SECRET, ts))
    if rng.random() < 0.3:
        params["startTime"] = beijing(time.time() - rng.randrange(0, 40 * 86400))
        params["endTime"] = beijing(time.time() - rng.randrange(-100, 900))
    return params


@pytest.fixture
async def fuzz(emay_with):
    emay = await emay_with(app_id=APP_ID, secret=SECRET, options={"rate_limit": 0})
    ans = await emay.secure("createTemplateSMS", {"templateContent": "【亿美】${a}"})
    assert ans.data == {"templateId": "1300001"}
    emay.http.sim.clock.advance(5)  # approved: the template sends get past the template check
    return emay.http


@pytest.mark.parametrize("seed", range(3))
async def test_secure_garbage_always_gets_a_code(fuzz, seed):
    rng = random.Random(seed)
    for _ in range(150):
        name = rng.choice(SECURE_ENDPOINTS)
        body, headers = secure_body(rng, name)
        resp = await fuzz.post(f"/inter/{name}", data=body, headers=headers)
        raw = await resp.read()
        result = resp.headers.get("result")
        assert resp.status == 200, (name, headers, resp.status)
        assert result in CODES, (name, headers, result)
        if result == "SUCCESS":
            assert raw and len(raw) % 16 == 0
        else:
            assert raw == b"", (name, result)


@pytest.mark.parametrize("seed", range(2))
async def test_simple_and_retrieve_garbage_always_get_a_code(fuzz, seed):
    rng = random.Random(100 + seed)
    for _ in range(100):
        path = rng.choice([f"/simpleinter/{n}" for n in SIMPLE] + ["/report/retrieveReport"] * 2)
        params = simple_params(rng)
        how = rng.randrange(3)
        if how == 0 and len(urlencode(params)) < 6000:  # longer request lines are aiohttp's own 400
            resp = await fuzz.get(path, params=params)
        elif how < 2:
            resp = await fuzz.post(path, data=params)
        else:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(120)))
            ctype = rng.choice(
                [
                    "application/x-www-form-urlencoded; charset=gbk",
                    "text/plain",
                    "application/json",
                    "x/y; charset=zz",
                ]
            )
            resp = await fuzz.post(path, data=raw, headers={"Content-Type": ctype})
        assert resp.status == 200, (path, params, resp.status)
        if path.startswith("/report/"):
            code = await resp.text()
        else:
            answer = await resp.json(content_type=None)
            code = answer["code"]
            if code == "SUCCESS":
                assert "data" in answer
            else:
                assert set(answer) == {"code"}
        assert code in CODES, (path, params, code)
