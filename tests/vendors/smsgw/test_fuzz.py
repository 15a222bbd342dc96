"""Garbage in never gets a 5xx, a traceback or status 100: always the gateway's JSON shape.

A few hundred requests per run from a seeded generator: random actions, random/huge/unicode values,
repeated keys, `size`/`szie` of every kind, malformed `mobileContentList`, non-UTF-8 bodies, with plain,
MD5 and wrong passwords.  Every answer must be HTTP 200 JSON in the action's shape:
``{"status": "<n>", "balance": int, "list": [...]}`` (status a string), or for `balance`
``{"status": n, "balance": int[, "chargeType"]}`` (status a number), with a §7 STATUS.
"""

from __future__ import annotations

import logging
import random
import re
import time

import pytest

from simulator.vendors.smsgw.codes import STATUS
from tests.fuzzing import CHARSETS, GENERIC_KINDS, MAX_URL, encode_query, generic_junk

from .helpers import ACCOUNT, EXTNO, PASSWORD, md5, p2p_password, send_password

ACTIONS = ["send", "p2p", "balance", "report", "mo"]
KEYS = ["mobile", "content", "extno", "mobileContentList", "size", "szie", "rt", "foo", "Password"]
MID = re.compile(r"[0-9A-F]{16}")


def junk(rng: random.Random) -> str:
    kind = rng.randrange(13)
    if kind < GENERIC_KINDS:
        return generic_junk(rng, kind)
    if kind == 3:
        return ",".join(f"1{rng.randrange(10**10):010d}" for _ in range(rng.randrange(1, 30)))
    if kind == 4:
        return "字" * rng.randrange(60, 700)
    if kind == 5:
        return rng.choice(
            ["\\", "%", "&", "+", "#", "\x00", "【】", "【测试】hi", "١٢٣", "１３９１２３４５６７８", "1_000"]
        )
    if kind == 6:
        return "9" * rng.randrange(18, 6000)
    if kind == 7:
        brk = rng.choice(["\r", "\n", "\r\n", "\n\r", ""])
        return brk.join(
            f"{rng.choice(['139', '138', 'abc', ''])}{rng.randrange(10**8):08d}#{junk(rng)}"
            for _ in range(rng.randrange(1, 8))
        )
    if kind == 8:
        return rng.choice(["0", "9", "10", "1000", "10001", "-5", " 50 ", "1e3", "٣٠", "0x10", "NaN"])
    if kind == 9:
        return EXTNO + str(rng.randrange(10**8))
    if kind == 10:
        return "13800000000,13800000001,13800000005,13800000006,13800000008"  # not 07 (status 100)
    if kind == 11:
        return ",".join(junk(rng) for _ in range(rng.randrange(1, 4)))
    return "13912345678"


def password(rng: random.Random, action: str, params: dict[str, str]) -> str | None:
    kind = rng.randrange(10)
    if kind < 4:
        return PASSWORD
    if kind < 7:  # the documented MD5 form for the action
        if action == "send":
            return send_password(params.get("mobile", ""), params.get("content", ""), params.get("extno", ""))
        if action == "p2p":
            return p2p_password(params.get("mobileContentList", ""), params.get("extno", ""))
        return md5(PASSWORD).upper() if rng.random() < 0.5 else md5(PASSWORD)
    if kind == 7:
        return md5(PASSWORD)
    if kind == 8:
        return None
    return junk(rng)


def check(body: object, action: str | None) -> None:
    """``action``: what the gateway must have taken the request for; None when the body may have been
    garbled (then the shape is only required to be one of the two)."""
    assert isinstance(body, dict), body
    if action is None:
        action = "balance" if type(body.get("status")) is int else "?"
    if action == "balance":
        assert type(body["status"]) is int and body["status"] in STATUS, body
        assert type(body["balance"]) is int, body
        keys = {"status", "balance", "chargeType"} if body["status"] == 0 else {"status", "balance"}
        assert set(body) == keys, body
        if "chargeType" in body:
            assert body["chargeType"] in ("PRECHARGE", "POSTCHARGE"), body
        return
    assert list(body) == ["status", "balance", "list"], body
    assert isinstance(body["status"], str) and int(body["status"]) in STATUS, body
    assert body["status"] != "100", body  # only an internal error (or the magic number) gives 100
    assert type(body["balance"]) is int and isinstance(body["list"], list), body
    if body["status"] != "0":
        assert body["list"] == [], body
    for item in body["list"]:
        if action in ("send", "p2p") or (action == "?" and "flag" not in item):
            assert set(item) == {"mid", "mobile", "result"} and MID.fullmatch(item["mid"]), item
            assert item["result"] in (0, 10, 15, 17), item
        else:
            assert action in ("report", "mo", "?"), (action, body)
            flag = {"report": 1, "mo": 0}.get(action, item.get("flag"))
            extra = "stat" if flag else "content"
            assert set(item) == {"flag", "mid", "spid", "accessCode", "mobile", extra, "time"}, item
            assert item["flag"] == flag and item["spid"] == ACCOUNT, item


