"""Junk of every shape on every management endpoint gets an MSGSMS error envelope, never a 500."""

from __future__ import annotations

import json

from .manage_helpers import mgmt, new_app, new_signature, new_template

JUNK = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b'{"a":',
    b"\xff\xfe\x00",
    json.dumps({"app_name": ["x"], "region": {"r": 1}}).encode(),
    json.dumps(
        {"app_id": 1, "signature_name": None, "signature_type": [], "signature_source": True}
    ).encode(),
    json.dumps(
        {
            "app_id": {},
            "region": "cn",
            "template_name": 5,
            "template_content": ["a"],
            "universal_template": "x",
            "variable_attributes": [{"variable_index": 1.5, "variable_type": {}}],
            "send_country": "cn",
            "ids": [None],
        }
    ).encode(),
]


async def test_no_endpoint_answers_500_to_junk(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    tpl = await new_template(m, app["id"], sig["id"])
    targets = [
        ("POST", "/apps"),
        ("PUT", f"/apps/{app['id']}"),
        ("POST", "/signatures"),
        ("PUT", f"/signatures/{sig['id']}"),
        ("POST", "/templates"),
        ("PUT", f"/templates/{tpl['id']}"),
        ("POST", "/templates/batch-delete"),
        ("POST", "/upload-files"),
    ]
    for method, path in targets:
        for raw in JUNK:
            status, body = await m.call(method, path, raw=raw)
            assert status == 400 and body["error_code"].startswith("MSGSMS."), (method, path, raw, body)
    queries = [
        ("/apps", {"limit": "1e9", "offset": "x", "start_time": "\x00"}),
        ("/signatures", {"limit": "-5"}),
        ("/templates", {"start_time": "2022-13-45 99:99:99"}),
        ("/apps-count", {"region": ""}),
        ("/upload-files", {"file_id": ""}),
    ]
    for path, params in queries:
        status, body = await m.call("GET", path, params=params)
        assert status == 400 and body["error_code"].startswith("MSGSMS."), (path, params, body)


async def test_deep_nesting_and_lone_surrogates_are_invalid_parameters(sim_client):
    """A 50 000-deep array used to raise RecursionError (500), and a "\\ud800" escape in app_name was
    stored and then broke every later answer that rendered it (UnicodeEncodeError → 500)."""
    m = await mgmt(sim_client)
    for raw in (b"[" * 50000, b'{"ids":' + b"[" * 50000, b'{"app_name":' * 50000):
        for path in ("/apps", "/templates/batch-delete"):
            status, body = await m.call("POST", path, raw=raw)
            assert (status, body["error_code"]) == (400, "MSGSMS.0002"), (path, body)
    for raw in (
        b'{"app_name": "a\\ud800", "region": "cn"}',
        b'{"app_name": "ok", "region": "cn", "enterprise_project_name": "\\udfff"}',
        b'{"app_name": "ok", "region": "cn", "\\ud800": 1}',
    ):
        status, body = await m.call("POST", "/apps", raw=raw)
        assert (status, body["error_code"]) == (400, "MSGSMS.0002"), body
        assert "Unicode" in body["error_detail"]
    status, body = await m.get("/apps")
    assert status == 200 and [a["app_name"] for a in body["results"]] == ["demo"]
