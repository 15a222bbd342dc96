"""Helpers for end-to-end tests that drive a real listening simulator (`live_sim`) over HTTP."""

from __future__ import annotations

from typing import Any

from tests.vendors.kx.helpers import auth


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
