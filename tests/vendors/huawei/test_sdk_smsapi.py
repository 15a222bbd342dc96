"""Huawei's official Python SDK (huaweicloudsdksmsapi, SMSApiCredentials) against a listening simulator.

The SDK signs with SDK-HMAC-SHA256 (form bodies as UNSIGNED-PAYLOAD, JSON bodies hashed) and
deserializes the answer into its own models; both must work unchanged with only the endpoint changed.
"""

from __future__ import annotations

import asyncio

import pytest

sdk = pytest.importorskip("huaweicloudsdksmsapi.v1")
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdksmsapi.v1.smsapi_credentials import SMSApiCredentials  # noqa: E402

from .send_helpers import APP_KEY, SECRET, VERIFY_CHANNEL  # noqa: E402


def client_for(url: str, ak: str = APP_KEY, sk: str = SECRET):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    config.retry_times = 0
    return (
        sdk.SMSApiClient.new_builder()
        .with_http_config(config)
        .with_credentials(SMSApiCredentials(ak, sk))
        .with_endpoint(url)
        .build()
    )


async def test_sdk_batch_send_sms(live_sim, receiver):
    def call():
        body = sdk.BatchSendSmsRequestBody(
            _from=VERIFY_CHANNEL,
            to="+8613912345678,13912345679",
            template_id="tplverify0001",
            template_paras='["246810"]',
            status_callback=receiver.url + "/report",
            extend="sdk-test",
        )
        return client_for(live_sim.url).batch_send_sms(sdk.BatchSendSmsRequest(body=body))

    resp = await asyncio.to_thread(call)
    assert isinstance(resp, sdk.BatchSendSmsResponse)
    assert resp.code == "000000" and resp.description == "Success"
    assert len(resp.result) == 2
    first = resp.result[0]
    assert isinstance(first, sdk.SmsID)
    assert first.status == "000000" and first.origin_to == "+8613912345678" and first._from == VERIFY_CHANNEL
    assert first.country_id == "CN" and first.total == 1
    assert first.sms_msg_id.count("_") == 1 and first.create_time.endswith("Z")
    msgs = live_sim.sim.store.query_messages(vendor="huawei")
    assert [m.content for m in msgs] == ["【华为云测试】您的验证码为246810，5分钟内有效。"] * 2
    assert msgs[0].extra["extend"] == "sdk-test"
    # the SDK's signed request really went through AK/SK (the request log keeps its headers)
    logged = live_sim.sim.store.requests("huawei")[-1].request_headers
    assert {k.lower(): v for k, v in logged.items()}["authorization"].startswith("SDK-HMAC-SHA256 Access=")

    live_sim.sim.clock.advance(5)
    await live_sim.sim.dispatcher.drain()
    reports = await receiver.wait(2)
    assert sorted(r.path for r in reports) == ["/report", "/report"]


async def test_sdk_batch_send_diff_sms(live_sim):
    def call():
        body = sdk.BatchSendDiffSmsRequestBody(
            _from=VERIFY_CHANNEL,
            sms_content=[
                sdk.SmsContent(to=["13912345678"], template_id="tplverify0001", template_paras=["111111"]),
                sdk.SmsContent(to=["13912345679"], template_id="tplverify0001", template_paras=["222222"]),
            ],
        )
        return client_for(live_sim.url).batch_send_diff_sms(sdk.BatchSendDiffSmsRequest(body=body))

    resp = await asyncio.to_thread(call)
    assert isinstance(resp, sdk.BatchSendDiffSmsResponse)
    assert resp.code == "000000"
    assert [r.origin_to for r in resp.result] == ["13912345678", "13912345679"]
    assert [m.content[-15:] for m in live_sim.sim.store.query_messages(vendor="huawei")] == [
        "您的验证码为111111，5分钟内有效。"[-15:],
        "您的验证码为222222，5分钟内有效。"[-15:],
    ]


async def test_sdk_per_number_failures_deserialize(live_sim):
    def call():
        body = sdk.BatchSendSmsRequestBody(
            _from=VERIFY_CHANNEL, to="13912345678", template_id="tplverify0001", template_paras='["1234567"]'
        )
        return client_for(live_sim.url).batch_send_sms(sdk.BatchSendSmsRequest(body=body))

    resp = await asyncio.to_thread(call)
    assert resp.code == "E000510"
    assert resp.result[0].status == "E200028" and resp.result[0].total is None


async def test_sdk_wrong_secret_is_refused(live_sim):
    def call():
        body = sdk.BatchSendSmsRequestBody(
            _from=VERIFY_CHANNEL, to="13912345678", template_id="tplverify0001", template_paras='["123456"]'
        )
        return client_for(live_sim.url, sk="wrong-secret").batch_send_sms(sdk.BatchSendSmsRequest(body=body))

    with pytest.raises(ClientRequestException) as info:
        await asyncio.to_thread(call)
    assert info.value.status_code == 400
    # the vendor's envelope is code/description, which the SDK does not map: it keeps the HTTP status as
    # error_code and the body as error_msg (what it does against the real service too)
    assert info.value.error_code == "400"
    assert '"code":"E000045"' in info.value.error_msg
    assert live_sim.sim.store.query_messages(vendor="huawei") == []
