"""``sms-simulator traffic`` over real HTTP against a real listening simulator, one per test.

The CLI runs in a worker thread with its own event loop (as it would in its own process) while the
simulator serves on the test's loop.
"""

import asyncio
import time

import pytest
from aiohttp import web

from simulator.cli import main
from simulator.config import load_config
from simulator.traffic import Traffic, parse_options, pick_credentials
from tests.helpers import admin_ok

VENDORS = ["kx", "huawei", "smsgw", "mobset", "emay"]


async def cli(*args: str) -> int:
    return await asyncio.to_thread(main, ["traffic", *args])


@pytest.mark.parametrize("vendor", VENDORS)
async def test_each_vendor_sends_through_its_own_protocol(vendor, live_sim, http, capsys):
    rc = await cli(
        "--url", live_sim.url, "--vendor", vendor, "--count", "4", "--rate", "100", "--seed", "9",
        "--magic-share", "0", "--reply-share", "1",
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "4 requests" in out and "refused 0" in out and "Traceback" not in err
    messages = (await admin_ok(http, live_sim, "GET", f"/_sim/messages?vendor={vendor}"))["messages"]
    assert len(messages) >= 4
    assert all(m["vendor"] == vendor and m["status"] in ("sent", "delivered") for m in messages)
    assert all(m["code"] is None for m in messages)  # not refused or rejected by the platform
    requests = (await admin_ok(http, live_sim, "GET", f"/_sim/requests?vendor={vendor}"))["requests"]
    assert len(requests) == 4 and all(r["status"] == 200 for r in requests)
    if vendor == "huawei":  # both of its send API's auth schemes
        schemes = {r["request_headers"]["Authorization"].split()[0] for r in requests}
        assert schemes == {"WSSE", "SDK-HMAC-SHA256"}
    if vendor == "emay":  # the secure interface, gzipped like the vendor's demo
        assert all(r["request_headers"]["gzip"] == "on" for r in requests)
    # every accepted recipient answered, routed to the message it answers
    mos = (await admin_ok(http, live_sim, "GET", f"/_sim/mo?vendor={vendor}"))["mo"]
    assert {m["mobile"] for m in mos} == {m["mobile"] for m in messages}
    assert all(m["message_sim_id"] for m in mos)


async def test_magic_numbers_show_refusals_with_the_vendor_code(live_sim, capsys):
    rc = await cli(
        "--url", live_sim.url, "--vendor", "smsgw", "--count", "30", "--rate", "200", "--seed", "1",
        "--magic-share", "1",
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0  # the other magic numbers are accepted
    assert "refused: smsgw code 100 系统内部错误" in err
    assert "refused by code: smsgw 100 ×" in out
    outcomes = {m.outcome for m in live_sim.sim.store.query_messages(vendor="smsgw")}
    assert {"undeliverable", "rejected", "blacklisted"} <= outcomes


async def test_refused_credentials_stop_with_one_line_naming_the_vendor_code(live_sim, tmp_path, capsys):
    cfg = tmp_path / "wrong.yaml"
    cfg.write_text("demo_accounts: false\naccounts:\n  - {vendor: kx, id: '100001', secret: notthekey}\n")
    rc = await cli("--url", live_sim.url, "--config", str(cfg), "--count", "20", "--rate", "100")
    err = capsys.readouterr().err
    assert rc == 2
    assert err.strip().splitlines() == [
        "sms-simulator traffic: kx refused the credentials of account 100001: code 6 sign校验失败"
    ]
    assert live_sim.sim.store.query_messages() == []


async def test_refused_emay_key_is_the_vendors_code(live_sim, tmp_path, capsys):
    cfg = tmp_path / "wrong.yaml"
    account = "{vendor: emay, id: EUCP-EMY-SMS1-DEMO1, secret: '0000000000000000'}"
    cfg.write_text(f"demo_accounts: false\naccounts:\n  - {account}\n")
    rc = await cli("--url", live_sim.url, "--config", str(cfg), "--vendor", "emay", "--count", "3")
    assert rc == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "sms-simulator traffic: emay refused the credentials of account EUCP-EMY-SMS1-DEMO1: "
        "code ERROR_ENCRYPTION 解密失败【安全接口专用】"
    ]


async def test_a_secret_key_that_is_no_aes_key_is_one_line(live_sim, tmp_path, capsys):
    cfg = tmp_path / "short.yaml"
    cfg.write_text("accounts:\n  - {vendor: emay, id: EUCP-SHORT, secret: short}\n")
    rc = await cli(
        "--url", live_sim.url, "--config", str(cfg), "--vendor", "emay", "--account", "emay=EUCP-SHORT"
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "sms-simulator traffic: emay account EUCP-SHORT: "
        "a secretKey of 5 bytes is not an AES key (16, 24 or 32)"
    ]


def test_unreachable_url_is_one_line_and_exit_2(capsys):
    rc = main(["traffic", "--url", "http://127.0.0.1:1", "--count", "3", "--wait", "0"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert lines == [
        "sms-simulator traffic: cannot reach http://127.0.0.1:1: "
        "connection refused (is sms-simulator serve running there?)"
    ]
    assert capsys.readouterr().out == ""


async def test_it_waits_for_a_server_that_is_still_starting(unused_tcp_port, sim_app):
    url = f"http://127.0.0.1:{unused_tcp_port}"
    options = parse_options({"url": url, "count": 2, "rate": 100, "seed": 1, "wait": 3})
    traffic = Traffic(options, pick_credentials(load_config().all_accounts(), options))
    run = asyncio.create_task(traffic.run())
    await asyncio.sleep(0.3)  # `sms-simulator serve &` is still importing
    assert traffic.started_at is None
    runner = web.AppRunner(sim_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        await asyncio.wait_for(run, 5)
    finally:
        await runner.cleanup()
    assert traffic.error is None and traffic.answered == 2 and traffic.accepted >= 2


def test_bad_options_exit_2_with_the_message(capsys):
    assert main(["traffic", "--rate", "-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "sms-simulator traffic: rate must be between 0.01 and 10000, not -3"
    assert main(["traffic", "--account", "kx"]) == 2


def test_dry_run_prints_the_plan(capsys):
    assert main(["traffic", "--dry-run", "--count", "5", "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert main(["traffic", "--dry-run", "--count", "5", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first and len(first.splitlines()) == 5


async def test_the_rate_is_held(live_sim):
    options = parse_options({"url": live_sim.url, "rate": 50, "duration": 1, "seed": 5, "reply_share": 0})
    traffic = Traffic(options, pick_credentials(load_config().all_accounts(), options))
    started = time.perf_counter()
    await traffic.run()
    took = time.perf_counter() - started
    assert traffic.error is None
    assert traffic.sent == 50 and traffic.answered == 50
    assert 0.9 <= took <= 1.5
    assert 45 <= traffic.rate() <= 55
    assert traffic.accepted > 0
