"""The admin API's answers match the OpenAPI document generated from simulator/admin/shapes.py.

A tour calls every described route (with real data in every list: pushes, replies, unsubscribes, a
refused request, a traffic run) and validates each answer, errors included, against the schema the
document gives for that route, method and status (JSON Schema 2020-12, as OpenAPI 3.1 uses).  The
answer models forbid keys they do not name, so a field added to a record but not to its model fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from simulator.admin import shapes
from simulator.admin.openapi import spec
from tests.vendors.kx.helpers import auth

YAML = {"Content-Type": "application/yaml"}
NOT_JSON = {
    ("/_sim/events", "get"),
    ("/_sim/login", "get"),
    ("/_sim/openapi.json", "get"),
    ("/_sim/metrics", "get"),  # Prometheus text: tests/admin/test_metrics.py
}


class Checked:
    """Calls the admin API and validates each JSON answer against the document."""

    def __init__(self, client) -> None:
        self.client = client
        self.doc = spec()
        self.seen: set[tuple[str, str, str]] = set()

    def schema(self, route: str, method: str, status: int) -> dict[str, Any]:
        responses = self.doc["paths"][route][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {route} answered {status}, not described"
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        return {**schema, "components": self.doc["components"]}

    async def call(self, method: str, route: str, status: int = 200, **kw: Any) -> Any:
        params = kw.pop("path", {})
        path = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), route)
        resp = await self.client.request(method, path, **kw)
        body = await resp.json()
        assert resp.status == status, (method, path, resp.status, body)
        errors = sorted(
            Draft202012Validator(self.schema(route, method.lower(), status)).iter_errors(body),
            key=lambda e: list(e.path),
        )
        assert not errors, f"{method} {path}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        self.seen.add((route, method.lower(), str(status)))
        return body


async def kx_send(client, mobiles: str, **form: str) -> dict:
    data = {**auth(), "mobile": mobiles, "msgcontent": "【测试】您的验证码是1234", **form}
    return await (await client.post("/api/sms/send", data=data)).json()


async def emay_send(url: str) -> None:
    """A send through Emay's secure interface (gzip + AES), with the traffic generator's client."""
    import aiohttp

    from simulator.traffic.clients import Credentials, EmayClient
    from simulator.traffic.content import Item

    client = EmayClient(Credentials("emay", "EUCP-EMY-SMS1-DEMO1", "0123456789ABCDEF"), url)
    async with aiohttp.ClientSession() as session:
        result = await client.send(
            session, Item(0, "emay", "parcel", ["13912345670"], "亿美测试", "取件码 8899")
        )
    assert result.accepted == ["13912345670"], result


async def test_every_admin_answer_matches_its_generated_schema(sim_client, receiver):
    api = Checked(sim_client)
    kx = {"vendor": "kx", "id": "100001"}

    health = await api.call("GET", "/_sim/health")
    assert health["vendors"] == ["kx", "huawei", "smsgw", "mobset", "emay"]
    accounts = await api.call("GET", "/_sim/accounts")
    assert len(accounts["accounts"]) == 5
    await api.call("GET", "/_sim/accounts/{vendor}/{id}", path=kx)
    for vendor, aid in [("kx", "100001"), ("huawei", "hwdemoappkey0001"), ("emay", "EUCP-EMY-SMS1-DEMO1")]:
        await api.call("GET", "/_sim/accounts/{vendor}/{id}/example", path={"vendor": vendor, "id": aid})
    push = {"mode": "push", "report_url": f"{receiver.url}/report", "mo_url": f"{receiver.url}/mo"}
    push["quotas"] = {"per_day": 50}  # counted per number: GET /_sim/quotas has rows
    patched = await api.call("PATCH", "/_sim/accounts/{vendor}/{id}", path=kx, json=push)
    assert patched["mode"] == "push"
    await api.call(
        "PATCH",
        "/_sim/accounts/{vendor}/{id}",
        path={"vendor": "emay", "id": "EUCP-EMY-SMS1-DEMO1"},
        json={"push_format": "plain", "send_window": "08:00-22:00", "ip_allowlist": ["127.0.0.1"]},
    )

    # traffic: the state before any run, then a run stopped at once
    assert await api.call("GET", "/_sim/traffic") == {"running": False, "options": None}
    await api.call("POST", "/_sim/traffic", 202, json={"count": 10, "rate": 1000, "seed": 1})
    stopped = await api.call("DELETE", "/_sim/traffic")
    assert stopped["running"] is False and stopped["options"]["count"] == 10
    await api.call("GET", "/_sim/traffic")

    assert (await kx_send(sim_client, "13800000000,13912345678,13800000005"))["code"] == "0"
    assert (await kx_send(sim_client, "13912345678", sign="0" * 32))["code"] != "0"  # journaled, diagnosed
    await sim_client.get("/api/sms/sned")  # an unknown path: journaled with vendor ""
    await emay_send(str(sim_client.make_url("")).rstrip("/"))  # encrypted: decoded_body in the journal
    fired = await api.call("POST", "/_sim/clock/advance", json={"seconds": 3})
    assert fired["fired"] > 0
    await receiver.wait(1)

    page = await api.call("GET", "/_sim/messages", params={"vendor": "kx", "limit": "2"})
    assert page["next"] is not None and page["total"] >= 3
    await api.call("GET", "/_sim/messages", params={"vendor": "kx", "cursor": page["next"]})
    slow = (await api.call("GET", "/_sim/messages", params={"mobile": "13800000005"}))["messages"][0]
    detail = await api.call("GET", "/_sim/messages/{id}", path={"id": slow["sim_id"]})
    assert detail["request"] is not None
    await api.call(
        "POST", "/_sim/messages/{id}/outcome", path={"id": slow["sim_id"]}, json={"outcome": "expired"}
    )
    await api.call(
        "POST", "/_sim/messages/{id}/outcome", 409, path={"id": slow["sim_id"]}, json={"outcome": "expired"}
    )
    taskid = slow["batch"]
    shared = await api.call("GET", "/_sim/messages/{id}", 409, path={"id": taskid})
    assert len(shared["candidates"]) == 3

    mo = {"vendor": "kx", "account": "100001", "mobile": "13912345678", "content": "TD"}
    created = await api.call("POST", "/_sim/mo", 201, json=mo)
    assert created["mo"]["mobile"] == "13912345678"
    await api.call("POST", "/_sim/clock/advance", json={"seconds": 1})
    delivered = (await api.call("GET", "/_sim/messages", params={"mobile": "13800000000"}))["messages"][0]
    detail = await api.call("GET", "/_sim/messages/{id}", path={"id": delivered["sim_id"]})
    assert detail["callbacks"] and detail["timeline"]
    await api.call("GET", "/_sim/mo")
    callbacks = await api.call("GET", "/_sim/callbacks")
    assert callbacks["callbacks"]
    retried = await api.call(
        "POST", "/_sim/callbacks/{id}/retry", path={"id": callbacks["callbacks"][-1]["id"]}
    )
    assert retried["attempt"] is not None
    failed = await api.call("GET", "/_sim/requests", params={"failed": "true"})
    assert [r["diagnosis"][:23] for r in failed["requests"]] == ["no vendor endpoint at /"]
    everything = await api.call("GET", "/_sim/requests", params={"limit": "1000"})
    assert any(r["vendor"] == "kx" and r["diagnosis"] for r in everything["requests"])
    assert any(r["decoded_body"] for r in everything["requests"]), "no decoded emay request"

    counts = await api.call("GET", "/_sim/quotas", params={"vendor": "kx"})
    assert {c["mobile"] for c in counts["quotas"]} == {"13800000000", "13912345678", "13800000005"}
    one_count = {**kx, "mobile": "13800000000"}
    assert await api.call("DELETE", "/_sim/quotas/{vendor}/{id}/{mobile}", path=one_count) == {"removed": 1}
    assert await api.call("DELETE", "/_sim/quotas/{vendor}/{id}", path=kx) == {"removed": 2}

    listed = await api.call("GET", "/_sim/unsubscribes")
    assert [u["mobile"] for u in listed["unsubscribes"]] == ["13912345678"]
    one = {**kx, "mobile": "13912345678"}
    assert await api.call("DELETE", "/_sim/unsubscribes/{vendor}/{id}/{mobile}", path=one) == {"removed": 1}
    await api.call("DELETE", "/_sim/unsubscribes/{vendor}/{id}/{mobile}", 404, path=one)
    await api.call("DELETE", "/_sim/unsubscribes/{vendor}/{id}", path=kx)

    export = await api.call("GET", "/_sim/export")
    assert export["messages"] and export["callbacks"] and export["mo"] and export["requests"]
    await api.call("GET", "/_sim/export", 400, params={"format": "xml"})

    clock = await api.call("GET", "/_sim/clock")
    await api.call("POST", "/_sim/clock/freeze", json={"at": clock["now"] + 60})
    await api.call("POST", "/_sim/clock/unfreeze")
    current = await api.call("GET", "/_sim/scenario")
    assert current["scenario"]["name"] == "default"
    text = "name: lognormal\nrules:\n  - delay: {lognormal: {median: 5, sigma: 1}}\n    code: {kx: F1}\n"
    await api.call("PUT", "/_sim/scenario", data=text, headers=YAML)
    assert (await api.call("GET", "/_sim/scenario"))["scenario"]["rules"][0]["code"] == {"kx": "F1"}
    await api.call("PUT", "/_sim/scenario", 400, data="rules:\n  - delay: -3\n", headers=YAML)
    await api.call("POST", "/_sim/reset", json={"keep_clock": True})

    # errors are described too
    await api.call("GET", "/_sim/accounts/{vendor}/{id}", 404, path={"vendor": "nope", "id": "1"})
    await api.call("PATCH", "/_sim/accounts/{vendor}/{id}", 400, path=kx, json={"balance": "lots"})
    await api.call("POST", "/_sim/clock/advance", 400, json={"seconds": -1})
    await api.call("POST", "/_sim/mo", 400, json={"vendor": "kx"})
    await api.call("POST", "/_sim/traffic", 400, json={"rate": "fast"})

    described = {
        (route, method)
        for route, ops in api.doc["paths"].items()
        for method in ops
        if (route, method) not in NOT_JSON
    }
    answered = {(route, method) for route, method, status in api.seen if status.startswith("2")}
    assert described == answered, f"not exercised: {sorted(described - answered)}"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"mode": "carrier-pigeon"}, "mode must be push or pull"),
        ({"balance": "lots"}, "balance must be an integer"),
        ({"balance": True}, "balance must be an integer"),
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"report_url": "ftp://x"}, "report_url must be an http(s) URL or null"),
        ({"send_window": "late"}, "send_window must look like 08:00-22:00, not 'late'"),
        ({"ip_allowlist": ["not-an-ip"]}, "ip_allowlist: 'not-an-ip' does not appear to be an IPv4 or IPv6"),
        ({"ip_allowlist": "127.0.0.1"}, "ip_allowlist must be a list of IP addresses or networks"),
        ({"sensitive_words": "spam"}, "sensitive_words must be a list of strings"),
        ({"options": "plain"}, "options must be an object of the vendor's account options"),
    ],
)
async def test_patch_problems_come_from_the_model(sim_client, body, error):
    resp = await sim_client.patch("/_sim/accounts/kx/100001", json=body)
    got = await resp.json()
    assert resp.status == 400
    assert got["error"].startswith(error), got
    assert got["problems"][0] == got["error"]
    assert sim_client.sim.accounts.get("kx", "100001").mode == "pull"  # nothing changed


async def test_patch_reports_every_bad_field_and_changes_nothing(sim_client):
    resp = await sim_client.patch("/_sim/accounts/kx/100001", json={"mode": "x", "balance": "y", "name": "n"})
    got = await resp.json()
    assert resp.status == 400
    assert got["problems"] == ["mode must be push or pull", "balance must be an integer"]
    assert sim_client.sim.accounts.get("kx", "100001").name != "n"


async def test_patch_clears_and_coerces_as_before(sim_client):
    path = "/_sim/accounts/kx/100001"
    got = await (await sim_client.patch(path, json={"send_window": "08:00-22:00", "name": 7})).json()
    assert (got["send_window"], got["name"]) == ("08:00-22:00", "7")
    got = await (await sim_client.patch(path, json={"send_window": None, "report_url": ""})).json()
    assert (got["send_window"], got["report_url"]) == (None, None)
    got = await (await sim_client.patch(path, json={"sensitive_words": ["a", 1]})).json()
    assert got["sensitive_words"] == ["a", "1"]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/_sim/clock/advance", {}, "seconds is required (a number of seconds from 0 to ten years)"),
        ("/_sim/clock/advance", {"seconds": "3"}, "seconds must be a number of seconds from 0 to ten years"),
        ("/_sim/clock/advance", {"seconds": True}, "seconds must be a number of seconds from 0 to ten years"),
        ("/_sim/clock/advance", {"seconds": 1e12}, "seconds must be a number of seconds from 0 to ten years"),
        ("/_sim/clock/freeze", {"at": "soon"}, "at must be epoch seconds or an ISO 8601 time"),
        ("/_sim/clock/freeze", {"at": False}, "at must be epoch seconds or an ISO 8601 time"),
        ("/_sim/reset", {"keep_clock": "yes"}, "keep_clock must be true or false"),
        ("/_sim/mo", {"vendor": "kx", "mobile": "", "content": "x"}, "mobile must be a non-empty string"),
        ("/_sim/mo", {"mobile": "1", "content": "x"}, "vendor is required (a non-empty string)"),
        (
            "/_sim/mo",
            {"vendor": "kx", "mobile": "1", "content": "x", "account": []},
            "account must be a string (the account id; default: the last to send to the number)",
        ),
    ],
)
async def test_bodies_are_checked_by_their_models(sim_client, path, body, error):
    resp = await sim_client.post(path, json=body)
    assert resp.status == 400
    assert (await resp.json())["error"] == error


async def test_an_unknown_patch_field_lists_the_models_fields(sim_client):
    resp = await sim_client.patch("/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1", json={"colour": "red"})
    got = await resp.json()
    assert (resp.status, got["error"]) == (400, "unknown field(s): colour")
    options = set(sim_client.sim.accounts.get("emay", "EUCP-EMY-SMS1-DEMO1").options.model_fields)
    assert set(got["allowed"]) == set(shapes.AccountPatch.model_fields) - {"options"} | options
    schema = spec()["components"]["schemas"]["AccountPatch"]
    assert all("default" not in p for p in schema["properties"].values())  # absent means unchanged


def test_traffic_options_are_the_generators():
    from simulator.traffic.runner import OPTION_KEYS

    schema = spec()["paths"]["/_sim/traffic"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/OptionsIn"}
    assert tuple(spec()["components"]["schemas"]["OptionsIn"]["properties"]) == OPTION_KEYS
