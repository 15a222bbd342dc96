"""The admin API under /_sim/: shapes, filters, state changes, and 4xx JSON for every bad call."""

import json
import time

import pytest

from tests.vendors.kx.helpers import USERID, auth

JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


async def send(client, mobile="13912345678", **kw):
    resp = await client.post("/api/sms/send", data={**auth(), "mobile": mobile, "msgcontent": "hi", **kw})
    return await resp.json()


async def test_health(sim_client):
    resp = await sim_client.get("/_sim/health")
    body = await resp.json()
    assert resp.status == 200
    assert body["status"] == "ok"
    assert body["vendors"] == ["kx", "huawei", "smsgw", "mobset", "emay"]
    assert body["scenario"] == "default"


async def test_accounts_lists_every_demo_account(sim_client):
    body = await (await sim_client.get("/_sim/accounts")).json()
    got = {(a["vendor"], a["id"], a["secret"]) for a in body["accounts"]}
    assert got == {
        ("kx", "100001", "kxdemoapikey0001"),
        ("huawei", "hwdemoappkey0001", "hwdemoappsecret01"),
        ("smsgw", "922011", "123456"),
        ("mobset", "300003", "demo123"),
        ("emay", "EUCP-EMY-SMS1-DEMO1", "0123456789ABCDEF"),
    }
    assert all(a["mode"] == "pull" and a["balance"] > 0 for a in body["accounts"])
    one = await (await sim_client.get("/_sim/accounts?vendor=kx")).json()
    assert [a["id"] for a in one["accounts"]] == ["100001"]


async def test_patch_account(sim_client):
    resp = await sim_client.patch(
        "/_sim/accounts/kx/100001",
        json={
            "report_url": "http://127.0.0.1:1/r",
            "mo_url": "http://127.0.0.1:1/m",
            "mode": "push",
            "balance": 5,
        },
    )
    body = await resp.json()
    assert resp.status == 200
    assert (body["mode"], body["balance"], body["report_url"]) == ("push", 5, "http://127.0.0.1:1/r")
    acct = sim_client.sim.accounts.get("kx", "100001")
    assert (acct.mode, acct.balance, acct.mo_url) == ("push", 5, "http://127.0.0.1:1/m")


async def test_patch_vendor_option(sim_client):
    resp = await sim_client.patch("/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1", json={"push_format": "plain"})
    assert resp.status == 200
    assert sim_client.sim.accounts.get("emay", "EUCP-EMY-SMS1-DEMO1").options.push_format == "plain"
    resp = await sim_client.patch("/_sim/accounts/emay/EUCP-EMY-SMS1-DEMO1", json={"push_format": "xml"})
    assert resp.status == 400
    assert "push_format" in (await resp.json())["problems"][0]


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/_sim/accounts/nope/1", {"mode": "push"}, 404, "unknown vendor"),
        ("/_sim/accounts/kx/nobody", {"mode": "push"}, 404, "no kx account"),
        ("/_sim/accounts/kx/100001", {"mode": "carrier-pigeon"}, 400, "mode must be push or pull"),
        ("/_sim/accounts/kx/100001", {"balance": "lots"}, 400, "balance must be an integer"),
        ("/_sim/accounts/kx/100001", {"report_url": "ftp://x"}, 400, "report_url must be an http(s) URL"),
        ("/_sim/accounts/kx/100001", {"colour": "red"}, 400, "unknown field(s): colour"),
        ("/_sim/accounts/kx/100001", {"send_window": "late"}, 400, "send_window must look like"),
        ("/_sim/accounts/kx/100001", {"ip_allowlist": ["not-an-ip"]}, 400, "ip_allowlist"),
        ("/_sim/accounts/kx/100001", [1, 2], 400, "body must be a JSON object"),
    ],
)
async def test_patch_account_errors(sim_client, path, body, status, error):
    resp = await sim_client.patch(path, json=body)
    assert resp.status == status
    assert error in (await resp.json())["error"]


async def test_patch_with_broken_json_is_400(sim_client):
    resp = await sim_client.patch("/_sim/accounts/kx/100001", data=b"{nope", headers=JSON)
    assert resp.status == 400
    assert "not valid JSON" in (await resp.json())["error"]


