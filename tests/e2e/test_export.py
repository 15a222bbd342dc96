"""Run export over real HTTP: GET /_sim/export is everything the run kept, as one JSON document."""

import json

from tests.helpers import admin, admin_ok, advance, kx_push_to, kx_send_live


async def test_export_has_requests_messages_timelines_callbacks_replies_and_unsubscribes(
    live_sim, http, receiver
):
    await kx_push_to(http, live_sim, receiver.url + "/r")
    await kx_send_live(http, live_sim, "13800000006", "hi")
    await advance(http, live_sim, 10)  # delivered, pushed, then the phone replies TD (an unsubscribe)

    async with http.get(live_sim.url + "/_sim/export") as r:
        assert r.status == 200
        assert r.headers["Content-Disposition"] == 'attachment; filename="sms-simulator-run.json"'
        doc = await r.json()
    assert doc["format"] == "sms-simulator-run/1"
    assert doc["scenario"]["name"] == live_sim.sim.scenario.name
    assert doc["clock"]["now"] == live_sim.sim.clock.now()
    assert {a["vendor"] for a in doc["accounts"]} == {"kx", "huawei", "smsgw", "mobset", "emay"}
    [msg] = doc["messages"]
    assert msg["status"] == "delivered"
    kinds = [e["status"] for e in msg["timeline"]]
    assert {"accepted", "sent", "delivered", "report", "callback", "reply", "unsubscribe"} <= set(kinds)
    assert [(c["ok"], c["message_ids"]) for c in doc["callbacks"]] == [(True, [msg["sim_id"]])]
    assert [m["content"] for m in doc["mo"]] == ["TD"]
    assert [u["mobile"] for u in doc["unsubscribes"]] == ["13800000006"]
    sends = [q for q in doc["requests"] if q["path"] == "/api/sms/send"]
    assert len(sends) == 1 and sends[0]["status"] == 200


async def test_export_of_an_empty_run(live_sim, http):
    doc = await admin_ok(http, live_sim, "GET", "/_sim/export")
    assert (doc["messages"], doc["mo"], doc["callbacks"], doc["requests"], doc["unsubscribes"]) == (
        [],
        [],
        [],
        [],
        [],
    )


async def test_html_export_is_one_page_with_the_run_embedded(live_sim, http):
    await kx_send_live(http, live_sim, "13911110000", "</script><b>x</b> & 验证码")
    await advance(http, live_sim, 5)
    doc = await admin_ok(http, live_sim, "GET", "/_sim/export")
    async with http.get(live_sim.url + "/_sim/export", params={"format": "html"}) as r:
        assert r.status == 200 and r.content_type == "text/html"
        assert r.headers["Content-Disposition"] == 'attachment; filename="sms-simulator-run.html"'
        page = await r.text()
    assert "<b>x</b>" not in page and page.count("</script>") == 2  # recorded text cannot end a script
    embedded = page.split('<script type="application/json" id="run">')[1].split("</script>")[0]
    embedded_doc = json.loads(embedded)
    assert embedded_doc.pop("clock")["now"] == doc.pop("clock")["now"]  # (its "wall" is the real clock)
    assert embedded_doc == doc
    assert "http://" not in page.replace(live_sim.url, "") and "https://" not in page  # nothing to fetch
    status, body = await admin(http, live_sim, "GET", "/_sim/export?format=pdf")
    assert status == 400 and body["error"] == "format must be json or html"
