"""Management API §3.1.5: templates (review, SignReviewing, update rules, variables, batch delete)."""

from __future__ import annotations

from simulator.vendors.huawei import registry

from .manage_helpers import assert_error, mgmt, new_app, new_signature, new_template, template_req


async def setup(client, approve_signature: bool = True):
    m = await mgmt(client)
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    if approve_signature:
        client.sim.clock.advance(5)
    return m, app, sig


async def test_template_review_and_send_side_record(sim_client):
    m, app, sig = await setup(sim_client)
    created = await new_template(m, app["id"], sig["id"], template_name="auto_test789")
    assert set(created) == {"id", "template_name"} and created["template_name"] == "auto_test789"
    status, body = await m.get(f"/templates/{created['id']}")
    assert status == 200
    assert body["flow_status"] == "Reviewing" and "template_id" not in body
    assert (
        body["sign_id"] == sig["id"] and body["app_key"] == app["app_key"] and body["has_variable"] == "Yes"
    )
    assert (
        body["template_type"] == "NOTIFY_TYPE"
        and body["universal_template"] == 0
        and body["status"] == "Normal"
    )
    assert body["region"] == "cn" and body["brackets"] == "CN"
    sim_client.sim.clock.advance(5)
    body = (await m.get(f"/templates/{created['id']}"))[1]
    assert body["flow_status"] == "Adopted" and len(body["template_id"]) == 32
    record = registry.template(sim_client.sim, body["template_id"])
    assert record.status == "approved" and record.max_lengths == [20, 20] and record.variable_count == 2
    assert record.render(["123456", "5"]) == "您的验证码为123456，5分钟内有效。"
    assert record.type == "NOTIFY_TYPE"


async def test_template_waits_for_its_signature(sim_client):
    m, app, sig = await setup(sim_client, approve_signature=False)
    created = await new_template(m, app["id"], sig["id"])
    assert (await m.get(f"/templates/{created['id']}"))[1]["flow_status"] == "SignReviewing"
    sim_client.sim.clock.advance(5)  # the signature passes, the template's own review starts
    assert (await m.get(f"/templates/{created['id']}"))[1]["flow_status"] == "Reviewing"
    sim_client.sim.clock.advance(5)
    assert (await m.get(f"/templates/{created['id']}"))[1]["flow_status"] == "Adopted"


async def test_deleting_its_signature_rejects_a_waiting_template(sim_client):
    """A SignReviewing template whose signature is deleted used to stay SignReviewing for ever."""
    m, app, sig = await setup(sim_client, approve_signature=False)
    created = await new_template(m, app["id"], sig["id"])
    assert await m.delete(f"/signatures/{sig['id']}") == (204, None)
    body = (await m.get(f"/templates/{created['id']}"))[1]
    assert body["flow_status"] == "Reject" and body["review_desc"] == "签名已删除"
    sim_client.sim.clock.advance(60)
    assert (await m.get(f"/templates/{created['id']}"))[1]["flow_status"] == "Reject"


async def test_rejections(sim_client):
    m = await mgmt(sim_client)
    app = await new_app(m)
    bad_sig = await new_signature(m, app["id"], signature_name="REJECT签名")
    waiting = await new_template(m, app["id"], bad_sig["id"])
    sim_client.sim.clock.advance(5)
    body = (await m.get(f"/templates/{waiting['id']}"))[1]
    assert body["flow_status"] == "Reject" and body["review_desc"]
    # a rejected signature cannot take new templates
    assert_error(await m.post("/templates", template_req(app["id"], bad_sig["id"])), 400, "MSGSMS.0012")
    good = await new_signature(m, app["id"], signature_name="好签名")
    sim_client.sim.clock.advance(5)
    rejected = await new_template(
        m, app["id"], good["id"], template_content="REJECT ${1}", variable_attributes=None
    )
    sim_client.sim.clock.advance(5)
    body = (await m.get(f"/templates/{rejected['id']}"))[1]
    assert body["flow_status"] == "Reject" and "REJECT" in body["review_desc"]
    assert registry.template_by_pk(sim_client.sim, rejected["id"]).status == "rejected"