async def test_messages_filters_and_one_message_with_timeline(sim_client):
    await send(sim_client, "13800000000,13800000001")
    await send(sim_client, "13912345678")
    sim_client.sim.clock.advance(0)
    all_ = (await (await sim_client.get("/_sim/messages")).json())["messages"]
    assert len(all_) == 3
    assert {"id", "vendor", "account", "mobile", "content", "segments", "status"} <= set(all_[0])
    by_status = (await (await sim_client.get("/_sim/messages?status=undeliverable")).json())["messages"]
    assert [m["mobile"] for m in by_status] == ["13800000001"]
    by_mobile = (await (await sim_client.get("/_sim/messages?mobile=13912345678&vendor=kx")).json())[
        "messages"
    ]
    assert [m["status"] for m in by_mobile] == ["sent"]
    by_account = (await (await sim_client.get(f"/_sim/messages?vendor=kx&account={USERID}")).json())[
        "messages"
    ]
    assert len(by_account) == 3
    assert (await (await sim_client.get("/_sim/messages?vendor=emay")).json())["messages"] == []

    one = await (await sim_client.get(f"/_sim/messages/{by_status[0]['sim_id']}")).json()
    assert [t["status"] for t in one["timeline"]] == ["accepted", "sent", "undeliverable", "report"]
    assert one["request"]["path"] == "/api/sms/send"
    assert "mobile=13800000000%2C13800000001" in one["request"]["request_body"]
    # by the vendor's id, disambiguated by mobile (kx taskids are per request)
    taskid = by_status[0]["id"]
    resp = await sim_client.get(f"/_sim/messages/{taskid}")
    assert resp.status == 409 and len((await resp.json())["candidates"]) == 2
    resp = await sim_client.get(f"/_sim/messages/{taskid}?mobile=13800000001")
    assert (await resp.json())["sim_id"] == by_status[0]["sim_id"]


async def test_message_errors(sim_client):
    assert (await sim_client.get("/_sim/messages/nothing")).status == 404
    assert (await sim_client.get("/_sim/messages?status=happy")).status == 400
    assert (await sim_client.get("/_sim/messages?since=yesterday")).status == 400


async def test_force_outcome(sim_client):
    await send(sim_client, "13800000005")  # delivered after 60 s
    [m] = sim_client.sim.store.query_messages()
    resp = await sim_client.post(f"/_sim/messages/{m.sim_id}/outcome", json={"outcome": "blacklisted"})
    assert resp.status == 200
    assert (m.status, m.code) == ("rejected", "F1120")
    sim_client.sim.clock.advance(120)
    assert m.status == "rejected"  # the original timer was cancelled
    resp = await sim_client.post(f"/_sim/messages/{m.sim_id}/outcome", json={"outcome": "delivered"})
    assert resp.status == 409
    resp = await sim_client.post(f"/_sim/messages/{m.sim_id}/outcome", json={"outcome": "exploded"})
    assert resp.status == 400


async def test_mo_injection_routing_and_errors(sim_client):
    resp = await sim_client.post("/_sim/mo", json={"vendor": "kx", "mobile": "13911111111", "content": "hi"})
    assert resp.status == 409 and "name the account" in (await resp.json())["error"]
    resp = await sim_client.post(
        "/_sim/mo", json={"vendor": "kx", "mobile": "13911111111", "content": "hi", "account": USERID}
    )
    assert resp.status == 201
    await send(sim_client, "13922222222")
    resp = await sim_client.post("/_sim/mo", json={"vendor": "kx", "mobile": "13922222222", "content": "yes"})
    mo = (await resp.json())["mo"]
    assert mo["account"] == USERID and mo["message_sim_id"]
    listed = (await (await sim_client.get("/_sim/mo?vendor=kx&order=asc")).json())["mo"]
    assert [m["content"] for m in listed] == ["hi", "yes"]
    for body, status in [
        ({"vendor": "nope", "mobile": "1", "content": "x", "account": "1"}, 404),
        ({"vendor": "kx", "mobile": "1", "content": "x", "account": "ghost"}, 404),
        ({"vendor": "kx", "content": "x"}, 400),
        ({"vendor": "kx", "mobile": "1", "content": ""}, 400),
    ]:
        assert (await sim_client.post("/_sim/mo", json=body)).status == status


