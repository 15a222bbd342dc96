"""GET /_sim/metrics over real HTTP: the Prometheus exposition after sends, reports, pulls and callbacks."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import admin_ok, advance, kx_push_to, kx_send_live
from tests.vendors.kx.helpers import USERID, auth

PREFIX = "sms_simulator_"


async def scrape(http, base: str, **kw) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}."""
    async with http.get(base + "/_sim/metrics", **kw) as r:
        assert r.status == 200, await r.text()
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = await r.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples, name: str, **labels: str) -> float | None:
    return samples.get((PREFIX + name, tuple(sorted(labels.items()))))


def named(samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: v for (n, labels), v in samples.items() if n == PREFIX + name}


async def test_requests_reports_pull_queues_and_store_after_kx_sends(live_sim, http):
    await admin_ok(http, live_sim, "POST", "/_sim/clock/freeze")
    # default scenario: 13800000001 fails at once, 13912345678 is delivered after 2 s
    await kx_send_live(http, live_sim, "13800000001")
    await kx_send_live(http, live_sim, "13912345678")
    async with http.post(
        live_sim.url + "/api/sms/send", data={**auth(), "sign": "0" * 32, "mobile": "13912345678"}
    ) as r:
        assert (await r.json())["code"] == "6"
    async with http.get(live_sim.url + "/api/sms/sned") as r:
        assert r.status == 404
    async with http.get(live_sim.url + "/v2/p0123/msgsms/apps") as r:
        huawei_status = r.status

    m = await scrape(http, live_sim.url)
    send = {"vendor": "kx", "endpoint": "/api/sms/send"}
    assert value(m, "requests_total", **send, status="200", code="") == 2
    assert value(m, "requests_total", **send, status="200", code="6") == 1
    assert value(m, "requests_total", vendor="", endpoint="(unmatched)", status="404", code="") == 1
    # the route template, never the raw path (bounded label values)
    huawei = [dict(k) for k in named(m, "requests_total") if dict(k)["vendor"] == "huawei"]
    assert [(h["endpoint"], h["status"]) for h in huawei] == [
        ("/v2/{project_id}/msgsms/apps", str(huawei_status))
    ]
    assert value(m, "request_duration_seconds_count", **send) == 3
    assert value(m, "request_duration_seconds_bucket", **send, le="+Inf") == 3
    assert 0 < value(m, "request_duration_seconds_sum", **send) < 10
    # 13800000001 was reported at once; 13912345678 waits for its outcome
    assert value(m, "report_delay_seconds_count", vendor="kx") == 1
    assert value(m, "report_delay_seconds_sum", vendor="kx") == 0
    assert named(m, "messages") == {(("status", "undeliverable"),): 1, (("status", "sent"),): 1}
    assert value(m, "store_messages") == 2
    assert value(m, "store_requests") >= 4
    assert value(m, "store_request_bytes") > 0

    await advance(http, live_sim, 3)
    m = await scrape(http, live_sim.url)
    assert named(m, "messages") == {(("status", "undeliverable"),): 1, (("status", "delivered"),): 1}
    # submission to report: 0 s and 2 s of simulated time
    assert value(m, "report_delay_seconds_count", vendor="kx") == 2
    assert value(m, "report_delay_seconds_sum", vendor="kx") == 2.0
    assert value(m, "report_delay_seconds_bucket", vendor="kx", le="0.1") == 1
    assert value(m, "report_delay_seconds_bucket", vendor="kx", le="1.0") == 1
    assert value(m, "report_delay_seconds_bucket", vendor="kx", le="2.0") == 2
    queue = {"vendor": "kx", "account": USERID, "stream": "report"}
    assert value(m, "pull_queue_depth", **queue) == 2

    async with http.get(live_sim.url + "/api/v2/sms/query", params=auth()) as r:
        assert len((await r.json())["data"]) == 2
    m = await scrape(http, live_sim.url)
    assert value(m, "pull_queue_depth", **queue) == 0
    assert value(m, "requests_total", vendor="kx", endpoint="/api/v2/sms/query", status="200", code="") == 1
    assert value(m, "process_resident_memory_bytes") is None  # not ours: no prefix
    assert m[("process_resident_memory_bytes", ())] > 0


async def test_callback_attempts_failures_and_latency(live_sim, receiver, http):
    await admin_ok(http, live_sim, "POST", "/_sim/clock/freeze")
    await kx_push_to(http, live_sim, receiver.url + "/report")
    receiver.replies = [(500, "oops")]  # the first push fails, its retry (after 10 s) succeeds
    await kx_send_live(http, live_sim, "13800000001")
    await advance(http, live_sim, 1)
    m = await scrape(http, live_sim.url)
    cb = {"vendor": "kx", "stream": "report"}
    assert value(m, "callback_attempts_total", **cb, result="failed") == 1
    assert value(m, "callback_attempts_total", **cb, result="ok") is None
    assert value(m, "callback_failures_total", **cb) == 1
    assert value(m, "callbacks_queued") == 0
    await advance(http, live_sim, 10)
    assert len(receiver.path("/report")) == 2
    m = await scrape(http, live_sim.url)
    assert value(m, "callback_attempts_total", **cb, result="ok") == 1
    assert value(m, "callback_failures_total", **cb) == 1
    assert value(m, "callback_duration_seconds_count", **cb) == 2
    assert value(m, "store_callback_attempts") == 2
    assert value(m, "pull_queue_depth", vendor="kx", account=USERID, stream="report") is None


async def test_each_app_has_its_own_registry(make_client):
    one, two = await make_client(), await make_client()
    async with one.post("/api/sms/send", data={**auth(), "mobile": "13912345678", "msgcontent": "x"}) as r:
        assert (await r.json())["code"] == "0"
    for client, sends in ((one, 1), (two, None), (one, 1)):
        async with client.get("/_sim/metrics") as r:
            text = await r.text()
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
        }
        key = (
            PREFIX + "requests_total",
            (("code", ""), ("endpoint", "/api/sms/send"), ("status", "200"), ("vendor", "kx")),
        )
        assert samples.get(key) == sends


async def test_metrics_go_through_the_admin_guard(make_client):
    client = await make_client(admin_token="s3cret-token")
    async with client.get("/_sim/metrics") as r:
        assert r.status == 401
    async with client.get("/_sim/metrics", headers={"Authorization": "Bearer wrong"}) as r:
        assert r.status == 401
    async with client.get("/_sim/metrics", headers={"Authorization": "Bearer s3cret-token"}) as r:
        assert r.status == 200
        assert "sms_simulator_callbacks_queued 0.0" in await r.text()