async def test_create_template_validation(sim_client):
    m, app, sig = await setup(sim_client)
    aid, sid = app["id"], sig["id"]
    cases = [
        (template_req("nope", sid), "MSGSMS.0014"),
        (template_req(aid, sid, app_id=None), "MSGSMS.0002"),
        (template_req(aid, sid, region="eu"), "MSGSMS.0002"),
        (template_req(aid, sid, template_name=None), "MSGSMS.0046"),
        (template_req(aid, sid, template_name=""), "MSGSMS.0046"),
        (template_req(aid, sid, template_content=None), "MSGSMS.0002"),
        (template_req(aid, sid, template_content="x" * 501), "MSGSMS.0002"),
        (template_req(aid, sid, template_type="OTHER"), "MSGSMS.0015"),
        (template_req(aid, sid, template_type=None), "MSGSMS.0015"),
        (template_req(aid, None), "MSGSMS.0012"),
        (template_req(aid, "no-such-signature"), "MSGSMS.0012"),
        (template_req(aid, sid, universal_template=2), "MSGSMS.0002"),
        (template_req(aid, sid, flow_status="Done"), "MSGSMS.0002"),
        (template_req(aid, sid, template_content="a ${1} b ${3}", variable_attributes=None), "MSGSMS.0024"),
        (template_req(aid, sid, template_content="a ${1}"), "MSGSMS.0023"),
        (
            template_req(aid, sid, variable_attributes=[{"variable_index": 1, "variable_type": "CHARDIGIT"}]),
            "MSGSMS.0023",
        ),
        (
            template_req(
                aid,
                sid,
                variable_attributes=[
                    {"variable_index": 1, "variable_type": "CHARDIGIT"},
                    {"variable_index": 2, "variable_type": "TEXT"},
                ],
            ),
            "MSGSMS.0025",
        ),
        (
            template_req(
                aid,
                sid,
                variable_attributes=[
                    {"variable_index": 1, "variable_type": "CHARDIGIT"},
                    {"variable_index": 2, "variable_type": "EMOJI"},
                ],
            ),
            "MSGSMS.0151",
        ),
        (template_req(aid, sid, variable_attributes="all"), "MSGSMS.0002"),
        (template_req(aid, sid, variable_attributes=[{"variable_type": "TEXT"}]), "MSGSMS.0002"),
    ]
    for body, code in cases:
        assert_error(await m.post("/templates", body), 400, code)
    # another app's signature is not this app's
    other = await new_app(m, "other")
    assert_error(await m.post("/templates", template_req(other["id"], sid)), 400, "MSGSMS.0012")
    await new_template(m, aid, sid)
    assert_error(
        await m.post("/templates", template_req(aid, sid, template_name="again")), 400, "MSGSMS.0008"
    )


async def test_universal_international_and_draft_templates(sim_client):
    m, app, sig = await setup(sim_client)
    universal = await new_template(
        m,
        app["id"],
        None,
        universal_template=1,
        template_type="VERIFY_CODE_TYPE",
        template_content="码${1}",
        variable_attributes=[{"variable_index": 1, "variable_type": "CHARDIGIT"}],
    )
    body = (await m.get(f"/templates/{universal['id']}"))[1]
    assert (
        body["universal_template"] == 1
        and "sign_id" not in body
        and body["template_type"] == "VERIFY_CODE_TYPE"
    )
    assert registry.template_by_pk(sim_client.sim, universal["id"]).type == "UNIVERSAL_TYPE"
    status, intl_app = await m.post("/apps", {"app_name": "abroad", "region": "intl"})
    intl = await new_template(
        m,
        intl_app["id"],
        None,
        region="intl",
        template_type=None,
        send_country=[1, 86, 44],
        template_content="Your code is ${1}",
        variable_attributes=None,
    )
    body = (await m.get(f"/templates/{intl['id']}"))[1]
    assert body["region"] == "intl" and (body["send_country1"], body["send_country3"]) == (1, 44)
    draft = await new_template(
        m, app["id"], sig["id"], flow_status="Pending", template_content="草稿${1}", variable_attributes=None
    )
    sim_client.sim.clock.advance(60)
    assert (await m.get(f"/templates/{draft['id']}"))[1]["flow_status"] == "Pending"
    assert status == 200


