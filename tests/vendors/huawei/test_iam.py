"""Simulated IAM (POST /v3/auth/tokens) and the management API's two auth schemes."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.vendors.huawei import apig

from .manage_helpers import BASE, PID, assert_error, get_token, token_body

OTHER = {
    "iam_users": [
        {"name": "demo", "password": "demo-password"},
        {
            "name": "bob",
            "password": "bob-pass",
            "domain": "acme",
            "project_id": "acmeproj",
            "project_name": "cn-south-1",
        },
    ],
    "access_keys": [
        {"ak": "HWDEMOAK0001", "sk": "HWDEMOSK0001"},
        {"ak": "ACMEAK", "sk": "ACMESK", "project_id": "acmeproj", "domain": "acme"},
    ],
}


def signed(
    method: str, url: str, ak: str = "HWDEMOAK0001", sk: str = "HWDEMOSK0001", offset: float = 0, **hdrs
):
    now = datetime.now(UTC).timestamp() + offset
    return apig.sign_headers(ak, sk, method, url, {"Content-Type": "application/json", **hdrs}, b"", now)


async def test_password_token_is_201_with_subject_token_and_body(sim_client):
    resp = await sim_client.post("/v3/auth/tokens", json=token_body())
    assert resp.status == 201
    token = resp.headers["X-Subject-Token"]
    assert token.startswith("MII") and len(token) > 500
    body = (await resp.json())["token"]
    assert body["methods"] == ["password"]
    assert body["project"]["id"] == PID and body["project"]["name"] == "cn-north-4"
    assert body["user"]["name"] == "demo" and body["user"]["domain"]["name"] == "demo"
    issued = datetime.strptime(body["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert (expires - issued).total_seconds() == 24 * 3600
    assert body["catalog"][0]["type"] == "msgsms"
    resp = await sim_client.post("/v3/auth/tokens?nocatalog=true", json=token_body())
    assert "catalog" not in (await resp.json())["token"]


async def test_scope_by_project_id_and_domain_scope(sim_client):
    resp = await sim_client.post("/v3/auth/tokens", json=token_body(scope={"project": {"id": PID}}))
    assert resp.status == 201
    resp = await sim_client.post("/v3/auth/tokens", json=token_body(scope={"domain": {"name": "demo"}}))
    assert resp.status == 201
    body = (await resp.json())["token"]
    assert "project" not in body and body["domain"]["name"] == "demo"
    # a domain-scoped token is not enough for MSGSMS (a project-level token is required)
    r = await sim_client.get(f"{BASE}/apps", headers={"X-Auth-Token": resp.headers["X-Subject-Token"]})
    assert_error((r.status, await r.json()), 401, "MSGSMS.0049")


async def test_token_errors_use_the_keystone_envelope(sim_client):
    cases = [
        (token_body(password="wrong"), 401),
        (token_body(user="nobody"), 401),
        (token_body(domain="otherdomain"), 401),
        (token_body(scope={"project": {"name": "ap-southeast-1"}}), 401),
        (token_body(scope={"project": {}}), 400),
        (token_body(scope="everything"), 400),
        ({"auth": {"identity": {"methods": ["token"], "token": {"id": "x"}}}}, 400),
        ({"auth": {"identity": {"methods": ["password"]}}}, 400),
        ({"nothing": 1}, 400),
        ([1, 2], 400),
    ]
    for body, status in cases:
        resp = await sim_client.post("/v3/auth/tokens", json=body)
        err = (await resp.json())["error"]
        assert resp.status == status and err["code"] == status and err["message"], body
        assert "X-Subject-Token" not in resp.headers
    for raw in (b"{not json", b"[" * 50000, b'{"auth":' * 50000, b"\xff\xfe"):
        resp = await sim_client.post(
            "/v3/auth/tokens", data=raw, headers={"Content-Type": "application/json"}
        )
        assert resp.status == 400 and (await resp.json())["error"]["title"] == "Bad Request", raw[:20]


async def test_token_fields_of_the_wrong_type_are_400(sim_client):
    user = {"name": "demo", "password": "demo-password"}
    bodies = [
        token_body(scope={"project": {"id": [PID]}}),
        token_body(scope={"project": {"name": {"n": "cn-north-4"}}}),
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {**user, "domain": {"name": ["demo"]}}},
                }
            }
        },
        {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": {**user, "domain": {"id": 5}}}}
            }
        },
    ]
    for body in bodies:
        resp = await sim_client.post("/v3/auth/tokens", json=body)
        err = (await resp.json())["error"]
        assert (resp.status, err["code"], err["title"]) == (400, 400, "Bad Request"), body


async def test_token_expires_after_24_hours_of_simulated_time(sim_client):
    token = await get_token(sim_client)
    headers = {"X-Auth-Token": token}
    r = await sim_client.get(f"{BASE}/apps", headers=headers)
    assert r.status == 200
    sim_client.sim.clock.advance(24 * 3600 - 1)
    assert (await sim_client.get(f"{BASE}/apps", headers=headers)).status == 200
    sim_client.sim.clock.advance(1)
    r = await sim_client.get(f"{BASE}/apps", headers=headers)
    assert_error((r.status, await r.json()), 401, "MSGSMS.0049")


async def test_validate_token_endpoint(sim_client):
    token = await get_token(sim_client)
    r = await sim_client.get("/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert r.status == 200 and r.headers["X-Subject-Token"] == token
    assert (await r.json())["token"]["project"]["id"] == PID
    r = await sim_client.get(
        "/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": "MIIbogus"}
    )
    assert r.status == 404
    r = await sim_client.get(
        "/v3/auth/tokens", headers={"X-Auth-Token": "MIIbogus", "X-Subject-Token": token}
    )
    assert r.status == 401


async def test_missing_and_invalid_credentials(sim_client):
    r = await sim_client.get(f"{BASE}/apps")
    body = assert_error((r.status, await r.json()), 401, "MSGSMS.0003")
    assert body["error_msg"] == "Request unauthorized."
    r = await sim_client.get(f"{BASE}/apps", headers={"X-Auth-Token": "MIInot-a-token"})
    assert_error((r.status, await r.json()), 401, "MSGSMS.0049")
    assert r.headers["X-Request-Id"]


async def test_token_of_another_project_is_forbidden(make_client):
    client = await make_client(vendors={"huawei": OTHER})
    acme = await get_token(
        client, user="bob", password="bob-pass", domain="acme", scope={"project": {"id": "acmeproj"}}
    )
    r = await client.get(f"{BASE}/apps", headers={"X-Auth-Token": acme})
    assert_error((r.status, await r.json()), 403, "MSGSMS.0056")
    r = await client.get("/v2/acmeproj/msgsms/apps", headers={"X-Auth-Token": acme})
    assert r.status == 200 and (await r.json()) == {"results": [], "total": 0}


async def test_aksk_signed_requests(make_client):
    client = await make_client(vendors={"huawei": OTHER})
    host = f"{client.server.host}:{client.server.port}"
    url = f"http://{host}{BASE}/apps?limit=5&region=cn"

    async def get(headers):
        r = await client.get(f"{BASE}/apps?limit=5&region=cn", headers=headers)
        return r.status, await r.json()

    status, body = await get(signed("GET", url, **{"X-Project-Id": PID}))
    assert status == 200 and body["total"] == 1
    assert_error(await get(signed("GET", url, sk="wrong")), 401, "MSGSMS.0003")
    assert_error(await get(signed("GET", url, ak="NOSUCHAK")), 401, "MSGSMS.0003")
    assert_error(await get(signed("GET", url, offset=-16 * 60)), 401, "MSGSMS.0003")
    assert_error(await get(signed("GET", url, offset=16 * 60)), 401, "MSGSMS.0003")
    h = signed("GET", url)
    h["X-Sdk-Date"] = "yesterday"
    assert_error(await get(h), 401, "MSGSMS.0003")
    h = signed("GET", url)
    h["Authorization"] = "SDK-HMAC-SHA256 nonsense"
    assert_error(await get(h), 401, "MSGSMS.0003")
    # the signature covers the query: a changed parameter breaks it
    r = await client.get(f"{BASE}/apps?limit=6&region=cn", headers=signed("GET", url))
    assert_error((r.status, await r.json()), 401, "MSGSMS.0003")
    assert_error(await get(signed("GET", url, **{"X-Project-Id": "acmeproj"})), 403, "MSGSMS.0056")
    assert_error(await get(signed("GET", url, ak="ACMEAK", sk="ACMESK")), 403, "MSGSMS.0056")


async def test_list_projects_for_sdk_project_discovery(sim_client):
    host = f"{sim_client.server.host}:{sim_client.server.port}"
    r = await sim_client.get(
        "/v3/projects?name=cn-north-4", headers=signed("GET", f"http://{host}/v3/projects?name=cn-north-4")
    )
    assert r.status == 200
    assert [p["id"] for p in (await r.json())["projects"]] == [PID]
    r = await sim_client.get(
        "/v3/projects?name=eu-west-0", headers=signed("GET", f"http://{host}/v3/projects?name=eu-west-0")
    )
    assert (await r.json())["projects"] == []
    token = await get_token(sim_client)
    r = await sim_client.get("/v3/projects", headers={"X-Auth-Token": token})
    assert (await r.json())["projects"][0]["name"] == "cn-north-4"
    r = await sim_client.get("/v3/projects", headers=signed("GET", f"http://{host}/v3/projects", sk="bad"))
    assert r.status == 401 and (await r.json())["error"]["code"] == 401


async def test_reset_forgets_tokens(sim_client):
    token = await get_token(sim_client)
    sim_client.sim.reset()
    r = await sim_client.get(f"{BASE}/apps", headers={"X-Auth-Token": token})
    assert_error((r.status, await r.json()), 401, "MSGSMS.0049")
