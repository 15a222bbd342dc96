"""An smsgw client as customers write it: `/sms?action=…`, GET or form POST, plain or MD5 password."""

from __future__ import annotations

import hashlib
from typing import Any

ACCOUNT = "922011"
PASSWORD = "123456"
EXTNO = "10690123"
START_BALANCE = 100_000_000  # 厘, defaults.yaml
PRICE = 60  # 厘 per segment, the default price_per_segment


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def send_password(mobile: str, content: str, extno: str = EXTNO, password: str = PASSWORD) -> str:
    return md5(password + extno + content + mobile)


def p2p_password(mobile_content_list: str, extno: str = EXTNO, password: str = PASSWORD) -> str:
    return md5(password + extno + mobile_content_list.replace("\r", "").replace("\n", ""))


async def call(client, method: str = "POST", **params: Any) -> Any:
    """One request to /sms; every answer of the gateway is HTTP 200 with a JSON body."""
    params.setdefault("account", ACCOUNT)
    params.setdefault("password", PASSWORD)
    params.setdefault("rt", "json")
    params = {k: v for k, v in params.items() if v is not None}
    if method == "GET":
        resp = await client.get("/sms", params=params)
    else:
        resp = await client.post("/sms", data=params)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/json"
    return await resp.json()


async def send(
    client, mobile: str, content: str = "验证码1234【测试】", method: str = "POST", **kw: Any
) -> Any:
    kw.setdefault("extno", EXTNO)
    return await call(client, method, action="send", mobile=mobile, content=content, **kw)


async def advance(client, seconds: float) -> None:
    client.sim.clock.advance(seconds)
    await client.sim.dispatcher.drain()