async def test_update_template_rules(sim_client):
    m, app, sig = await setup(sim_client)
    t = await new_template(m, app["id"], sig["id"])
    path = f"/templates/{t['id']}"
    # under review: neither edit nor … only withdraw
    assert_error(
        await m.put(path, template_req(app["id"], sig["id"], template_name="n2")), 400, "MSGSMS.0134"
    )
    status, body = await m.put(path, template_req(app["id"], sig["id"], flow_status="Pending"))
    assert status == 200 and body == {"id": t["id"], "template_name": "验证码模板"}
    sim_client.sim.clock.advance(10)  # the withdrawn review's answer is ignored
    assert (await m.get(path))[1]["flow_status"] == "Pending"
    assert_error(
        await m.put(path, template_req(app["id"], sig["id"], flow_status="Pending")), 400, "MSGSMS.0186"
    )
    # a Pending template may be edited; that submits it again
    await m.put(path, template_req(app["id"], sig["id"], template_content="新的验证码${1}，${2}分钟。"))
    assert (await m.get(path))[1]["flow_status"] == "Reviewing"
    sim_client.sim.clock.advance(5)
    shown = (await m.get(path))[1]
    assert shown["flow_status"] == "Adopted" and shown["template_content"] == "新的验证码${1}，${2}分钟。"
    # an Adopted template may only be renamed
    same = template_req(
        app["id"], sig["id"], template_content="新的验证码${1}，${2}分钟。", template_name="改名"
    )
    assert (await m.put(path, same))[0] == 200
    shown = (await m.get(path))[1]
    assert shown["template_name"] == "改名" and shown["flow_status"] == "Adopted"
    assert_error(await m.put(path, template_req(app["id"], sig["id"])), 400, "MSGSMS.0187")
    assert_error(await m.put("/templates/nope", template_req(app["id"], sig["id"])), 400, "MSGSMS.0009")


async def test_adopted_template_is_disabled_then_edited(sim_client):
    """Seed §3.1.5.3: "支持审核通过的模板停用后重新修改"; flow_status Disable (停用) on UpdateTemplate."""
    m, app, sig = await setup(sim_client)
    t = await new_template(m, app["id"], sig["id"])
    path = f"/templates/{t['id']}"
    # a template under review cannot be disabled
    assert_error(
        await m.put(path, template_req(app["id"], sig["id"], flow_status="Disable")), 400, "MSGSMS.0188"
    )
    sim_client.sim.clock.advance(5)
    adopted = (await m.get(path))[1]
    assert adopted["flow_status"] == "Adopted"
    # disabling may rename but not change the definition
    changed = template_req(app["id"], sig["id"], flow_status="Disable", template_content="别的${1}${2}")
    assert_error(await m.put(path, changed), 400, "MSGSMS.0187")
    status, body = await m.put(
        path, template_req(app["id"], sig["id"], flow_status="Disable", template_name="停")
    )
    assert status == 200 and body == {"id": t["id"], "template_name": "停"}
    shown = (await m.get(path))[1]
    assert shown["flow_status"] == "Disable" and shown["template_name"] == "停"
    assert registry.template_by_pk(sim_client.sim, t["id"]).status == "disabled"
    listed = (await m.get("/templates", flow_status="Disable"))[1]
    assert [r["id"] for r in listed["results"]] == [t["id"]]
    # a disabled template may be edited: it is reviewed again and keeps its template_id
    edited = template_req(app["id"], sig["id"], template_content="新内容${1}，${2}分钟。")
    assert (await m.put(path, edited))[0] == 200
    assert (await m.get(path))[1]["flow_status"] == "Reviewing"
    sim_client.sim.clock.advance(5)
    shown = (await m.get(path))[1]
    assert shown["flow_status"] == "Adopted" and shown["template_content"] == "新内容${1}，${2}分钟。"
    assert shown["template_id"] == adopted["template_id"]


async def test_rejected_template_is_resubmitted_on_update(sim_client):
    m, app, sig = await setup(sim_client)
    t = await new_template(m, app["id"], sig["id"], template_name="REJECT me")
    sim_client.sim.clock.advance(5)
    assert (await m.get(f"/templates/{t['id']}"))[1]["flow_status"] == "Reject"
    await m.put(f"/templates/{t['id']}", template_req(app["id"], sig["id"], template_name="fine"))
    sim_client.sim.clock.advance(5)
    assert (await m.get(f"/templates/{t['id']}"))[1]["flow_status"] == "Adopted"


async def test_template_variables(sim_client):
    m, app, sig = await setup(sim_client)
    t = await new_template(
        m,
        app["id"],
        sig["id"],
        template_content="${1}于${2}在${3}消费${4}元",
        variable_attributes=[
            {"variable_index": 4, "variable_type": "MONEY"},
            {"variable_index": 1, "variable_type": "PHONE"},
            {"variable_index": 2, "variable_type": "DATETIME"},
            {"variable_index": 3, "variable_type": "TEXT", "variable_desc": "shop"},
        ],
    )
    for spelling in ("varilable", "variable"):
        status, body = await m.get(f"/templates/{t['id']}/{spelling}")
        assert status == 200 and body["total"] == 4
        rows = body["results"]
        assert [(r["variable_index"], r["variable_type"], r["variable_length"]) for r in rows] == [
            (1, "PHONE", 15),
            (2, "DATETIME", 20),
            (3, "TEXT", 20),
            (4, "MONEY", 20),
        ]
        assert rows[2]["variable_desc"] == "shop" and rows[0]["temp_name"] == "验证码模板"
        assert all(isinstance(r["id"], int) for r in rows) and rows[0]["user_name"] == "demo"
    assert_error(await m.get("/templates/nope/varilable"), 400, "MSGSMS.0009")


