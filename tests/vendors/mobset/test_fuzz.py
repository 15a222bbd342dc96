"""Garbage in never gets a 5xx, a traceback or an internal-error code: always mobset's JSON envelope.

A few hundred requests per run from a seeded generator: random Methods, random/huge/unicode values,
repeated and differently-cased keys, non-UTF-8 bodies under various charsets, with valid and invalid
SecretKeys.  Every answer must be HTTP 200 JSON ``{"Code": int, "Message": str, …}`` with the keys of
the method that answered, and a negative Code must be one of §6's codes with exactly those two keys.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime

import pytest

from simulator.vendors.mobset.codes import ERRORS
from tests.fuzzing import CHARSETS, GENERIC_KINDS, MAX_URL, encode_query, generic_junk

from .helpers import BEIJING, PATH, auth, stamp

METHODS = ["SmsSend", "SmsGetRecv", "SmsGetReport", "SmsGetBalance", "SmsGetSign", "SmsCancel"]
KEYS = ["PhoneNumbers", "Content", "LongSms", "TimerSend", "AddNum", "SmsID", "smsid", "content", "Foo"]
# what a success answer of each method carries besides Code and Message
EXTRA_KEYS = {
    "SmsSend": {"SmsIdList"},
    "SmsGetRecv": {"Details"},
    "SmsGetReport": {"Details"},
    "SmsGetBalance": set(),
    "SmsGetSign": {"Sign"},
    "SmsCancel": {"Details"},
}
# failures that only an internal error (a crash caught by the middleware) produces
INTERNAL = {-198, -141, -144}


def junk(rng: random.Random) -> str:
    kind = rng.randrange(14)
    if kind < GENERIC_KINDS:
        return generic_junk(rng, kind)
    if kind == 3:
        return ",".join(f"1{rng.randrange(10**10):010d}" for _ in range(rng.randrange(1, 60)))
    if kind == 4:
        return "x" * rng.randrange(400, 700)
    if kind == 5:
        return rng.choice(
            [
                "\\",
                "%",
                "&",
                "+",
                "\x00",
                "【】",
                "【别家】hi",
                "[首易测试]",
                "\ud7ff",
                "١٢٣",
                "１３９１２３４５６７８",
            ]
        )
    if kind == 6:
        return rng.choice(
            [
                "0001-01-01 00:00:00",
                "9999-12-31 23:59:59",
                "2024-02-30 12:00:00",
                "2024-13-01 00:00:00",
                "1721465778000",
                "2099-01-01T00:00:00",
                "24:61:61",
            ]
        )
    if kind == 7:
        return "9" * rng.randrange(18, 6000)  # ids and numbers far beyond any integer type
    if kind == 8:
        return ",".join(junk(rng) for _ in range(rng.randrange(1, 5)))
    if kind == 9:
        return ",".join(str(500000000 + rng.randrange(1, 40)) for _ in range(rng.randrange(1, 60)))
    if kind == 10:
        return rng.choice(["0", "1", "-1", " 0 ", "٠", "1e3"])
    if kind == 11:
        return "13800000000,13800000001,13800000006,13800000007"
    if kind == 12:
        return "1" + "٢" * 10  # Arabic-Indic digits are not a mobile number
    return "13912345678"


def bad_auth(rng: random.Random, method: str) -> dict[str, str]:
    params = auth(method)
    kind = rng.randrange(7)
    if kind == 0:
        params["SecretKey"] = junk(rng)
    elif kind == 1:
        params["TimeStamp"] = junk(rng)
    elif kind == 2:
        params["TimeStamp"] = stamp(time.time() - rng.choice([3600, 86400 * 200, -86400 * 200]), digits=14)
        params = auth(method, timestamp=params["TimeStamp"])  # well signed but stale
    elif kind == 3:
        params["CorpID"] = junk(rng)
    elif kind == 4:
        params["LoginName"] = junk(rng)
    elif kind == 5:
        del params[rng.choice(list(params))]
    else:
        params = auth(method, password=junk(rng))
    return params


def check(body: object, method: str | None) -> None:
    assert isinstance(body, dict), body
    code, message = body.get("Code"), body.get("Message")
    assert type(code) is int and isinstance(message, str), body
    if code < 0:
        assert set(body) == {"Code", "Message"}, body
        assert code in ERRORS, body
        assert code not in INTERNAL, body
        assert code != -139 or message == ERRORS[-139], body
        return
    assert method is not None and set(body) == {"Code", "Message"} | EXTRA_KEYS[method], body
    if method == "SmsSend":
        assert all(type(i["SmsId"]) is int for i in body["SmsIdList"]), body
        assert code == sum(1 for i in body["SmsIdList"] if i["SmsId"] != 0), body
    if method == "SmsCancel":
        assert all(i["Status"] in (1, -142) for i in body["Details"]), body
        assert code == sum(1 for i in body["Details"] if i["Status"] == 1), body


@pytest.mark.parametrize("seed", range(3))
async def test_random_requests_always_get_the_mobset_envelope(make_client, caplog, seed):
    client = await make_client()
    rng = random.Random(f"mobset-{seed}")
    caplog.set_level(logging.ERROR, logger="simulator")
    started = time.perf_counter()
    sent: list[str] = []
    for n in range(110):
        method = rng.choice(METHODS) if rng.random() < 0.85 else junk(rng)
        params = auth(method) if rng.random() < 0.65 else bad_auth(rng, method)
        pairs = list(params.items())
        for key in rng.sample(KEYS, rng.randrange(0, 4)):
            pairs.append((key, junk(rng)))
        if method == "SmsSend" and rng.random() < 0.8:
            numbers = junk(rng) if rng.random() < 0.5 else rng.choice(["13912345678", "13800000006,1391"])
            pairs += [("PhoneNumbers", numbers), ("Content", junk(rng) or "x")]
            if rng.random() < 0.4:
                later = client.sim.clock.now() + rng.choice([-60, 600, 86400])
                pairs.append(
                    ("TimerSend", datetime.fromtimestamp(later, BEIJING).strftime("%Y-%m-%d %H:%M:%S"))
                )
        if method == "SmsCancel" and rng.random() < 0.8:
            pairs.append(
                ("SmsID", ",".join(rng.sample(sent, min(len(sent), rng.randrange(1, 5)))) or junk(rng))
            )
        if rng.random() < 0.2:  # repeated keys, in another case
            k, v = rng.choice(pairs)
            pairs.append((rng.choice([k, k.lower(), k.upper()]), junk(rng) if rng.random() < 0.5 else v))
        rng.shuffle(pairs)
        how = rng.randrange(5)
        if how in (0, 2, 4) and len(encode_query(pairs)) > MAX_URL:
            how = 1  # an over-long request line is refused by the HTTP server itself (400), not the API
        if how == 0:
            resp = await client.get(f"{PATH}?{encode_query(pairs)}")
        elif how == 1:
            resp = await client.post(
                PATH,
                data=encode_query(pairs).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        elif how == 2:  # the real clients' POST: empty body, everything in the query string
            resp = await client.post(f"{PATH}?{encode_query(pairs)}")
        elif how == 3:  # auth in the query, a body in some other charset
            text = "&".join(f"{k}={v}" for k, v in pairs)
            charset = rng.choice(CHARSETS)
            raw = text.encode(rng.choice(["gbk", "utf-8", "utf-16"]), errors="replace")
            ctype = "application/x-www-form-urlencoded" + (f"; charset={charset}" if charset else "")
            resp = await client.post(
                f"{PATH}?{encode_query(list(params.items()))}", data=raw, headers={"Content-Type": ctype}
            )
        else:  # random bytes
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
            ctype = rng.choice(
                ["text/plain", "application/json", "application/octet-stream", "multipart/form-data"]
            )
            resp = await client.post(
                f"{PATH}?{encode_query(pairs[: rng.randrange(len(pairs) + 1)])}",
                data=raw,
                headers={"Content-Type": ctype},
            )
        assert resp.status == 200, (n, pairs, resp.status, await resp.text())
        assert resp.content_type == "application/json"
        body = await resp.json()
        check(body, method if method in METHODS else None)
        if method == "SmsSend" and body["Code"] > 0:
            sent += [str(i["SmsId"]) for i in body["SmsIdList"] if i["SmsId"]]
        if rng.random() < 0.1:
            client.sim.clock.advance(rng.choice([1, 60, 3600, 86400]))
    assert [r.getMessage() for r in caplog.records] == []
    assert time.perf_counter() - started < 2.0