@pytest.mark.parametrize("seed", range(3))
async def test_random_requests_always_get_the_gateway_shape(make_client, caplog, seed):
    client = await make_client()
    account = client.sim.accounts.get("smsgw", ACCOUNT)
    rng = random.Random(f"smsgw-{seed}")
    caplog.set_level(logging.ERROR, logger="simulator")
    started = time.perf_counter()
    for n in range(110):
        action = rng.choice(ACTIONS) if rng.random() < 0.85 else junk(rng)
        params: dict[str, str] = {"action": action, "account": ACCOUNT if rng.random() < 0.9 else junk(rng)}
        if action in ("send", "p2p") and rng.random() < 0.8:
            params["extno"] = EXTNO if rng.random() < 0.7 else junk(rng)
            if action == "send":
                params["mobile"] = junk(rng) if rng.random() < 0.5 else "13912345678,13800000006"
                params["content"] = junk(rng) or "x"
            else:
                params["mobileContentList"] = rng.choice([junk(rng), "13912345678#hi\r\n13800000001#yo\n"])
        for key in rng.sample(KEYS, rng.randrange(0, 3)):
            params.setdefault(key, junk(rng))
        pw = password(rng, action.strip().lower(), params)
        if pw is not None:
            params["password"] = pw
        pairs = list(params.items())
        if rng.random() < 0.2:  # repeated keys (not action: the test must know which one it asked for)
            k, _ = rng.choice([p for p in pairs if p[0] != "action"])
            pairs.append((k, junk(rng)))
        rng.shuffle(pairs)
        if rng.random() < 0.1:
            account.options.charge_type = rng.choice(["PRECHARGE", "POSTCHARGE", None])
            account.options.require_signature = rng.random() < 0.5
            account.balance = rng.choice([0, 100, 100_000_000, -500])
        how = rng.randrange(5)
        if how in (0, 2, 4) and len(encode_query(pairs)) > MAX_URL:
            how = 1  # an over-long request line is refused by the HTTP server itself (400), not the API
        if how == 0:
            resp = await client.get(f"/sms?{encode_query(pairs)}")
        elif how == 1:
            resp = await client.post(
                "/sms",
                data=encode_query(pairs).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        elif how == 2:
            resp = await client.post(f"/sms?{encode_query(pairs)}")
        elif how == 3:  # a raw (not percent-encoded) body in some charset, labelled with another
            text = "&".join(f"{k}={v}" for k, v in pairs)
            raw = text.encode(rng.choice(["gbk", "utf-8", "utf-16"]), errors="replace")
            charset = rng.choice(CHARSETS)
            ctype = "application/x-www-form-urlencoded" + (f"; charset={charset}" if charset else "")
            resp = await client.post("/sms", data=raw, headers={"Content-Type": ctype})
        else:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
            ctype = rng.choice(
                ["text/plain", "application/json", "application/octet-stream", "multipart/form-data"]
            )
            resp = await client.post(
                f"/sms?{encode_query(pairs[: rng.randrange(len(pairs) + 1)])}",
                data=raw,
                headers={"Content-Type": ctype},
            )
        assert resp.status == 200, (n, pairs, resp.status, await resp.text())
        assert resp.content_type == "application/json"
        body = await resp.json()
        asked = action.strip().lower()
        check(body, (asked if asked in ACTIONS else "?") if how in (0, 1, 2) else None)
        if rng.random() < 0.15:
            client.sim.clock.advance(rng.choice([0, 1, 60, 3600]))
    assert [r.getMessage() for r in caplog.records] == []
    assert time.perf_counter() - started < 2.0
