"""The sandbox in a real browser: live inbox, message page, phone, controls, callbacks, requests, accounts.

Each test drives a simulator subprocess on a frozen clock (time moves only through the admin API or the
Controls page) and saves a screenshot of what it checked to tests/ui/screenshots/.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect

from .harness import ROOT, shot, sim_id_of

UI = "/_sim/ui/"


def open_page(page, server, path: str = UI) -> None:
    """Open a page; return once its data is shown and its live feed is connected."""
    page.goto(server.url + path)
    page.wait_for_selector("body[data-loaded]", state="attached")
    page.wait_for_selector("#live.on", state="attached")


def test_root_and_sim_redirect_to_the_ui(server, page):
    for path in ("/", "/_sim", "/_sim/", "/_sim/ui"):
        with urllib.request.urlopen(server.url + path) as r:
            assert r.url == server.url + UI
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + UI)
    expect(page.locator("h1")).to_have_text("Inbox")


def test_inbox_shows_kx_and_emay_messages_live_and_filters(server, page):
    open_page(page, server)
    expect(page.locator("#live")).to_have_text("live")
    expect(page.locator("#total")).to_have_text("0 messages")
    server.kx_send("13912345678", "【测试】您的验证码是4321")
    server.emay_send("13700001111")
    rows = page.locator("#messages tbody tr")
    expect(rows).to_have_count(2)  # no reload: both came over /_sim/events
    expect(rows.nth(0)).to_contain_text("emay")
    expect(rows.nth(0)).to_contain_text("【亿美测试】您的快递已到达驿站")
    expect(rows.nth(1)).to_contain_text("kx")
    expect(rows.nth(1)).to_contain_text("【测试】您的验证码是4321")
    expect(rows.nth(1)).to_contain_text("13912345678")
    expect(page.locator("#total")).to_have_text("2 messages")
    shot(page, "inbox")

    page.select_option("select[name=vendor]", "emay")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"vendor=emay"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("13700001111")
    server.kx_send("13912340000")  # filtered out: not added live
    server.emay_send("13700002222")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("13700002222")
    page.fill("input[name=text]", "取件码")
    page.fill("input[name=mobile]", "13700001111")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    shot(page, "inbox-filtered")


def test_inbox_pages_older_messages(server, page):
    server.kx_send(",".join(f"1391234{i:04d}" for i in range(60)))
    open_page(page, server)
    rows = page.locator("#messages tbody tr")
    expect(rows).to_have_count(50)
    expect(page.locator("#total")).to_have_text("60 messages")
    page.click("#older")
    expect(rows).to_have_count(10)
    page.click("#newest")
    expect(rows).to_have_count(50)


def test_message_page_timeline_request_and_answer(server, page):
    server.kx_send("13800000000")  # delivered at once
    open_page(page, server)
    page.locator("#messages tbody tr td.text a").first.click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("accepted")
    expect(timeline).to_contain_text("sent")
    expect(timeline).to_contain_text("delivered")
    expect(page.locator("main")).to_contain_text("POST /api/sms/send")
    expect(page.locator("main")).to_contain_text("msgcontent = 【测试】您的验证码是1234")  # decoded
    expect(page.locator("main")).to_contain_text('"taskid"')
    expect(page.locator("dl.facts")).to_contain_text("DELIVRD")
    shot(page, "message")


def test_message_page_shows_emays_encrypted_request_decrypted(server, page):
    server.emay_send("13700001111", "您的快递已到达驿站，取件码 5566。")
    open_page(page, server)
    page.locator("#messages tbody tr td.text a").first.click()
    expect(page.locator("main")).to_contain_text("POST /inter/sendSingleSMS")
    expect(page.locator("main")).to_contain_text("Body (decrypted)")
    expect(page.locator("main")).to_contain_text('"content": "【亿美测试】您的快递已到达驿站，取件码 5566。"')
    expect(page.locator("main")).to_contain_text('"mobile": "13700001111"')  # the answer, decrypted too
    shot(page, "message-emay")


def test_message_page_shows_callback_attempts_and_forces_an_outcome(server, page, receiver):
    server.call("PATCH", "/_sim/accounts/kx/100001", {"mode": "push", "report_url": receiver.url + "/report"})
    server.kx_send("13800000008")  # accepted, never reported: stays sent
    open_page(page, server)
    sim_id = sim_id_of(page)
    open_page(page, server, f"/_sim/ui/messages/{sim_id}")
    expect(page.locator("dl.facts .status")).to_have_text("sent")
    page.select_option("#force-outcome", "undeliverable")
    page.click("text=Force outcome")
    expect(page.locator("dl.facts .status")).to_have_text("undeliverable")
    server.call("POST", "/_sim/clock/advance", {"seconds": 30})  # the report batch is pushed
    assert receiver.wait(1)
    attempt = page.locator("details.attempt").first
    expect(attempt).to_contain_text("/report")  # live, no reload
    expect(attempt).to_contain_text("accepted")
    attempt.locator("summary").click()
    expect(attempt).to_contain_text("SUCCESS")
    shot(page, "message-callbacks")


def test_phone_reply_reaches_the_callback_receiver(server, page, receiver):
    server.call("PATCH", "/_sim/accounts/kx/100001", {"mode": "push", "mo_url": receiver.url + "/mo"})
    server.kx_send("13912345678")
    open_page(page, server, "/_sim/ui/phone?mobile=13912345678")
    bubbles = page.locator("#bubbles li")
    expect(bubbles).to_have_count(1)
    expect(bubbles.first).to_contain_text("【测试】您的验证码是1234")
    expect(page.locator("#reply-vendor")).to_have_value("kx")
    page.fill("#reply-text", "好的，收到 TD")
    page.click("#reply button[type=submit]")
    expect(bubbles).to_have_count(2)
    expect(page.locator("#bubbles li.mo")).to_contain_text("好的，收到 TD")
    server.call("POST", "/_sim/clock/advance", {"seconds": 30})
    got = receiver.wait(1)
    assert got and got[0][0] == "/mo"
    assert "好的，收到 TD".encode() in got[0][1] or "好的" in urllib.request.unquote(got[0][1].decode())
    expect(bubbles.first.locator(".status")).to_have_text("delivered")  # live: the clock moved 30 s
    expect(bubbles.first.locator("form.force")).to_have_count(0)
    shot(page, "phone")


def test_phone_forces_an_outcome_on_a_pending_message(server, page):
    server.kx_send("13800000008")
    open_page(page, server, "/_sim/ui/phone?mobile=13800000008")
    bubble = page.locator("#bubbles li.mt").first
    expect(bubble.locator(".status")).to_have_text("sent")
    bubble.locator("select").select_option("rejected")
    bubble.locator("button").click()
    expect(bubble.locator(".status")).to_have_text("rejected")
    expect(bubble.locator("form.force")).to_have_count(0)


def test_advancing_the_clock_from_controls_changes_the_inbox_live(server, browser, page):
    server.kx_send("13912345678")  # delivered after 2 s (simulated)
    open_page(page, server)
    status = page.locator("#messages tbody tr").first.locator(".status")
    expect(status).to_have_text("sent")
    controls = page.context.new_page()
    controls.goto(server.url + "/_sim/ui/controls")
    controls.wait_for_selector("body[data-loaded]", state="attached")
    expect(controls.locator("#clock-state")).to_have_text("frozen")
    before = server.call("GET", "/_sim/clock")["now"]
    controls.fill("#advance-seconds", "3")
    controls.click("#advance button[type=submit]")
    expect(controls.locator("#advance-result")).to_contain_text("advanced 3 s")
    assert server.call("GET", "/_sim/clock")["now"] == before + 3
    expect(status).to_have_text("delivered")  # the inbox page was not reloaded
    shot(controls, "controls")
    shot(page, "inbox-after-advance")
    controls.close()


def test_scenario_edit_shows_problems_inline(server, page):
    open_page(page, server, "/_sim/ui/controls")
    text = page.locator("#scenario-text")
    expect(text).to_have_value(re.compile(r'"name": "default"'))
    page.fill("#scenario-text", "name: broken\nrules:\n  - match: {mobile: 1}\n    outcome: exploded\n")
    page.click("#scenario-apply")
    problems = page.locator("#scenario-problems li")
    expect(problems.first).to_contain_text("scenario:")
    expect(page.locator("#scenario-result")).to_have_text("invalid scenario")
    shot(page, "controls-scenario-problems")
    page.fill("#scenario-text", "name: quiet\nrules:\n  - match: {}\n    outcome: delivered\n")
    page.click("#scenario-apply")
    expect(page.locator("#scenario-result")).to_contain_text("applied “quiet”")
    expect(problems).to_have_count(0)
    assert server.call("GET", "/_sim/scenario")["scenario"]["name"] == "quiet"
    # upload a YAML file
    yaml = (ROOT / "scenarios" / "slow.yaml").read_bytes()
    upload = {"name": "slow.yaml", "mimeType": "text/yaml", "buffer": yaml}
    page.set_input_files("#scenario-file", files=[upload])
    expect(page.locator("#scenario-result")).to_contain_text("applied “slow”")
    assert server.call("GET", "/_sim/scenario")["scenario"]["name"] == "slow"


def test_demo_traffic_from_controls_fills_the_inbox(server, page):
    open_page(page, server, "/_sim/ui/controls")
    expect(page.locator("#traffic-state")).to_have_text("not run yet")
    page.fill("#traffic-rate", "20")
    page.fill("#traffic-duration", "1")
    page.click("#traffic-start")
    expect(page.locator("#traffic-state")).to_have_text(re.compile(r"^stopped: \d+ requests"), timeout=8000)
    assert server.call("GET", "/_sim/traffic")["sent"] > 0
    assert server.call("GET", "/_sim/messages?limit=1")["total"] > 0
    shot(page, "controls-traffic")


def test_reset_from_controls(server, page):
    server.kx_send("13912345678")
    open_page(page, server, "/_sim/ui/controls")
    page.on("dialog", lambda d: d.accept())
    page.click("#reset")
    expect(page.locator("#reset-result")).to_have_text("reset done")
    assert server.call("GET", "/_sim/messages")["total"] == 0


def test_callbacks_page_highlights_failures_and_retries_now(server, page, receiver):
    receiver.status = 500  # the customer's endpoint is broken
    server.call("PATCH", "/_sim/accounts/kx/100001", {"mode": "push", "report_url": receiver.url + "/report"})
    server.kx_send("13800000000")
    server.call("POST", "/_sim/clock/advance", {"seconds": 5})
    assert len(receiver.wait(1)) == 1
    open_page(page, server, "/_sim/ui/callbacks")
    failed = page.locator("#rows tbody tr.failed")
    expect(failed).to_have_count(1)
    expect(failed.first).to_contain_text("500 unexpected answer")
    expect(failed.first.locator(".diagnosis")).to_contain_text(
        "the receiver answered HTTP 500 with the body 'SUCCESS'; kx expects HTTP 2xx with the body 'SUCCESS'"
    )
    page.check("input[name=failed]")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"failed=true"))
    failed.first.locator("button", has_text="Details").click()
    expect(page.locator("#rows tr.detail").first).to_be_visible()
    expect(page.locator("#rows tr.detail").first).to_contain_text("13800000000")
    shot(page, "callbacks")
    receiver.status = 200  # fixed: retry now instead of waiting for the next retry on the clock
    failed.first.locator("button", has_text="Retry now").click()
    expect(failed.first.locator("button.retry")).to_have_text("sent: ok")
    assert len(receiver.wait(2)) == 2
    assert receiver.requests[1][1] == receiver.requests[0][1]
    page.goto(server.url + "/_sim/ui/callbacks")
    expect(page.locator("#rows tbody tr:not(.detail)")).to_have_count(2)
    expect(page.locator("#rows tbody tr.failed")).to_have_count(1)


def test_requests_page_highlights_refusals_with_the_vendor_code(server, page):
    server.kx_send("13912345678")
    req = urllib.request.Request(
        server.url + "/api/sms/send", data=b"userid=100001&ts=1&sign=bad&mobile=1&msgcontent=x"
    )
    with urllib.request.urlopen(req) as r:  # kx refuses with HTTP 200 and its own code
        r.read()
    server.emay_send("13700001111")
    refused = urllib.request.Request(  # emay refuses with HTTP 200 and its code in the `result` header
        server.url + "/inter/sendSingleSMS", data=b"not AES", headers={"appId": "EUCP-EMY-SMS1-DEMO1"}
    )
    with urllib.request.urlopen(refused) as r:
        emay_code = r.headers["result"]
    assert emay_code and emay_code != "SUCCESS"
    open_page(page, server, "/_sim/ui/requests")
    rows = page.locator("#rows tbody tr:not(.detail)")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_class("failed")
    expect(rows.nth(0).locator("td.mono")).to_contain_text(emay_code)
    rows = page.locator("#rows tbody tr:not(.detail):not(:first-child)")
    expect(rows.nth(1)).to_contain_text("POST /api/sms/send")
    expect(rows.nth(1)).to_have_class("failed")  # HTTP 200, but kx code 14 (bad sign)
    expect(rows.nth(1).locator("td.mono")).to_contain_text("14")
    expect(rows.nth(2)).not_to_have_class("failed")
    expect(rows.nth(0)).not_to_have_class("failed")
    shot(page, "requests")


def test_accounts_page_edits_callback_urls(server, page):
    open_page(page, server, "/_sim/ui/accounts")
    card = page.locator("form[data-account='kx/100001']")
    expect(card).to_contain_text("kxdemoapikey0001")
    card.locator("select[name=mode]").select_option("push")
    card.locator("input[name=report_url]").fill("http://127.0.0.1:9000/report")
    card.locator("button[type=submit]").click()
    expect(card.locator(".saved")).to_have_text("saved")
    account = server.call("GET", "/_sim/accounts/kx/100001")
    assert account["mode"] == "push" and account["report_url"] == "http://127.0.0.1:9000/report"
    curl = card.locator("textarea.curl")
    expect(curl).to_have_value(re.compile(r"^curl -s -X POST http://127\.0\.0\.1:\d+/api/sms/send "))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    card.locator("button", has_text="Copy").click()
    expect(card.locator(".example [role=status]")).to_have_text("copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("curl -s -X POST")
    shot(page, "accounts")


def test_phone_screen_is_usable_on_a_phone(server, browser):
    server.kx_send("13912345678")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.goto(server.url + UI)
    pg.wait_for_selector("body[data-loaded]", state="attached")
    expect(pg.locator("#messages tbody tr")).to_have_count(1)
    shot(pg, "inbox-mobile")
    context.close()


def test_requests_page_shows_why_a_request_was_refused(server, page):
    ts = str(int(time.time() * 1000))  # the harness's auth windows use the wall clock
    wrong = f"userid=100001&ts={ts}&sign={'0' * 32}&mobile=13800000000&msgcontent=x".encode()
    with urllib.request.urlopen(urllib.request.Request(server.url + "/api/sms/send", data=wrong)) as r:
        assert b'"code":"6"' in r.read()
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(server.url + "/api/sms/sned", data=b"userid=100001"))
    open_page(page, server, "/_sim/ui/requests")
    rows = page.locator("#rows tbody tr:not(.detail)")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("failed")
    expect(rows.nth(0).locator(".diagnosis")).to_have_text(
        "no vendor endpoint at /api/sms/sned; did you mean /api/sms/send?"
    )
    expected = hashlib.md5(f"100001{ts}kxdemoapikey0001".encode()).hexdigest()
    sign = rows.nth(1).locator(".diagnosis")
    expect(sign).to_be_visible()
    expect(sign).to_contain_text(f'md5("100001{ts}<apikey>") = {expected}')
    rows.nth(1).locator("button", has_text="Details").click()
    detail = page.locator("#rows tr.detail").nth(1)
    expect(detail).to_contain_text("Why it was refused")
    expect(detail.locator("p.diagnosis")).to_contain_text("they differ: check the apikey")
    # a refusal that creates no message still reaches the open page (the `refused` event)
    urllib.request.urlopen(
        urllib.request.Request(server.url + "/sms?action=balance&account=922011&password=x")
    ).read()
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".diagnosis")).to_contain_text("a plain password was sent")
    shot(page, "requests-diagnosis")
