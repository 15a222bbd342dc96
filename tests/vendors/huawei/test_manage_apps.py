"""Management API §3.1.3: apps (create, update, list, count, show) and gateway-level answers."""

from __future__ import annotations

from .manage_helpers import BASE, DEMO_APP_KEY, PID, assert_error, mgmt, new_app


async def test_create_app_adds_a_real_account(sim_client):
    m = await mgmt(sim_client)
    status, body = await m.post(
        "/apps",
        {
            "app_name": "auto_test789",
            "create_sign_and_template": 0,
            "enterprise_project_id": "0",
            "enterprise_project_name": "default",
            "region": "cn",
            "show_secret": True,
        },
    )
    assert status == 200
    assert set(body) == {"id", "app_key", "app_name", "app_secret"}
    assert body["app_name"] == "auto_test789" and len(body["app_key"]) == 28
    account = sim_client.sim.accounts.get("huawei", body["app_key"])
    assert account is not None and account.secret == body["app_secret"]
    assert account.options.project_id == PID and account.options.app_name == "auto_test789"
    # without show_secret the secret is not returned
    status, body = await m.post("/apps", {"app_name": "quiet", "region": "cn"})
    assert status == 200 and "app_secret" not in body


async def test_create_app_validation(sim_client):
    m = await mgmt(sim_client)
    assert_error(await m.post("/apps", {"region": "cn"}), 400, "MSGSMS.0002")
    assert_error(await m.post("/apps", {"app_name": "x", "region": "eu"}), 400, "MSGSMS.0002")
    assert_error(await m.post("/apps", {"app_name": "x"}), 400, "MSGSMS.0002")
    assert_error(await m.post("/apps", {"app_name": 5, "region": "cn"}), 400, "MSGSMS.0002")
    assert_error(
        await m.post("/apps", {"app_name": "x", "region": "cn", "show_secret": "maybe"}), 400, "MSGSMS.0002"
    )
    assert_error(await m.post("/apps", raw=b"{broken"), 400, "MSGSMS.0002")
    assert_error(await m.post("/apps", raw=b"[1]"), 400, "MSGSMS.0002")
    assert_error(await m.post("/apps", raw=b""), 400, "MSGSMS.0002")
    long_url = "https://example.com/" + "a" * 3000
    assert_error(
        await m.post("/apps", {"app_name": "x", "region": "cn", "up_link_addr": long_url}), 400, "MSGSMS.0145"
    )
    assert_error(
        await m.post("/apps", {"app_name": "x", "region": "cn", "up_link_addr": "ftp://x"}),
        400,
        "MSGSMS.0002",
    )
    # the demo app is called "demo"
    assert_error(await m.post("/apps", {"app_name": "demo", "region": "cn"}), 400, "MSGSMS.0051")


async def test_app_quota(make_client):
    client = await make_client(vendors={"huawei": {"app_quota": 2}})
    m = await mgmt(client)
    await new_app(m, "second")
    assert_error(await m.post("/apps", {"app_name": "third", "region": "cn"}), 400, "MSGSMS.0053")
    # the quota is per region
    status, _ = await m.post("/apps", {"app_name": "abroad", "region": "intl"})
    assert status == 200
    assert await m.get("/apps-count", region="cn") == (200, {"total": 2, "used": 2})
    assert await m.get("/apps-count", region="intl") == (200, {"total": 2, "used": 1})


async def test_show_and_list_apps(sim_client):
    m = await mgmt(sim_client)
    created = await new_app(m, "auto_test789", up_link_addr="http://127.0.0.1:9/mo")
    status, body = await m.get(f"/apps/{created['id']}")
    assert status == 200
    assert body["id"] == created["id"] and body["app_key"] == created["app_key"]
    assert body["status"] == "LAUNCHED" and body["region"] == "cn"
    assert body["up_link_addr"] == "http://127.0.0.1:9/mo"
    assert body["enterprise_project_id"] == "0" and body["enterprise_project_name"] == "default"
    assert body["protocol"] == "HTTP" and body["app_access_addr"].startswith("http://")
    assert body["tenant"]["customer_name"] == "demo" and body["developer_account"] == "demo_sms"
    assert len(body["create_time"]) == 19 and body["create_time"] == body["update_time"]
    # the seed's ShowApp/ListAppDetails examples (and the SDK's SmsAppQueryResp) carry intl_channel_num
    assert body["intl_channel_num"].isdigit() and len(body["intl_channel_num"]) == 12
    assert "app_secret" not in body
    status, body = await m.get("/apps")
    assert status == 200 and body["total"] == 2
    assert {a["app_key"] for a in body["results"]} == {DEMO_APP_KEY, created["app_key"]}
    assert_error(await m.get("/apps/00000000-0000-0000-0000-000000000000"), 400, "MSGSMS.0076")


