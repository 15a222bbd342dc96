"""POST /_sim/callbacks/{id}/retry: the sandbox's "retry now"."""

from __future__ import annotations

import hashlib
import time


async def kx_send(client, mobile: str) -> None:
    ts = str(int(time.time() * 1000))
    sign = hashlib.md5(f"100001{ts}kxdemoapikey0001".encode()).hexdigest()
    form = {"userid": "100001", "ts": ts, "sign": sign, "mobile": mobile, "msgcontent": "【测试】验证码1234"}
    resp = await client.post("/api/sms/send", data=form)
    assert (await resp.json())["code"] == "0"


async def push_to(client, receiver) -> None:
    resp = await client.patch(
        "/_sim/accounts/kx/100001", json={"mode": "push", "report_url": receiver.url + "/report"}
    )
    assert resp.status == 200


async def test_retry_now_after_giving_up_sends_the_reports_again(sim_client, receiver):
    receiver.reply = (500, "broken")
    await push_to(sim_client, receiver)
    await kx_send(sim_client, "13800000000")
    for _ in range(30):  # every retry fails (each is scheduled once the previous one was answered)
        await sim_client.post("/_sim/clock/advance", json={"seconds": 86400})
    attempts = (await (await sim_client.get("/_sim/callbacks?order=asc")).json())["callbacks"]
    assert attempts[-1]["gave_up"] and not any(a["ok"] for a in attempts)
    sent = len(receiver.requests)
    receiver.reply = (200, "SUCCESS")
    resp = await sim_client.post(f"/_sim/callbacks/{attempts[0]['id']}/retry", json={})
    body = await resp.json()
    assert resp.status == 200, body
    assert body["retried"] == attempts[0]["id"]
    assert body["attempt"]["ok"] and body["attempt"]["attempt"] == 1
    assert body["attempt"]["message_ids"] == attempts[0]["message_ids"]
    assert len(receiver.requests) == sent + 1
    assert receiver.requests[-1].body == receiver.requests[0].body


async def test_retry_now_of_a_batch_waiting_for_its_retry_sends_it_at_once(sim_client, receiver):
    receiver.replies = [(500, "broken")]
    await push_to(sim_client, receiver)
    await kx_send(sim_client, "13800000000")
    await sim_client.post("/_sim/clock/advance", json={"seconds": 1})
    [first] = (await (await sim_client.get("/_sim/callbacks")).json())["callbacks"]
    assert first["next_retry_at"] is not None
    pending = sim_client.sim.clock.pending
    resp = await sim_client.post(f"/_sim/callbacks/{first['id']}/retry")
    body = await resp.json()
    assert body["attempt"]["ok"] and body["attempt"]["attempt"] == 2  # the same batch, its second try
    assert sim_client.sim.clock.pending == pending - 1  # its retry timer is gone
    assert len(receiver.requests) == 2


async def test_retry_now_of_an_unknown_attempt_is_a_404(sim_client):
    resp = await sim_client.post("/_sim/callbacks/cb-999999/retry")
    assert resp.status == 404
    assert "cb-999999" in (await resp.json())["error"]