async def test_variable_lengths_are_configurable(make_client):
    client = await make_client(vendors={"huawei": {"variable_max_lengths": {"CHARDIGIT": 6, "TEXT": 10}}})
    m, app, sig = await setup(client)
    t = await new_template(m, app["id"], sig["id"])
    client.sim.clock.advance(5)
    assert registry.template_by_pk(client.sim, t["id"]).max_lengths == [6, 10]


async def test_delete_and_batch_delete(sim_client):
    m, app, sig = await setup(sim_client)
    ids = []
    for i in range(3):
        ids.append(
            (
                await new_template(
                    m, app["id"], sig["id"], template_content=f"模板{i} ${{1}}", variable_attributes=None
                )
            )["id"]
        )
    assert await m.delete(f"/templates/{ids[0]}") == (204, None)
    assert_error(await m.get(f"/templates/{ids[0]}"), 400, "MSGSMS.0009")
    assert_error(await m.delete(f"/templates/{ids[0]}"), 400, "MSGSMS.0009")
    status, body = await m.post("/templates/batch-delete", {"ids": [ids[1], ids[0], ids[2]]})
    assert status == 200
    assert body == {
        "success_count": 2,
        "success_ids": [ids[1], ids[2]],
        "failed_count": 1,
        "failed_template_list": [{"id": ids[0], "error_msg": "Message Template Info does not EXIST"}],
    }
    assert registry.template_by_pk(sim_client.sim, ids[1]) is None
    for bad in ({"ids": []}, {"ids": ["x"] * 51}, {"ids": "x"}, {"ids": [1]}, {"ids": ["x" * 65]}, {}):
        assert_error(await m.post("/templates/batch-delete", bad), 400, "MSGSMS.0002")


async def test_list_templates_filters(sim_client):
    m, app, sig = await setup(sim_client)
    a = await new_template(
        m,
        app["id"],
        sig["id"],
        template_name="订单通知",
        template_content="订单${1}",
        variable_attributes=None,
    )
    sim_client.sim.clock.advance(1)
    b = await new_template(
        m, app["id"], sig["id"], template_name="无变量", template_content="欢迎光临", variable_attributes=None
    )
    status, body = await m.get("/templates", app_key=app["app_key"])
    assert status == 200 and [t["id"] for t in body["results"]] == [b["id"], a["id"]]
    assert (await m.get("/templates"))[1]["total"] == 4  # plus the demo app's configured two
    assert [t["id"] for t in (await m.get("/templates", has_variable="No"))[1]["results"]] == [b["id"]]
    assert [t["id"] for t in (await m.get("/templates", template_name="订单"))[1]["results"]] == [a["id"]]
    assert (await m.get("/templates", sign_name="测试签名"))[1]["total"] == 2
    assert (await m.get("/templates", app_name="app1", flow_status="Reviewing"))[1]["total"] == 2
    sim_client.sim.clock.advance(5)
    adopted = (await m.get("/templates", app_key=app["app_key"], flow_status="Adopted"))[1]["results"]
    assert len(adopted) == 2
    tid = adopted[0]["template_id"]
    assert [t["template_id"] for t in (await m.get("/templates", template_id=tid))[1]["results"]] == [tid]
    assert (await m.get("/templates", template_type="PROMOTION_TYPE"))[1]["total"] == 0
    assert (await m.get("/templates", region="intl"))[1]["total"] == 0
    assert (await m.get("/templates", app_key=app["app_key"], limit=1, sort_dir="asc"))[1]["results"][0][
        "id"
    ] == a["id"]
    assert_error(await m.get("/templates", flow_status="Approved"), 400, "MSGSMS.0002")
    assert_error(await m.get("/templates", has_variable="maybe"), 400, "MSGSMS.0002")
    assert_error(await m.get("/templates", template_type="X"), 400, "MSGSMS.0015")
    assert_error(await m.get("/templates", end_time="soon"), 400, "MSGSMS.0039")