async def test_clock_read_freeze_advance(make_client):
    client = await make_client(frozen=False)
    state = await (await client.get("/_sim/clock")).json()
    assert state["frozen"] is False and state["auth_clock"] == "wall"
    state = await (await client.post("/_sim/clock/freeze")).json()
    assert state["frozen"] is True
    now = state["now"]
    state = await (await client.post("/_sim/clock/advance", json={"seconds": 86400})).json()
    assert state["now"] == pytest.approx(now + 86400)
    state = await (await client.post("/_sim/clock/freeze", json={"at": now + 90000})).json()
    assert state["now"] == pytest.approx(now + 90000)
    state = await (await client.post("/_sim/clock/unfreeze")).json()
    assert state["frozen"] is False
    for body in ({"seconds": -1}, {"seconds": "10"}, {}, {"seconds": True}):
        assert (await client.post("/_sim/clock/advance", json=body)).status == 400
    assert (await client.post("/_sim/clock/freeze", json={"at": "not a time"})).status == 400
    assert (await client.post("/_sim/clock/freeze", json={"at": 0})).status == 400


async def test_auth_uses_wall_clock_after_days_of_advance(sim_client):
    sim_client.sim.clock.advance(2 * 86400)
    body = await send(sim_client)
    assert body["code"] == "0"


async def test_auth_on_simulated_clock_when_configured(make_client):
    client = await make_client(clock={"frozen": True, "auth": "simulated"})
    client.sim.clock.advance(2 * 86400)
    assert (await send(client))["code"] == "14"


async def test_reset(sim_client):
    await sim_client.patch("/_sim/accounts/kx/100001", json={"balance": 3, "mode": "push"})
    await send(sim_client, "13800000005")
    resp = await sim_client.post("/_sim/reset")
    assert resp.status == 200
    assert sim_client.sim.store.query_messages() == []
    acct = sim_client.sim.accounts.get("kx", "100001")
    assert (acct.balance, acct.mode) == (1_000_000, "pull")
    assert sim_client.sim.clock.pending == 0


async def test_reset_rewinds_the_clock_unless_keep_clock(make_client):
    client = await make_client(clock={"frozen": True, "start": "2026-01-01T00:00:00Z"})
    start = client.sim.clock.now()
    await client.post("/_sim/clock/advance", json={"seconds": 3600})
    await client.post("/_sim/clock/unfreeze", json={})
    resp = await client.post("/_sim/reset", json={"keep_clock": True})
    assert resp.status == 200 and not client.sim.clock.frozen
    assert client.sim.clock.now() >= start + 3600
    resp = await client.post("/_sim/reset")
    body = await resp.json()
    assert body["clock"]["now"] == start and body["clock"]["frozen"]  # the configured start, frozen
    assert client.sim.clock.now() == start
    resp = await client.post("/_sim/reset", json={"keep_clock": "yes"})
    assert resp.status == 400 and "keep_clock" in (await resp.json())["error"]


async def test_reset_without_a_configured_start_goes_back_to_the_wall_clock(make_client):
    client = await make_client(frozen=False)
    await client.post("/_sim/clock/advance", json={"seconds": 86400})
    await client.post("/_sim/clock/freeze", json={})
    await client.post("/_sim/reset")
    clock = client.sim.clock
    assert not clock.frozen and abs(clock.now() - clock.wall()) < 5


async def test_a_scenario_put_at_run_time_is_checked_like_a_file(sim_client):
    text = "name: typos\nrules:\n  - match: {vendor: kxx}\n    delay: -3\n  - delay: {min: 5}\n"
    resp = await sim_client.put("/_sim/scenario", data=text, headers=YAML)
    body = await resp.json()
    assert resp.status == 400 and body["error"] == "invalid scenario"
    assert body["problems"] == [
        "scenario:3: rules.0.match.vendor.0: unknown vendor 'kxx'; did you mean kx? "
        "(known: kx, huawei, smsgw, mobset, emay)",
        "scenario:4: rules.0.delay: Input should be greater than or equal to 0, not -3",
        "scenario:5: rules.1.delay.max: Field required",
    ]
    assert sim_client.sim.scenario.name == "default"  # the refused scenario did not replace it


