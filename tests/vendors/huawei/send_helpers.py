"""Helpers for the huawei send/receive tests: signed requests with either auth scheme."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from simulator.vendors.huawei import apig
from simulator.vendors.huawei.auth import wsse_headers

APP_KEY = "hwdemoappkey0001"
SECRET = "hwdemoappsecret01"
VERIFY_CHANNEL = "csms12345678"  # 【华为云测试】 VERIFY_CODE_TYPE
NOTIFY_CHANNEL = "csms12345679"  # 【华为云通知】 NOTIFY_TYPE
BATCH = "/sms/batchSendSms/v1"
DIFF = "/sms/batchSendDiffSms/v1"
FORM = "application/x-www-form-urlencoded"
_nonces = itertools.count(1)

# an app whose template renders to 113 characters (2 segments)
LONG_ACCOUNT = {
    "vendor": "huawei",
    "id": "hwlongapp",
    "secret": "hwlongsecret",
    "options": {
        "channels": [{"channel": "csms00000001", "signature": "长签名", "type": "NOTIFY_TYPE"}],
        "templates": [
            {
                "id": "tpllong",
                "type": "NOTIFY_TYPE",
                "content": "尊敬的用户${1}：" + "通" * 100,
                "max_lengths": [10],
            }
        ],
    },
}


def long_form(**over: str) -> dict[str, str]:
    """A batchSendSms form for LONG_ACCOUNT's 2-segment template."""
    form = {"from": "csms00000001", "to": "13912345678", "templateId": "tpllong", "templateParas": '["张三"]'}
    return {**form, **over}


# an app that only its allow-listed network may use (E000620)
IP_LOCKED_ACCOUNT = {
    "vendor": "huawei",
    "id": "hwiplocked",
    "secret": "s3cret",
    "ip_allowlist": ["10.0.0.0/8"],
    "options": {"channels": [{"channel": "csms1", "signature": "x", "type": "NOTIFY_TYPE"}]},
}


def created(offset: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def wsse(app_key: str = APP_KEY, secret: str = SECRET, offset: float = 0, raw: bool = False, nonce=None):
    return wsse_headers(app_key, secret, nonce or f"{next(_nonces):032x}", created(offset), raw)


def verify_form(**over: Any) -> dict[str, str]:
    form = {"from": VERIFY_CHANNEL, "to": "+8613912345678", "templateId": "tplverify0001"}
    form["templateParas"] = '["123456"]'
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


async def batch(client, form: dict[str, str] | str, headers: dict[str, str] | None = None, ctype=FORM):
    """POST batchSendSms with X-WSSE (unless headers are given); returns (status, json)."""
    body = form if isinstance(form, str) else urlencode(form)
    hdrs = {"Content-Type": ctype, **(wsse() if headers is None else headers)}
    resp = await client.post(BATCH, data=body.encode(), headers=hdrs)
    return resp.status, json.loads(await resp.text())


async def diff(client, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None, ctype=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = {"Content-Type": ctype or "application/json", **(wsse() if headers is None else headers)}
    resp = await client.post(DIFF, data=data, headers=hdrs)
    return resp.status, json.loads(await resp.text())


def aksk(path: str, body: bytes, ctype: str, host: str, key=APP_KEY, secret=SECRET, offset=0.0):
    now = datetime.now(UTC).timestamp() + offset
    return apig.sign_headers(key, secret, "POST", f"http://{host}{path}", {"Content-Type": ctype}, body, now)


async def settle(client, seconds: float = 5) -> None:
    """Let the carrier answer and the callbacks go out: advance the simulated clock, then drain."""
    client.sim.clock.advance(seconds)
    await client.sim.dispatcher.drain()
    client.sim.clock.advance(seconds)
    await client.sim.dispatcher.drain()
