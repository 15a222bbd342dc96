"""The request journal shows secure-interface bodies decrypted (``decoded_body``), for the sandbox."""

from __future__ import annotations


async def test_secure_request_is_shown_decrypted(emay):
    ans = await emay.secure("sendSingleSMS", {"mobile": "13912345678", "content": "【亿美测试】取件码 8899"})
    assert ans.result == "SUCCESS"
    page = await (await emay.http.get("/_sim/requests?vendor=emay")).json()
    [entry] = page["requests"]
    assert entry["request_body"].startswith("base64:")  # as received: encrypted
    assert '"content": "【亿美测试】取件码 8899"' in entry["decoded_body"]
    assert '"mobile": "13912345678"' in entry["decoded_response"].replace('":"', '": "')
    msg = (await (await emay.http.get("/_sim/messages?vendor=emay")).json())["messages"][0]
    full = await (await emay.http.get(f"/_sim/messages/{msg['sim_id']}")).json()
    assert full["request"]["decoded_body"] == entry["decoded_body"]


async def test_a_body_that_does_not_open_is_shown_as_received(emay):
    ans = await emay.secure("sendSingleSMS", {"mobile": "13912345678", "content": "x"}, secret_key="F" * 16)
    assert ans.result == "ERROR_ENCRYPTION"
    [entry] = (await (await emay.http.get("/_sim/requests?vendor=emay")).json())["requests"]
    assert entry["decoded_body"] is None and entry["decoded_response"] is None


async def test_other_vendors_have_no_decoded_body(sim_client):
    resp = await sim_client.get("/api/v2/sms/query?userid=1")
    assert resp.status == 200
    [entry] = (await (await sim_client.get("/_sim/requests")).json())["requests"]
    assert entry["decoded_body"] is None