async def test_replace_scenario_at_run_time(sim_client):
    yaml_text = "name: all-fail\ndefaults: {outcome: undeliverable, delay: 0}\n"
    resp = await sim_client.put("/_sim/scenario", data=yaml_text, headers=YAML)
    assert resp.status == 200 and (await resp.json())["scenario"] == "all-fail"
    await send(sim_client)
    sim_client.sim.clock.advance(0)
    assert sim_client.sim.store.query_messages()[0].status == "undeliverable"
    got = await (await sim_client.get("/_sim/scenario")).json()
    assert got["scenario"]["name"] == "all-fail"
    resp = await sim_client.put("/_sim/scenario", data="rules:\n  - outcome: exploded\n", headers=YAML)
    body = await resp.json()
    assert resp.status == 400 and body["error"] == "invalid scenario"
    assert "rules.0.outcome" in body["problems"][0]
    assert (await sim_client.put("/_sim/scenario", data="rules: [", headers=YAML)).status == 400
    # reset goes back to the configured scenario
    await sim_client.post("/_sim/reset")
    assert sim_client.sim.scenario.name == "default"


async def test_requests_log(sim_client):
    await send(sim_client)
    reqs = (await (await sim_client.get("/_sim/requests?vendor=kx")).json())["requests"]
    assert len(reqs) == 1
    assert reqs[0]["status"] == 200 and json.loads(reqs[0]["response_body"])["code"] == "0"


async def test_unknown_routes_are_plain_404(sim_client):
    assert (await sim_client.get("/api/nothing")).status == 404


async def test_event_stream_publishes_messages(sim_client):
    resp = await sim_client.get("/_sim/events")
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    await send(sim_client)
    line = b""
    while b"event: message" not in line:
        line = await resp.content.readline()
    data = json.loads((await resp.content.readline()).decode().removeprefix("data: "))
    assert data["message"]["mobile"] == "13912345678"
    resp.close()


async def test_openapi_describes_exactly_the_admin_routes(sim_client):
    doc = await (await sim_client.get("/_sim/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    described = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routed = {
        (r.resource.canonical, r.method)
        for r in sim_client.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/_sim") and r.method != "HEAD"
    }
    ui = {p for p in routed if p[0].startswith("/_sim/ui") or p[0] in ("/_sim", "/_sim/")}  # HTML pages
    assert described == routed - ui


def test_openapi_document_is_valid():
    from openapi_spec_validator import validate

    from simulator.admin.openapi import spec

    validate(spec())


async def test_kx_sign_refusal_is_diagnosed(sim_client):
    import hashlib

    ts = str(int(time.time() * 1000))
    form = {
        "userid": "100001",
        "ts": ts,
        "sign": "0" * 32,
        "mobile": "13800000000",
        "msgcontent": "【测试】1",
    }
    body = await (await sim_client.post("/api/sms/send", data=form)).json()
    assert body["code"] == "6"
    expected = hashlib.md5(f"100001{ts}kxdemoapikey0001".encode()).hexdigest()
    [entry] = (await (await sim_client.get("/_sim/requests?vendor=kx")).json())["requests"]
    assert entry["diagnosis"] == (
        f'sign refused: the simulator computed md5(userid + ts + apikey) = md5("100001{ts}<apikey>") = '
        f"{expected}, the request sent {'0' * 32}; they differ: check the apikey and that the sign is made "
        "of exactly these three values"
    )
    assert "kxdemoapikey0001" not in entry["diagnosis"]
    form["sign"] = expected.upper()
    assert (await (await sim_client.post("/api/sms/send", data=form)).json())["code"] == "6"
    newest = (await (await sim_client.get("/_sim/requests?vendor=kx")).json())["requests"][0]
    assert newest["diagnosis"].endswith("it is the right digest in uppercase: send it in lowercase hex")
    form["sign"] = expected
    assert (await (await sim_client.post("/api/sms/send", data=form)).json())["code"] == "0"
    newest = (await (await sim_client.get("/_sim/requests?vendor=kx")).json())["requests"][0]
    assert newest["diagnosis"] is None


async def test_unknown_paths_are_journaled_with_the_nearest_endpoint(sim_client):
    assert (await sim_client.post("/api/sms/sned", data={"userid": "1"})).status == 404
    assert (await sim_client.get("/completely/elsewhere")).status == 404
    entries = (await (await sim_client.get("/_sim/requests?order=asc")).json())["requests"]
    assert [(e["vendor"], e["path"], e["status"], e["diagnosis"]) for e in entries] == [
        ("", "/api/sms/sned", 404, "no vendor endpoint at /api/sms/sned; did you mean /api/sms/send?"),
        ("", "/completely/elsewhere", 404, "no vendor endpoint at /completely/elsewhere"),
    ]
    assert entries[0]["request_body"] == "userid=1"
