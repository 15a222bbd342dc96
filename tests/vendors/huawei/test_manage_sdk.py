"""The official huaweicloudsdkmsgsms SDK against a real listening simulator, and the send API end to end."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmsgsms.v2 import (
    CreateAppRequest,
    CreateSignatureRequest,
    CreateTemplateRequest,
    ListAppDetailsRequest,
    ListSignatureDetailsRequest,
    ListTemplateDetailsRequest,
    ListTemplateVarilableDetailsRequest,
    MsgsmsClient,
    ShowAppCountRequest,
    ShowSignatureFileRequest,
    ShowTemplateRequest,
    SmsAppAddReq,
    SmsSignatureReq,
    SmsTemplateReq,
    SmsTemplateVariableAttrReq,
    UploadSignatureFileRequest,
    UploadSignatureFileRequestBody,
)

from simulator.vendors.huawei import registry

from .manage_helpers import PID, mgmt
from .send_helpers import wsse


def sdk_client(url: str, project_id: str = PID, sk: str = "HWDEMOSK0001") -> MsgsmsClient:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    config.timeout = (5, 10)
    creds = BasicCredentials("HWDEMOAK0001", sk, project_id)
    return (
        MsgsmsClient.new_builder()
        .with_credentials(creds)
        .with_endpoints([url])
        .with_http_config(config)
        .build()
    )


def sdk_flow(client: MsgsmsClient, licence: str) -> dict:
    app = client.create_app(
        CreateAppRequest(body=SmsAppAddReq(app_name="sdk-app", region="cn", show_secret=True))
    )
    upload = UploadSignatureFileRequest(file_desc="licence")
    upload.body = UploadSignatureFileRequestBody(file=FormFile(licence, "image/png"))
    uploaded = client.upload_signature_file(upload)
    shown_file = client.show_signature_file(ShowSignatureFileRequest(file_id=uploaded.file_id))
    sig = client.create_signature(
        CreateSignatureRequest(
            body=SmsSignatureReq(
                app_id=app.id,
                signature_name="SDK签名",
                signature_type="VERIFY_CODE_TYPE",
                signature_source=0,
                is_involved_third="No",
                file_id=uploaded.file_id,
                qualification_id="q-1",
            )
        )
    )
    tpl = client.create_template(
        CreateTemplateRequest(
            body=SmsTemplateReq(
                app_id=app.id,
                region="cn",
                sign_id=sig.id,
                template_name="sdk-template",
                template_content="您的验证码为${1}",
                template_type="VERIFY_CODE_TYPE",
                universal_template=0,
                variable_attributes=[SmsTemplateVariableAttrReq(variable_index=1, variable_type="CHARDIGIT")],
            )
        )
    )
    apps = client.list_app_details(ListAppDetailsRequest(app_name="sdk-app"))
    sigs = client.list_signature_details(ListSignatureDetailsRequest(signature_name="SDK签名"))
    tpls = client.list_template_details(ListTemplateDetailsRequest(app_key=app.app_key))
    count = client.show_app_count(ShowAppCountRequest(region="cn"))
    variables = client.list_template_varilable_details(ListTemplateVarilableDetailsRequest(id=tpl.id))
    return {
        "app": app,
        "file": shown_file,
        "sig": sig,
        "tpl": tpl,
        "apps": apps,
        "sigs": sigs,
        "tpls": tpls,
        "count": count,
        "variables": variables,
    }


async def test_official_sdk_creates_app_signature_template_and_lists(live_sim, tmp_path):
    licence = tmp_path / "licence.png"
    licence.write_bytes(b"\x89PNG fake licence")
    client = sdk_client(live_sim.url)
    r = await asyncio.to_thread(sdk_flow, client, str(licence))
    assert r["app"].app_name == "sdk-app" and r["app"].app_secret
    assert r["file"].file_name == "licence.png" and r["file"].file_size == len(b"\x89PNG fake licence")
    assert r["apps"].total == 1 and r["apps"].results[0].app_key == r["app"].app_key
    assert r["apps"].results[0].status == "LAUNCHED"
    assert r["sigs"].total == 1 and r["sigs"].results[0].status == "PENDING_REVIEW"
    assert r["tpls"].total == 1 and r["tpls"].results[0].flow_status == "SignReviewing"
    assert (r["count"].total, r["count"].used) == (100, 2)
    assert [(v.variable_index, v.variable_type) for v in r["variables"].results] == [(1, "CHARDIGIT")]

    live_sim.sim.clock.advance(10)  # signature, then template, approved by the default scenario
    shown = await asyncio.to_thread(client.show_template, ShowTemplateRequest(id=r["tpl"].id))
    assert shown.flow_status == "Adopted" and shown.template_id
    sigs = await asyncio.to_thread(
        client.list_signature_details, ListSignatureDetailsRequest(signature_name="SDK签名")
    )
    assert sigs.results[0].status == "REVIEW_PROCESSING_COMPLETED" and sigs.results[0].channel_num


async def test_sdk_errors(live_sim):
    client = sdk_client(live_sim.url)
    with pytest.raises(ClientRequestException) as info:
        await asyncio.to_thread(
            client.create_signature,
            CreateSignatureRequest(
                body=SmsSignatureReq(
                    app_id="no-such-app",
                    signature_name="签名",
                    signature_type="NOTIFY_TYPE",
                    signature_source=0,
                    is_involved_third="No",
                    qualification_id="q",
                )
            ),
        )
    assert info.value.status_code == 400 and info.value.error_code == "MSGSMS.0014"
    with pytest.raises(ClientRequestException) as info:
        await asyncio.to_thread(
            sdk_client(live_sim.url, sk="wrong").list_app_details, ListAppDetailsRequest()
        )
    assert info.value.status_code == 401 and info.value.error_code == "MSGSMS.0003"


async def test_new_app_with_approved_signature_and_template_can_send(sim_client):
    m = await mgmt(sim_client)
    status, app = await m.post("/apps", {"app_name": "sender", "region": "cn", "show_secret": True})
    assert status == 200
    _, sig = await m.post(
        "/signatures",
        {
            "app_id": app["id"],
            "signature_name": "新签名",
            "signature_type": "NOTIFY_TYPE",
            "signature_source": 0,
            "is_involved_third": "No",
        },
    )
    _, tpl = await m.post(
        "/templates",
        {
            "app_id": app["id"],
            "region": "cn",
            "sign_id": sig["id"],
            "template_name": "到货",
            "template_content": "您的快递已到${1}",
            "template_type": "NOTIFY_TYPE",
            "variable_attributes": [{"variable_index": 1, "variable_type": "TEXT", "variable_desc": "地点"}],
        },
    )
    channel = registry.signatures(sim_client.sim)[sig["id"]].channel

    async def send(paras: str = '["南门"]'):
        template_id = registry.template_by_pk(sim_client.sim, tpl["id"]).id
        form = {"from": channel, "to": "+8613912345678", "templateId": template_id, "templateParas": paras}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **wsse(app["app_key"], app["app_secret"]),
        }
        resp = await sim_client.post("/sms/batchSendSms/v1", data=urlencode(form), headers=headers)
        return resp.status, await resp.json()

    # not yet approved: the send API refuses
    status, body = await send()
    assert body["code"] != "000000" or body["result"][0]["status"] != "000000"
    sim_client.sim.clock.advance(10)
    _, shown = await m.get(f"/templates/{tpl['id']}")
    assert shown["flow_status"] == "Adopted"
    status, body = await send()
    assert status == 200 and body["code"] == "000000", body
    assert body["result"][0]["status"] == "000000" and body["result"][0]["from"] == channel
    # the variable length limit of a TEXT variable (20) is enforced by the send side (E200028)
    status, body = await send('["' + "长" * 21 + '"]')
    assert body["result"][0]["status"] == "E200028", body
    # disabled (UpdateTemplate flow_status Disable, seed §3.1.5.3): the send API refuses it again
    body = {
        "app_id": app["id"],
        "region": "cn",
        "sign_id": sig["id"],
        "template_name": "到货",
        "template_content": "您的快递已到${1}",
        "template_type": "NOTIFY_TYPE",
        "variable_attributes": [{"variable_index": 1, "variable_type": "TEXT", "variable_desc": "地点"}],
        "flow_status": "Disable",
    }
    assert (await m.put(f"/templates/{tpl['id']}", body))[0] == 200
    assert (await m.get(f"/templates/{tpl['id']}"))[1]["flow_status"] == "Disable"
    status, body = await send()
    assert body["code"] != "000000" or body["result"][0]["status"] != "000000", body
