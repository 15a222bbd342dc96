"""Helpers for the huawei management API tests: IAM tokens and JSON calls under /v2/{project_id}/msgsms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PID = "demoproject0001"
BASE = f"/v2/{PID}/msgsms"
DEMO_APP_KEY = "hwdemoappkey0001"


def token_body(
    user: str = "demo", password: str = "demo-password", domain: str = "demo", scope: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": password, "domain": {"name": domain}}},
            },
            "scope": scope if scope is not None else {"project": {"name": "cn-north-4"}},
        }
    }
    return body


async def get_token(client, **kwargs: Any) -> str:
    resp = await client.post("/v3/auth/tokens", json=token_body(**kwargs))
    assert resp.status == 201, await resp.text()
    return resp.headers["X-Subject-Token"]


@dataclass
class Mgmt:
    """A management API caller with an X-Auth-Token; methods return (status, parsed JSON or None)."""

    client: Any
    token: str
    base: str = BASE

    async def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None, **kw: Any):
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json;charset=utf8"}
        headers.update(kw.pop("headers", {}))
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        resp = await self.client.request(method, self.base + path, data=data, headers=headers, **kw)
        text = await resp.text()
        return resp.status, (json.loads(text) if text else None)

    async def get(self, path: str, **params: Any):
        return await self.call("GET", path, params={k: str(v) for k, v in params.items()})

    async def post(self, path: str, body: Any = None, **kw: Any):
        return await self.call("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any):
        return await self.call("PUT", path, body, **kw)

    async def delete(self, path: str):
        return await self.call("DELETE", path)


async def mgmt(client) -> Mgmt:
    return Mgmt(client, await get_token(client))


def assert_error(result: tuple[int, Any], status: int, code: str) -> dict[str, Any]:
    got_status, body = result
    assert (got_status, body["error_code"]) == (status, code), body
    assert body["error_msg"] and body["error_detail"]
    return body


async def new_app(m: Mgmt, name: str = "app1", **extra: Any) -> dict[str, Any]:
    status, body = await m.post("/apps", {"app_name": name, "region": "cn", "show_secret": True, **extra})
    assert status == 200, body
    return body


def signature_req(app_id: str, /, **over: Any) -> dict[str, Any]:
    body = {
        "app_id": app_id,
        "signature_name": "测试签名",
        "signature_type": "NOTIFY_TYPE",
        "signature_source": "0",
        "is_involved_third": "No",
        "apply_desc": "test",
        "qualification_id": "qual-1",
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


async def new_signature(m: Mgmt, app_id: str, **over: Any) -> dict[str, Any]:
    status, body = await m.post("/signatures", signature_req(app_id, **over))
    assert status == 200, body
    return body


def template_req(app_id: str, sign_id: str | None, /, **over: Any) -> dict[str, Any]:
    body = {
        "app_id": app_id,
        "region": "cn",
        "sign_id": sign_id,
        "template_name": "验证码模板",
        "template_content": "您的验证码为${1}，${2}分钟内有效。",
        "template_type": "NOTIFY_TYPE",
        "universal_template": 0,
        "variable_attributes": [
            {"variable_index": 1, "variable_type": "CHARDIGIT"},
            {"variable_index": 2, "variable_type": "TEXT", "variable_desc": "minutes"},
        ],
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


async def new_template(m: Mgmt, app_id: str, sign_id: str | None, **over: Any) -> dict[str, Any]:
    status, body = await m.post("/templates", template_req(app_id, sign_id, **over))
    assert status == 200, body
    return body


async def approved_setup(m: Mgmt, client) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A new app with an approved signature and an approved template (the clock is advanced)."""
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    client.sim.clock.advance(5)
    tpl = await new_template(m, app["id"], sig["id"])
    client.sim.clock.advance(5)
    return app, sig, tpl
