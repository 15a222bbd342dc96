"""Management API §3.1.4: signatures (review on the clock), activation, application files."""

from __future__ import annotations

import aiohttp

from simulator.vendors.huawei import registry

from .manage_helpers import assert_error, mgmt, new_app, new_signature, signature_req

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def upload(m, name: str = "license.PNG", data: bytes = PNG, desc: str | None = None):
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="image/png")
    params = {"file_desc": desc} if desc else None
    resp = await m.client.post(
        m.base + "/upload-files", data=form, headers={"X-Auth-Token": m.token}, params=params
    )
    return resp.status, await resp.json()


async def test_signature_is_reviewed_on_the_clock(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    created = await new_signature(m, app["id"], signature_name="auto_test789")
    assert set(created) == {"id", "signature_id", "signature_name"}
    status, body = await m.get(f"/signatures/{created['id']}")
    assert status == 200
    assert body["status"] == "PENDING_REVIEW" and "channel_num" not in body
    assert body["signature_id"] == created["signature_id"] and body["app_key"] == app["app_key"]
    assert body["signature_source"] == 0 and body["is_involved_third"] == "No"
    assert (
        body["app_name"] == "app1" and body["apply_desc"] == "test" and body["qualification_id"] == "qual-1"
    )
    record = registry.signatures(sim_client.sim)[created["id"]]
    assert record.status == "pending"
    sim_client.sim.clock.advance(4.9)
    assert (await m.get(f"/signatures/{created['id']}"))[1]["status"] == "PENDING_REVIEW"
    sim_client.sim.clock.advance(0.1)
    body = (await m.get(f"/signatures/{created['id']}"))[1]
    assert body["status"] == "REVIEW_PROCESSING_COMPLETED" and body["review_desc"]
    assert body["channel_num"].startswith("csms") and len(body["channel_num"]) == 12
    # the send half finds it by channel, approved
    found = registry.signature_by_channel(sim_client.sim, app["app_key"], body["channel_num"])
    assert found is record and record.status == "approved" and record.name == "auto_test789"


async def test_rejected_signature_can_be_updated_and_resubmitted(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    created = await new_signature(m, app["id"], signature_name="REJECT签名")
    # only a rejected signature may be updated
    assert_error(await m.put(f"/signatures/{created['id']}", signature_req(app["id"])), 400, "MSGSMS.0007")
    sim_client.sim.clock.advance(5)
    body = (await m.get(f"/signatures/{created['id']}"))[1]
    assert body["status"] == "REVIEW_NOT_PASS" and "REJECT" in body["review_desc"]
    assert registry.signatures(sim_client.sim)[created["id"]].status == "rejected"
    status, body = await m.put(
        f"/signatures/{created['id']}", signature_req(app["id"], signature_name="好签名")
    )
    assert status == 200 and body == {
        "id": created["id"],
        "signature_id": created["signature_id"],
        "signature_name": "好签名",
    }
    assert (await m.get(f"/signatures/{created['id']}"))[1]["status"] == "PENDING_REVIEW"
    sim_client.sim.clock.advance(5)
    assert (await m.get(f"/signatures/{created['id']}"))[1]["status"] == "REVIEW_PROCESSING_COMPLETED"
    assert_error(await m.put("/signatures/nope", signature_req(app["id"])), 400, "MSGSMS.0005")


async def test_create_signature_validation(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    aid = app["id"]
    cases = [
        (signature_req("no-such-app"), "MSGSMS.0014"),
        (signature_req(aid, app_id=None), "MSGSMS.0002"),
        (signature_req(aid, signature_name=None), "MSGSMS.0002"),
        (signature_req(aid, signature_name="一"), "MSGSMS.0002"),
        (signature_req(aid, signature_name="【括号】"), "MSGSMS.0002"),
        (signature_req(aid, signature_name="超" * 17), "MSGSMS.0002"),
        (signature_req(aid, signature_type="MARKETING"), "MSGSMS.0018"),
        (signature_req(aid, signature_type=None), "MSGSMS.0018"),
        (signature_req(aid, signature_source=1), "MSGSMS.0002"),
        (signature_req(aid, signature_source="app"), "MSGSMS.0002"),
        (signature_req(aid, signature_source=None), "MSGSMS.0002"),
        (signature_req(aid, is_involved_third="yes"), "MSGSMS.0002"),
        (signature_req(aid, is_involved_third="Yes"), "MSGSMS.0017"),
        (signature_req(aid, file_id="no-such-file"), "MSGSMS.0011"),
        (signature_req(aid, apply_desc=7), "MSGSMS.0002"),
    ]
    for body, code in cases:
        assert_error(await m.post("/signatures", body), 400, code)
    _status, intl = await m.post("/apps", {"app_name": "abroad", "region": "intl"})
    assert_error(await m.post("/signatures", signature_req(intl["id"])), 400, "MSGSMS.0104")
    await new_signature(m, aid)
    assert_error(await m.post("/signatures", signature_req(aid)), 400, "MSGSMS.0006")
    # the same name with another type is another signature
    await new_signature(m, aid, signature_type="VERIFY_CODE_TYPE")


async def test_delete_and_show_signature(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    created = await new_signature(m, app["id"])
    assert await m.delete(f"/signatures/{created['id']}") == (204, None)
    assert_error(await m.get(f"/signatures/{created['id']}"), 400, "MSGSMS.0005")
    assert_error(await m.delete(f"/signatures/{created['id']}"), 400, "MSGSMS.0005")
    # a review answer for a deleted signature changes nothing
    sim_client.sim.clock.advance(10)
    assert created["id"] not in registry.signatures(sim_client.sim)


async def test_list_signatures_filters(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m, "shop")
    a = await new_signature(m, app["id"], signature_name="商城通知")
    sim_client.sim.clock.advance(1)
    b = await new_signature(m, app["id"], signature_name="商城验证", signature_type="VERIFY_CODE_TYPE")
    sim_client.sim.clock.advance(1)
    await new_signature(m, app["id"], signature_name="REJECT营销", signature_type="PROMOTION_TYPE")
    status, body = await m.get("/signatures", app_name="shop")
    assert status == 200 and body["total"] == 3
    assert [s["signature_name"] for s in body["results"]] == ["REJECT营销", "商城验证", "商城通知"]
    assert (await m.get("/signatures"))[1]["total"] == 5  # plus the demo app's two configured ones
    assert [s["id"] for s in (await m.get("/signatures", signature_name="商城"))[1]["results"]] == [
        b["id"],
        a["id"],
    ]
    assert [
        s["id"]
        for s in (await m.get("/signatures", signature_type="NOTIFY_TYPE", app_name="shop"))[1]["results"]
    ] == [a["id"]]
    assert (await m.get("/signatures", signature_id=b["signature_id"]))[1]["results"][0]["id"] == b["id"]
    sim_client.sim.clock.advance(5)
    assert (await m.get("/signatures", status="REVIEW_NOT_PASS"))[1]["total"] == 1
    assert (await m.get("/signatures", status="PENDING_REVIEW"))[1]["total"] == 0
    assert (await m.get("/signatures", app_name="shop", limit=1, offset=2))[1]["results"][0]["id"] == a["id"]
    assert_error(await m.get("/signatures", status="APPROVED"), 400, "MSGSMS.0002")
    assert_error(await m.get("/signatures", signature_type="X"), 400, "MSGSMS.0018")
    assert_error(await m.get("/signatures", limit=101), 400, "MSGSMS.0002")


async def test_enable_signature(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    created = await new_signature(m, app["id"])
    body = assert_error(await m.put(f"/signatures/{created['id']}/active"), 400, "MSGSMS.0130")
    assert body["error_msg"] == "Signature status should be to be activated."
    assert body["error_detail"] == "Signature status should be TO_BE_ACTIVATED."
    sim_client.sim.clock.advance(5)
    registry.deactivate_signature(sim_client.sim, created["id"])
    shown = (await m.get(f"/signatures/{created['id']}"))[1]
    assert shown["status"] == "TO_BE_ACTIVATED"
    status, _ = await m.put(f"/signatures/{created['id']}/active")
    assert status == 200
    assert (await m.get(f"/signatures/{created['id']}"))[1]["status"] == "PENDING_ACTIVATE"
    assert registry.signatures(sim_client.sim)[created["id"]].status == "activating"
    sim_client.sim.clock.advance(5)
    assert (await m.get(f"/signatures/{created['id']}"))[1]["status"] == "REVIEW_PROCESSING_COMPLETED"
    assert_error(await m.put("/signatures/nope/active"), 400, "MSGSMS.0005")


async def test_upload_and_show_application_file(sim_client):
    m = await mgmt(sim_client)
    status, body = await upload(m, "/C:/Users/someone/Desktop/test.PNG", desc="business licence")
    assert status == 200
    assert body["file_name"] == "test.PNG" and body["file_size"] == len(PNG)
    assert body["file_type"] == 1 and body["module_type"] == 2 and body["file_ref"] == 0
    file_id = body["file_id"]
    stored = registry.files(sim_client.sim)[file_id]
    assert stored.data == PNG and stored.desc == "business licence"
    status, shown = await m.get("/upload-files", file_id=file_id)
    assert status == 200 and shown["file_id"] == file_id and shown["file_size"] == len(PNG)
    assert shown["update_time"] and shown["operator"]
    app = await new_app(m)
    await new_signature(m, app["id"], file_id=file_id, is_involved_third="Yes", power_attorney_fileid=file_id)
    assert (await m.get("/upload-files", file_id=file_id))[1]["file_ref"] == 2
    sig = (await m.get("/signatures", app_name="app1"))[1]["results"][0]
    assert sig["file_id"] == file_id and sig["power_attorney_file_id"] == file_id
    assert_error(await m.get("/upload-files", file_id="nope"), 400, "MSGSMS.0011")
    assert_error(await m.get("/upload-files"), 400, "MSGSMS.0002")


async def test_upload_file_errors(sim_client):
    m = await mgmt(sim_client)
    assert_error(await upload(m, "my licence.png"), 400, "MSGSMS.0132")
    assert_error(await upload(m, "x" * 130 + ".png"), 400, "MSGSMS.0132")
    assert_error(await upload(m, "lic#1.png"), 400, "MSGSMS.0133")
    assert_error(await upload(m, "lic$.png"), 400, "MSGSMS.0133")
    assert_error(await upload(m, "licence.exe"), 400, "MSGSMS.0084")
    assert_error(await upload(m, "empty.png", b""), 400, "MSGSMS.0084")
    # no "file" field, or not multipart at all
    form = aiohttp.FormData()
    form.add_field("other", b"x", filename="a.png")
    r = await m.client.post(m.base + "/upload-files", data=form, headers={"X-Auth-Token": m.token})
    assert_error((r.status, await r.json()), 400, "MSGSMS.0002")
    assert_error(await m.post("/upload-files", {"file": "x"}), 400, "MSGSMS.0002")


async def test_upload_size_limit(make_client):
    client = await make_client(vendors={"huawei": {"max_upload_bytes": 100}})
    m = await mgmt(client)
    assert_error(await upload(m, "big.png", b"x" * 101), 400, "MSGSMS.0084")
    assert (await upload(m, "ok.png", b"x" * 100))[0] == 200
