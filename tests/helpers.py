"""Helpers for end-to-end tests that drive a real listening simulator (`live_sim`) over HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp

from simulator.config import load_config
from simulator.traffic import Item, parse_options, pick_credentials
from simulator.traffic.clients import CLIENTS, huawei_templates
from tests.vendors.kx.helpers import auth

# the demo account of each vendor, and its credentials for the vendor's own wire client
ACCOUNTS = {
    "kx": "100001",
    "huawei": "hwdemoappkey0001",
    "smsgw": "922011",
    "mobset": "300003",
    "emay": "EUCP-EMY-SMS1-DEMO1",
}
CREDS = pick_credentials(load_config(None).all_accounts(), parse_options({}))


async def admin(http, live, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    """Call the admin API; (HTTP status, JSON body)."""
    async with http.request(method, live.url + path, **kw) as r:
        return r.status, await r.json()


async def admin_ok(http, live, method: str, path: str, **kw: Any) -> Any:
    """Call the admin API, insist on success, return the JSON body."""
    async with http.request(method, live.url + path, **kw) as r:
        assert r.status < 300, await r.text()
        return await r.json()


async def advance(http, live, seconds: float) -> dict[str, Any]:
    """Advance the simulated clock over HTTP; returns once the callbacks it caused were answered."""
    return await admin_ok(http, live, "POST", "/_sim/clock/advance", json={"seconds": seconds})


async def kx_push_to(http, live, url: str) -> None:
    """Switch the demo kx account to push mode with its reports going to ``url``."""
    await admin_ok(http, live, "PATCH", "/_sim/accounts/kx/100001", json={"mode": "push", "report_url": url})


async def kx_send_live(http, live, mobile: str, text: str = "x") -> None:
    """Send one message from the demo kx account over HTTP; insist that it is accepted."""
    async with http.post(
        live.url + "/api/sms/send", data={**auth(), "mobile": mobile, "msgcontent": text}
    ) as r:
        assert (await r.json())["code"] == "0"


# A scenario for code tests: 13900000001 is rate-limited, 13800000007 a system error.
FAULT_SCENARIO = """
name: codes
rules:
  - match: {mobile: "13900000001"}
    fault: {error: rate_limited}
  - match: {mobile: "13800000007"}
    fault: {error: system_error}
"""


def pinned_clock(start: str) -> dict[str, Any]:
    """Clock config for timestamp tests: frozen at ``start`` (ISO 8601), auth windows on that clock."""
    return {"frozen": True, "auth": "simulated", "start": start}


async def journal_warnings(client, vendor: str) -> list[str]:
    """The ``warnings`` of the latest request of ``vendor`` in the journal (``GET /_sim/requests``)."""
    resp = await client.get("/_sim/requests", params={"vendor": vendor, "limit": 1})
    assert resp.status == 200
    return (await resp.json())["requests"][0]["warnings"]


async def vendor_send(live, vendor: str, mobile: str, text: str = "您的验证码是1234", seq: int = 0) -> None:
    """One send from the vendor's demo account through its own wire protocol (the traffic generator's
    client: its signing, encryption and shapes); insist that the vendor accepted the recipient.  huawei
    sends its first template with ``text`` cut to the variables' lengths; odd ``seq``: AK/SK signing."""
    creds = CREDS[vendor]
    item = Item(seq, vendor, "verify", [mobile], "测试", text)
    if vendor == "huawei":
        t = huawei_templates(creds.options)[0]
        item.template, item.channel = t.id, t.channel
        item.params = [text[:n] for n in t.max_lengths]
    async with aiohttp.ClientSession() as session:
        result = await CLIENTS[vendor](creds, live.url).send(session, item)
    assert result.accepted == [mobile], result
