"""GET /_sim/accounts/{vendor}/{id}/example: a curl command that really sends, for every vendor."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from tests.helpers import ACCOUNTS, admin_ok


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("vendor", list(ACCOUNTS))
async def test_the_example_curl_command_sends_a_message(vendor, live_sim, http):
    path = f"/_sim/accounts/{vendor}/{ACCOUNTS[vendor]}/example?mobile=13912345678"
    example = await admin_ok(http, live_sim, "GET", path)
    assert example["curl"].startswith(f"curl -s -X POST {live_sim.url}") or example["curl"].startswith(
        f"curl -s -X POST '{live_sim.url}"
    )
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", example["curl"], stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, err
    answer = json.loads(out)
    assert answer.get("code", answer.get("status", answer.get("Code"))) in ("0", "000000", "SUCCESS", 1), (
        answer
    )
    messages = await admin_ok(http, live_sim, "GET", f"/_sim/messages?vendor={vendor}")
    assert [m["mobile"] for m in messages["messages"]] == ["13912345678"]


async def test_example_of_an_unknown_account_is_a_404(sim_client):
    resp = await sim_client.get("/_sim/accounts/kx/nope/example")
    assert resp.status == 404
