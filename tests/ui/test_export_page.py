"""The HTML run export opens on its own (from a file, no network) and shows the run."""

import urllib.request

from .harness import shot


def test_html_export_opens_from_a_file_and_shows_messages_and_timelines(server, page, tmp_path):
    server.call("PATCH", "/_sim/accounts/kx/100001", {"quotas": {"per_day": 5}})
    server.kx_send("13800000006")
    refused = urllib.request.Request(server.url + "/api/sms/send", data=b"userid=nobody&ts=1&sign=x")
    with urllib.request.urlopen(refused) as r:
        r.read()
    server.call("POST", "/_sim/clock/advance", {"seconds": 10})
    with urllib.request.urlopen(server.url + "/_sim/export?format=html", timeout=30) as r:
        html = r.read()
    path = tmp_path / "run.html"
    path.write_bytes(html)
    page.goto(path.as_uri())
    assert "1 messages, 1 replies" in page.text_content("#summary")
    row = page.locator("#messages tr").nth(1)
    assert "13800000006" in row.text_content() and "delivered" in row.text_content()
    assert "unsubscribe" in row.locator("ol").text_content()
    assert "TD" in page.text_content("#mo")
    assert page.locator("#callbacks td").first.text_content() == "none"
    quota = page.locator("#quotas tr").nth(1).text_content()
    assert "13800000006" in quota and "100001" in quota
    assert "userid 'nobody' is no account" in page.text_content("#requests")
    shot(page, "export")
