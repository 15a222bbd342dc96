"""The admin API's guard over real HTTP: token (Bearer or login cookie), JSON-only state changes,
foreign Origins refused, the start-up warning, and passwords masked in the request journal."""

from __future__ import annotations

import asyncio
import hashlib
import json

import aiohttp
import pytest

from simulator.app import SIM_KEY
from tests.conftest import make_app

TOKEN = "s3cret-token-42"


async def served(aiohttp_server, **config) -> tuple[str, object]:
    app = make_app(**config)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("")).rstrip("/"), app[SIM_KEY]


async def call(url: str, method: str, path: str, **kw) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s,
        s.request(method, url + path, allow_redirects=False, **kw) as r,
    ):
        text = await r.text()
        return r.status, (json.loads(text) if text.startswith("{") else {"text": text})


BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def test_token_required_on_every_admin_route(aiohttp_server):
    url, _sim = await served(aiohttp_server, admin_token=TOKEN)
    for method, path in [
        ("GET", "/_sim/messages"),
        ("GET", "/_sim/requests"),
        ("GET", "/_sim/accounts"),
        ("GET", "/_sim/events"),
        ("GET", "/_sim/openapi.json"),
        ("POST", "/_sim/reset"),
        ("POST", "/_sim/clock/unfreeze"),
        ("GET", "/_sim/ui/"),
    ]:
        status, body = await call(url, method, path)
        assert status == 401, (method, path, status)
        status, _ = await call(url, method, path, headers={"Authorization": "Bearer wrong"})
        assert status == 401
    # health answers without the token, but only that the simulator is alive
    status, body = await call(url, "GET", "/_sim/health")
    assert status == 200 and body == {"status": "ok"}
    status, body = await call(url, "GET", "/_sim/health", headers=BEARER)
    assert status == 200 and "clock" in body
    status, body = await call(url, "GET", "/_sim/messages", headers=BEARER)
    assert status == 200
    # the vendors' own endpoints are not behind the token
    status, _ = await call(url, "GET", "/api/sms/balance?userid=1")
    assert status == 200


async def test_login_cookie_for_the_ui(aiohttp_server):
    url, _ = await served(aiohttp_server, admin_token=TOKEN)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.get(url + "/_sim/login", params={"token": "nope"}, allow_redirects=False) as r:
            assert r.status == 401
        async with s.get(url + "/_sim/login", params={"token": TOKEN}, allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == "/_sim/ui/"
            cookie = r.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "sim_admin_token=" in cookie
        async with s.get(url + "/_sim/messages") as r:  # the cookie now authenticates
            assert r.status == 200


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/_sim/mo", "text/plain"),
        ("/_sim/mo", "application/x-www-form-urlencoded"),
        ("/_sim/mo", "multipart/form-data; boundary=x"),
        ("/_sim/clock/advance", "text/plain"),
        ("/_sim/scenario", "text/plain"),
        ("/_sim/scenario", "application/x-www-form-urlencoded"),
    ],
)
async def test_state_changes_need_json(aiohttp_server, path, content_type):
    """A cross-site form or a "simple" fetch can send these types without a preflight: refused."""
    url, sim = await served(aiohttp_server)
    before = (len(sim.store.query_mo()), sim.clock.now(), sim.scenario.name)
    method = "PUT" if path == "/_sim/scenario" else "POST"
    body = json.dumps({"vendor": "kx", "mobile": "13911111111", "content": "hi", "seconds": 5})
    if path == "/_sim/scenario":
        body = "name: evil\n"
    status, answer = await call(url, method, path, data=body, headers={"Content-Type": content_type})
    assert status == 415, answer
    assert (len(sim.store.query_mo()), sim.clock.now(), sim.scenario.name) == before


@pytest.mark.parametrize("content_type", ["application/yaml", "application/x-yaml", "text/yaml"])
async def test_scenario_takes_yaml_types(aiohttp_server, content_type):
    url, sim = await served(aiohttp_server)
    status, _ = await call(
        url, "PUT", "/_sim/scenario", data="name: mine\n", headers={"Content-Type": content_type}
    )
    assert status == 200 and sim.scenario.name == "mine"


async def test_foreign_origin_refused(aiohttp_server):
    url, sim = await served(aiohttp_server)
    sim.clock.advance(1)
    for origin in ["http://evil.example", "null", url.replace("127.0.0.1", "localhost")]:
        status, body = await call(url, "POST", "/_sim/reset", headers={"Origin": origin})
        assert status == 403, (origin, body)
        status, _ = await call(url, "GET", "/_sim/requests", headers={"Origin": origin})
        assert status == 403
    assert sim.clock.pending or sim.clock.now() > 0  # nothing was reset by a refused request
    status, _ = await call(url, "POST", "/_sim/reset", headers={"Origin": url})
    assert status == 200


