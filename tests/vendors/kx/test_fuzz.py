"""Garbage in never gets a 5xx or a traceback: always kx's JSON envelope (or a plain 404/405)."""

import json
import random

import pytest

from tests.fuzzing import GENERIC_KINDS, generic_junk

from .helpers import auth

PATHS = ["/api/sms/send", "/api/sms/balance", "/api/v2/sms/query", "/api/v2/sms/moquery", "/api/sms/p2psend"]
KEYS = ["userid", "ts", "sign", "mobile", "msgcontent", "extnum", "time", "messageid", "list", "apikey"]


def junk(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind < GENERIC_KINDS:
        return generic_junk(rng, kind, int_digits=20)
    if kind == 3:
        return ",".join(f"1{rng.randrange(10**10):010d}" for _ in range(rng.randrange(1, 20)))
    if kind == 4:
        return "x" * rng.randrange(900, 1200)
    if kind == 5:
        return rng.choice(["\\", "%", "&", "+", "\x00", "【】", "20261399999999", "99991231235959"])
    if kind == 6:
        return str(rng.random())
    return "13800000000"


@pytest.mark.parametrize("seed", range(4))
async def test_random_requests_never_break_the_envelope(sim_client, seed):
    rng = random.Random(seed)
    for _ in range(60):
        path = rng.choice(PATHS)
        params = {k: junk(rng) for k in rng.sample(KEYS, rng.randrange(0, len(KEYS)))}
        if rng.random() < 0.6:
            params.update(auth())  # valid auth, so validation is exercised too
            if rng.random() < 0.7:
                params.setdefault("mobile", junk(rng))
                params.setdefault("msgcontent", junk(rng))
        how = rng.randrange(4)
        if how == 0:
            resp = await sim_client.get(path, params=params)
        elif how == 1:
            resp = await sim_client.post(path, data=params)
        elif how == 2:
            body = json.dumps(
                {**params, "list": [{"mobile": junk(rng), "msgcontent": junk(rng)}] * rng.randrange(3)}
            )
            resp = await sim_client.post(path, data=body, headers={"Content-Type": "application/json"})
        else:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
            resp = await sim_client.post(
                path,
                data=raw,
                headers={
                    "Content-Type": rng.choice(
                        [
                            "application/json",
                            "application/x-www-form-urlencoded; charset=gbk",
                            "text/plain",
                            "application/x-www-form-urlencoded; charset=nonsense",
                        ]
                    )
                },
            )
        assert resp.status in (200, 404, 405), (path, params, resp.status)
        if resp.status == 200:
            body = await resp.json()
            assert isinstance(body["code"], str) and isinstance(body["msg"], str)
            assert body["code"] == "0" or "taskid" not in body.get("data", {}) or body["data"]["taskid"] == ""
