"""Pushed reports and MO (§2.3): encrypted and plain, `success` answers, 10 s / 1 min / 10 min retries."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from .client import unseal

SECRET = "ABCDEF0123456789"


@pytest.fixture
def push_client(emay_with, receiver):
    async def factory(fmt: str = "encrypted"):
        return await emay_with(
            secret=SECRET,
            mode="push",
            report_url=receiver.url + "/report",
            mo_url=receiver.url + "/mo",
            options={"push_format": fmt},
        )

    return factory


async def step(emay, seconds: float) -> None:
    emay.http.sim.clock.advance(seconds)
    await emay.http.sim.dispatcher.drain()


def decode(req, fmt: str, field: str):
    assert req.headers["appId"] == "EUCP-EMY-TEST-00001"
    if fmt == "encrypted":
        return unseal(req.body, SECRET, gzip=True)
    form = parse_qs(req.body.decode("ascii"))
    assert list(form) == [field]
    return json.loads(form[field][0])


@pytest.mark.parametrize("fmt", ["encrypted", "plain"])
async def test_report_push_retries_then_gives_up(push_client, receiver, fmt):
    emay = await push_client(fmt)
    receiver.reply = (200, "fail")
    ans = await emay.secure("sendSingleSMS", {"mobile": "13800000000", "content": "x", "customSmsId": "c9"})
    sms_id = ans.data["smsId"]
    await step(emay, 1)  # delivered at once, batched for 1 s
    assert len(receiver.requests) == 1
    (item,) = decode(receiver.requests[0], fmt, "reports")
    assert item["smsId"] == sms_id and item["state"] == "DELIVRD" and item["customSmsId"] == "c9"
    assert "receiveTime" in item and "receiveTime " not in item
    for wait, expected in ((10, 2), (60, 3), (600, 4)):
        await step(emay, wait - 0.5)
        assert len(receiver.requests) == expected - 1, f"retry came before {wait} s"
        await step(emay, 0.5)
        assert len(receiver.requests) == expected, f"no retry after {wait} s"
    await step(emay, 86400)
    assert len(receiver.requests) == 4  # gave up
    attempts = emay.http.sim.store.attempts(vendor="emay", stream="report")
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert not any(a.ok for a in attempts) and attempts[-1].gave_up
    assert [a.next_retry_at is not None for a in attempts] == [True, True, True, False]
    # Every attempt carries the same report.
    assert all(decode(r, fmt, "reports")[0]["smsId"] == sms_id for r in receiver.requests)
    # Pushed reports are not also handed out by getReport.
    assert (await emay.secure("getReport")).data == []


@pytest.mark.parametrize("fmt", ["encrypted", "plain"])
async def test_push_succeeds_on_success_answer(push_client, receiver, fmt):
    emay = await push_client(fmt)
    receiver.replies = [(500, "oops"), (200, "success\n")]
    await emay.secure("sendBatchOnlySMS", {"mobiles": ["13800000000", "13800000004"], "content": "x"})
    await step(emay, 1)
    await step(emay, 10)
    assert len(receiver.requests) == 2
    items = decode(receiver.requests[1], fmt, "reports")
    assert sorted(i["state"] for i in items) == ["DELIVRD", "FAIL_BLACK_LIST"]
    await step(emay, 3600)
    assert len(receiver.requests) == 2
    attempts = emay.http.sim.store.attempts(vendor="emay")
    assert [a.ok for a in attempts] == [False, True]


async def test_uppercase_success_is_not_the_agreed_answer(push_client, receiver):
    emay = await push_client()
    receiver.reply = (200, "SUCCESS")
    await emay.secure("sendSingleSMS", {"mobile": "13800000000", "content": "x"})
    await step(emay, 1)
    assert emay.http.sim.store.attempts(vendor="emay")[0].ok is False


@pytest.mark.parametrize("fmt", ["encrypted", "plain"])
async def test_mo_push(push_client, receiver, fmt):
    emay = await push_client(fmt)
    receiver.reply = (200, "success")
    await emay.secure("sendSingleSMS", {"mobile": "13800000006", "content": "x", "extendedCode": "42"})
    await step(emay, 1)  # the report
    await step(emay, 5)  # the reply TD arrives 5 s after delivery
    mo_reqs = receiver.path("/mo")
    assert len(mo_reqs) == 1
    (mo,) = decode(mo_reqs[0], fmt, "mos")
    assert mo["mobile"] == "13800000006" and mo["content"] == "TD" and mo["extendedCode"] == "42"
    assert len(receiver.path("/report")) == 1


async def test_encrypted_push_body_is_gzip_then_aes(push_client, receiver):
    from .client import aes_decrypt

    emay = await push_client()
    receiver.reply = (200, "success")
    await emay.secure("sendSingleSMS", {"mobile": "13800000000", "content": "x"})
    await step(emay, 1)
    assert aes_decrypt(receiver.requests[0].body, SECRET)[:2] == b"\x1f\x8b"


async def test_retrieve_report_pushes_again(push_client, receiver):
    from .client import beijing

    emay = await push_client()
    receiver.reply = (200, "success")
    t0 = emay.http.sim.clock.now()
    await emay.secure("sendSingleSMS", {"mobile": "13800000000", "content": "x"})
    await step(emay, 1)
    assert len(receiver.requests) == 1
    window = {"startTime": beijing(t0 - 60), "endTime": beijing(emay.http.sim.clock.now())}
    assert await emay.retrieve(window) == "SUCCESS"
    await step(emay, 1)
    assert len(receiver.requests) == 2
    assert decode(receiver.requests[1], "encrypted", "reports")[0]["state"] == "DELIVRD"


async def test_switch_to_pull_at_run_time(push_client, receiver):
    emay = await push_client()
    resp = await emay.http.patch("/_sim/accounts/emay/EUCP-EMY-TEST-00001", json={"mode": "pull"})
    assert resp.status == 200
    await emay.secure("sendSingleSMS", {"mobile": "13800000000", "content": "x"})
    await step(emay, 1)
    assert receiver.requests == []
    assert [r["state"] for r in (await emay.secure("getReport")).data] == ["DELIVRD"]