async def test_admin_origins_config(aiohttp_server):
    url, _ = await served(aiohttp_server, admin_origins=["http://ui.test:3000"])
    status, _ = await call(url, "GET", "/_sim/health", headers={"Origin": "http://ui.test:3000"})
    assert status == 200


async def test_iam_password_masked_in_journal(aiohttp_server):
    url, _ = await served(aiohttp_server)
    user = {"name": "demo", "password": "demo-password", "domain": {"name": "demo"}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"name": "cn-north-4"}},
        }
    }
    async with aiohttp.ClientSession() as s, s.post(url + "/v3/auth/tokens", json=body) as r:
        await r.read()
    _status, answer = await call(url, "GET", "/_sim/requests?limit=1")
    (entry,) = answer["requests"]
    assert entry["vendor"] == "huawei" and "demo-password" not in json.dumps(answer)
    assert '"password": "***"' in entry["request_body"] and '"name": "demo"' in entry["request_body"]


async def test_smsgw_md5_password_stays_visible(aiohttp_server):
    url, sim = await served(aiohttp_server)
    account = sim.accounts.list("smsgw")[0]
    digest = hashlib.md5(account.secret.encode()).hexdigest()
    async with aiohttp.ClientSession() as s:
        for password in (digest, account.secret):
            q = {"action": "balance", "account": account.id, "password": password}
            async with s.get(url + "/sms", params=q) as r:
                await r.read()
    _status, body = await call(url, "GET", "/_sim/requests?limit=10&order=asc")
    queries = [r["query"] for r in body["requests"]]
    assert f"password={digest}" in queries[0]
    assert "password=***" in queries[1] and f"password={account.secret}" not in queries[1]


async def test_mobset_plain_password_masked(aiohttp_server):
    url, sim = await served(aiohttp_server)
    account = sim.accounts.list("mobset")[0]
    async with aiohttp.ClientSession() as s:
        q = {"CorpID": account.id, "Password": account.secret, "SecretKey": "a" * 32}
        async with s.get(url + "/SDK3/Sms", params=q) as r:
            await r.read()
    _status, body = await call(url, "GET", "/_sim/requests?limit=1")
    (entry,) = body["requests"]
    assert entry["vendor"] == "mobset"
    assert "Password=***" in entry["query"] and "SecretKey=" + "a" * 32 in entry["query"]
    assert f"Password={account.secret}" not in json.dumps(body)


def test_loopback_addresses():
    """Which binds count as local (no warning without a token)."""
    from simulator import cli

    assert cli.loopback("127.0.0.1") and cli.loopback("::1") and cli.loopback("localhost")
    assert not cli.loopback("0.0.0.0") and not cli.loopback("192.168.1.2")


async def test_start_warning_printed(serve):
    srv = serve("--host", "0.0.0.0")
    import asyncio

    for _ in range(50):
        if "WARNING" in srv.log():
            break
        await asyncio.sleep(0.05)
    assert "no admin token" in srv.log() and "--admin-token" in srv.log()
    quiet = serve("--host", "0.0.0.0", env={"SMS_SIMULATOR_ADMIN_TOKEN": TOKEN})
    await asyncio.sleep(0.3)
    assert "WARNING" not in quiet.log()
    url = quiet.url.replace("0.0.0.0", "127.0.0.1")
    status, _ = await call(url, "GET", "/_sim/messages")
    assert status == 401
    status, _ = await call(url, "GET", "/_sim/messages", headers=BEARER)
    assert status == 200


async def test_traffic_replies_carry_the_token(aiohttp_server):
    """``POST /_sim/traffic`` posts the phones' replies to its own ``/_sim/mo`` with the token."""
    url, sim = await served(aiohttp_server, admin_token=TOKEN)
    body = {"count": 20, "rate": 200, "seed": 3, "vendor": "kx", "reply_share": 1, "magic_share": 0}
    status, _ = await call(url, "POST", "/_sim/traffic", json=body, headers=BEARER)
    assert status == 202
    for _ in range(100):
        status, state = await call(url, "GET", "/_sim/traffic", headers=BEARER)
        if not state["running"]:
            break
        await asyncio.sleep(0.05)
    assert state["replies"] > 0 and state["reply_errors"] == 0, state
    assert len(sim.store.query_mo()) == state["replies"]
