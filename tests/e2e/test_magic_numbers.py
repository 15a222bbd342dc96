"""The README's magic-number table, checked through every vendor's own send API over HTTP."""

import hashlib
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.vendors.huawei.send_helpers import batch, verify_form
from tests.vendors.kx.helpers import auth as kx_auth
from tests.vendors.mobset.helpers import auth as mobset_auth

BEIJING = timezone(timedelta(hours=8))
NUMBERS = [f"1380000000{i}" for i in (0, 1, 2, 3, 4, 5, 6, 8)] + ["13912345678"]

# recipient → report code per vendor, as the README's table says (None: no report ever)
EXPECTED = {
    "kx": ["DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "F1120", "DELIVRD", "DELIVRD", None, "DELIVRD"],
    "huawei": ["DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "BLACK", "DELIVRD", "DELIVRD", None, "DELIVRD"],
    "smsgw": ["DELIVRD", "MA:0004", "EXPIRED", "REJECTED", "MA:0001", "DELIVRD", "DELIVRD", None, "DELIVRD"],
    "mobset": ["DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "DB:0141", "DELIVRD", "DELIVRD", None, "DELIVRD"],
    "emay": [
        "DELIVRD", "FAIL_MOBILE", "TIMEOUT", "FAIL_RESPONSE", "FAIL_BLACK_LIST", "DELIVRD", "DELIVRD", None,
        "DELIVRD",
    ],
}  # fmt: skip


async def send(client, vendor: str, mobiles: list[str]) -> dict:
    joined = ",".join(mobiles)
    if vendor == "kx":
        r = await client.post(
            "/api/sms/send", data={**kx_auth(), "mobile": joined, "msgcontent": "验证码1234"}
        )
        return await r.json()
    if vendor == "huawei":
        return (await batch(client, verify_form(to=joined)))[1]
    if vendor == "smsgw":
        data = {"action": "send", "account": "922011", "password": "123456", "extno": "10690123"}
        r = await client.post("/sms", data={**data, "mobile": joined, "content": "验证码1234【测试】"})
        return await r.json()
    if vendor == "mobset":
        r = await client.post(
            "/SDK3/Sms", data={**mobset_auth("SmsSend"), "PhoneNumbers": joined, "Content": "x"}
        )
        return await r.json()
    ts = datetime.fromtimestamp(time.time(), BEIJING).strftime("%Y%m%d%H%M%S")
    sign = hashlib.md5(f"EUCP-EMY-SMS1-DEMO10123456789ABCDEF{ts}".encode()).hexdigest()
    params = {
        "appId": "EUCP-EMY-SMS1-DEMO1",
        "timestamp": ts,
        "sign": sign,
        "mobiles": joined,
        "content": "x",
    }
    return await (await client.post("/simpleinter/sendSMS", data=params)).json()


SYSTEM_ERROR = {
    "kx": ("code", "1"),
    "huawei": ("code", "E000000"),
    "smsgw": ("status", "100"),
    "mobset": ("Code", -139),
    "emay": ("code", "ERROR_SYSTEM"),
}


@pytest.mark.parametrize("vendor", list(EXPECTED))
async def test_magic_numbers(sim_client, vendor):
    sim = sim_client.sim
    await send(sim_client, vendor, NUMBERS)
    validity = sim.vendors[vendor].validity_seconds
    sim.clock.advance(59)
    slow = sim.store.query_messages(vendor=vendor, mobile="13800000005")[0]
    assert slow.status == "sent"  # delivered after 60 s
    sim.clock.advance(validity)
    got = [sim.store.query_messages(vendor=vendor, mobile=m)[0].code for m in NUMBERS]
    assert got == EXPECTED[vendor]
    silent = sim.store.query_messages(vendor=vendor, mobile="13800000008")[0]
    assert silent.status == "sent"
    [reply] = sim.store.query_mo(vendor=vendor, mobile="13800000006")
    assert reply.content == "TD"
    # every message links to the raw API request that created it
    one = await (await sim_client.get(f"/_sim/messages/{silent.sim_id}")).json()
    assert one["request"]["method"] == "POST" and one["request"]["status"] == 200


@pytest.mark.parametrize("vendor", list(EXPECTED))
async def test_magic_number_7_fails_the_submit(sim_client, vendor):
    body = await send(sim_client, vendor, ["13912345678", "13800000007"])
    key, value = SYSTEM_ERROR[vendor]
    assert body[key] == value, body
    assert sim_client.sim.store.query_messages(vendor=vendor) == []