async def test_list_filters_sorting_and_paging(sim_client):
    m = await mgmt(sim_client)
    clock = sim_client.sim.clock
    names = []
    for i in range(4):
        clock.advance(60)
        names.append((await new_app(m, f"shop-{i}"))["app_name"])
    await m.post("/apps", {"app_name": "intl-app", "region": "intl"})
    status, body = await m.get("/apps", app_name="shop")
    assert status == 200 and body["total"] == 4 and [a["app_name"] for a in body["results"]] == names[::-1]
    _, body = await m.get("/apps", app_name="shop", sort_dir="asc", sort_key="create_time", limit=2, offset=1)
    assert body["total"] == 4 and [a["app_name"] for a in body["results"]] == names[1:3]
    assert (await m.get("/apps", region="intl"))[1]["results"][0]["app_name"] == "intl-app"
    assert (await m.get("/apps", status="LAUNCHED"))[1]["total"] == 6
    # a disabled account shows as SUSPENDED
    sim_client.sim.accounts.get("huawei", DEMO_APP_KEY).enabled = False
    _, body = await m.get("/apps", status="SUSPENDED")
    assert [a["app_key"] for a in body["results"]] == [DEMO_APP_KEY]
    # time window (UTC, yyyy-MM-dd HH:mm:ss)
    first = (await m.get("/apps", app_name="shop-0"))[1]["results"][0]["create_time"]
    _status, body = await m.get("/apps", app_name="shop", start_time=first, end_time=first)
    assert [a["app_name"] for a in body["results"]] == ["shop-0"]
    assert_error(await m.get("/apps", limit=0), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", limit="ten"), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", offset=-1), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", sort_key="app_name"), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", sort_dir="up"), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", status="RUNNING"), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", region="mars"), 400, "MSGSMS.0002")
    assert_error(await m.get("/apps", start_time="12/08/2022"), 400, "MSGSMS.0039")
    assert_error(await m.get("/apps", start_time="2022-08-13", end_time="2022-08-12"), 400, "MSGSMS.0002")


async def test_update_app(sim_client):
    m = await mgmt(sim_client)
    created = await new_app(m, "auto_test789")
    other = await new_app(m, "other")
    sim_client.sim.clock.advance(30)
    status, body = await m.put(
        f"/apps/{created['id']}",
        {"app_name": "auto_test7890", "region": "cn", "up_link_addr": "https://x.test/mo"},
    )
    assert status == 200
    assert body == {"id": created["id"], "app_key": created["app_key"], "app_name": "auto_test7890"}
    shown = (await m.get(f"/apps/{created['id']}"))[1]
    assert shown["app_name"] == "auto_test7890" and shown["update_time"] != shown["create_time"]
    account = sim_client.sim.accounts.get("huawei", created["app_key"])
    assert account.mo_url == "https://x.test/mo" and account.options.app_name == "auto_test7890"
    assert_error(
        await m.put(f"/apps/{other['id']}", {"app_name": "auto_test7890", "region": "cn"}), 400, "MSGSMS.0051"
    )
    assert_error(await m.put(f"/apps/{other['id']}", {"region": "cn"}), 400, "MSGSMS.0002")
    assert_error(await m.put("/apps/nope", {"app_name": "n", "region": "cn"}), 400, "MSGSMS.0076")


async def test_create_sign_and_template_gives_approved_test_records(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m, "with-tests", create_sign_and_template=True)
    sigs = (await m.get("/signatures", app_name="with-tests"))[1]["results"]
    assert [(s["signature_name"], s["status"]) for s in sigs] == [
        ("华为云测试", "REVIEW_PROCESSING_COMPLETED")
    ]
    tpls = (await m.get("/templates", app_key=app["app_key"]))[1]["results"]
    assert [(t["flow_status"], t["status"], t["sign_id"]) for t in tpls] == [
        ("Adopted", "Test", sigs[0]["id"])
    ]


async def test_app_count(sim_client):
    m = await mgmt(sim_client)
    await new_app(m, "one")
    assert await m.get("/apps-count", region="cn") == (200, {"total": 100, "used": 2})
    assert_error(await m.get("/apps-count"), 400, "MSGSMS.0002")


async def test_unknown_paths_and_methods_get_the_gateway_404(sim_client):
    m = await mgmt(sim_client)
    body = assert_error(await m.get("/no-such-thing"), 404, "APIGW.0101")
    assert "/no-such-thing" in body["error_detail"]
    assert_error(await m.call("PATCH", "/apps"), 404, "APIGW.0101")
    assert_error(await m.call("DELETE", "/apps/x"), 404, "APIGW.0101")


async def test_api_apps_are_gone_after_reset(sim_client):
    m = await mgmt(sim_client)
    created = await new_app(m, "temporary")
    sim_client.sim.reset()
    assert sim_client.sim.accounts.get("huawei", created["app_key"]) is None
    m = await mgmt(sim_client)
    _status, body = await m.get("/apps")
    assert [a["app_key"] for a in body["results"]] == [DEMO_APP_KEY]
    # the configured app keeps its id across resets
    assert_error(await m.get(f"/apps/{created['id']}"), 400, "MSGSMS.0076")


async def test_apps_are_per_project(sim_client):
    m = await mgmt(sim_client)
    created = await new_app(m, "mine")
    # the same token on another project's path is refused before anything is looked up
    r = await sim_client.get(
        f"/v2/otherproject/msgsms/apps/{created['id']}", headers={"X-Auth-Token": m.token}
    )
    assert r.status == 403
    assert BASE.endswith("/msgsms")
