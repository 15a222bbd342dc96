"""Hostile input against a real server: each attack is answered in under a second, /_sim/health keeps
answering, and the server's memory grows by less than 100 MB (bench/attacks.py measures the same)."""

from __future__ import annotations

import gzip
import json
import time

import aiohttp
import pytest

from simulator.core.scenarios import load_scenario
from simulator.core.yamlfile import FileError
from simulator.vendors.emay import crypto

from .conftest import HealthProbe

EMAY_APP_ID = "EUCP-EMY-SMS1-DEMO1"
EMAY_SECRET = "0123456789ABCDEF"
EMAY_HEADERS = {"appId": EMAY_APP_ID, "gzip": "on", "encode": "UTF-8"}


def sealed(plain: bytes) -> bytes:
    return crypto.encrypt(plain, EMAY_SECRET)


def send_body() -> bytes:
    body = {
        "mobile": "13800000000",
        "content": "【测试】hello",
        "requestTime": int(time.time() * 1000),
        "requestValidPeriod": 60,
    }
    return json.dumps(body).encode()


async def emay(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, str | None]:
    async with session.post(url + "/inter/sendSingleSMS", data=body, headers=EMAY_HEADERS) as r:
        await r.read()
        return r.status, r.headers.get("result")


async def test_many_empty_gzip_members_take_linear_time(serve):
    """4 MB of empty gzip members froze the server for 31 s (the member loop copied the rest each time)."""
    srv = serve()
    empty = gzip.compress(b"", mtime=0)
    data = gzip.compress(send_body(), mtime=0) + empty * ((4 << 20) // len(empty) - 20)
    async with aiohttp.ClientSession() as s, HealthProbe(srv.url) as probe:
        t = time.perf_counter()
        status, result = await emay(s, srv.url, sealed(data))
        took = time.perf_counter() - t
    assert status == 200 and result == "SUCCESS"  # concatenated members are read like GZIPInputStream
    assert took < 1.5, took
    assert probe.worst < 1.0, probe.worst


def test_decompress_is_linear():
    empty = gzip.compress(b"", mtime=0)
    times = []
    for n in (50_000, 200_000):
        t = time.perf_counter()
        assert crypto.decompress(gzip.compress(b"{}") + empty * n, 8 << 20) == b"{}"
        times.append(time.perf_counter() - t)
    assert times[1] < times[0] * 8 + 0.05, times  # 4x the data: about 4x the time, not 16x


def test_decompress_still_reads_members_split_anywhere():
    parts = [gzip.compress(f"part{i}".encode(), mtime=0) for i in range(3000)]
    data = b"".join(parts)
    assert crypto.decompress(data, 1 << 20) == b"".join(f"part{i}".encode() for i in range(3000))
    with pytest.raises(crypto.CryptoError):
        crypto.decompress(data[:-3], 1 << 20)  # truncated
    with pytest.raises(crypto.TooLarge):
        crypto.decompress(gzip.compress(b"\0" * (2 << 20)), 1 << 20)


@pytest.mark.parametrize("where", ["body", "template values"])
async def test_deeply_nested_json_is_error_params(live_sim, http, caplog, where):
    """Docs: a body that is not usable JSON is ERROR_PARAMS; it was ERROR_SYSTEM with a traceback."""
    deep = "[" * 100_000 + "]" * 100_000
    if where == "body":
        plain = ('{"mobile": "13800000000", "x": ' + deep + "}").encode()
    else:
        plain = json.dumps(
            {
                "templateId": "1",
                "smses": [{"mobile": "13800000000", "content": deep}],
                "requestTime": int(time.time() * 1000),
                "requestValidPeriod": 60,
            }
        ).encode()
    path = "/inter/sendSingleSMS" if where == "body" else "/inter/sendTemplateVariableSMS"
    async with http.post(live_sim.url + path, data=sealed(gzip.compress(plain)), headers=EMAY_HEADERS) as r:
        assert r.status == 200
        assert r.headers["result"] in ("ERROR_PARAMS", "ERROR_TEMPLATE_NOT_EXIST"), r.headers["result"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_moderately_nested_json_is_error_params(live_sim, http):
    plain = '{"mobile": "13800000000", "x": ' + "[" * 40 + "1" + "]" * 40 + "}"
    data = sealed(gzip.compress(plain.encode()))
    async with http.post(live_sim.url + "/inter/sendSingleSMS", data=data, headers=EMAY_HEADERS) as r:
        assert r.headers["result"] == "ERROR_PARAMS"


BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


async def test_yaml_alias_bomb_is_refused_at_once(serve):
    """614 bytes of nested aliases took 1.7 GB and blocked the server 16.6 s."""
    srv = serve()
    text = "name: bomb\nrefs:\n" + "\n".join("  " + line for line in BOMB.splitlines())
    text += "\nrules: [{match: {mobile: *a8}}]\n"
    before = srv.rss_mib()
    async with aiohttp.ClientSession() as s, HealthProbe(srv.url) as probe:
        t = time.perf_counter()
        headers = {"Content-Type": "application/yaml"}
        async with s.put(srv.url + "/_sim/scenario", data=text.encode(), headers=headers) as r:
            body = await r.json()
        took = time.perf_counter() - t
    assert r.status == 400 and "aliases are expanded" in body["problems"][0]
    assert took < 1.0 and probe.worst < 1.0
    assert srv.rss_mib() - before < 100


def test_yaml_alias_bomb_file_and_recursive_alias(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("name: bomb\n" + BOMB.replace("a0:", "description: x\nx0:").replace("x0:", "a0:"))
    rec = tmp_path / "rec.yaml"
    rec.write_text("name: rec\nrules: &r [*r]\n")
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: deep\nrules: " + "[" * 50_000 + "]" * 50_000 + "\n")
    big = tmp_path / "big.yaml"
    big.write_text("name: big\ndescription: " + "x" * (1 << 20) + "\n")
    for path, words in ((bomb, "aliases"), (rec, "aliases"), (deep, "deeply"), (big, "larger")):
        with pytest.raises(FileError) as e:
            load_scenario(path)
        assert words in e.value.problems[0], e.value.problems


async def test_content_encoding_bombs_are_not_inflated(serve):
    """17 gzip bombs (answered 413) left the process at 1.4 GB: request bodies are not inflated now
    (the vendors' gateways do not inflate Content-Encoding either), so a bomb is just bytes."""
    srv = serve()
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    before = srv.rss_mib()
    async with aiohttp.ClientSession() as s, HealthProbe(srv.url) as probe:
        t = time.perf_counter()
        for _ in range(17):
            headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
            async with s.post(srv.url + "/api/sms/p2psend", data=bomb, headers=headers) as r:
                assert r.status == 200
                assert (await r.json())["code"] != "0"  # kx's own error: not a JSON body
        took = time.perf_counter() - t
    assert took < 5 and probe.worst < 1.0
    assert srv.rss_mib() - before < 100


async def test_big_unauthenticated_bodies_do_not_stay_in_memory(serve):
    """Bodies up to the 16 MB request cap are kept only to ``store.body_limit`` in the journal."""
    srv = serve()
    body = b"x" * ((16 << 20) - 4096)
    before = srv.rss_mib()
    async with aiohttp.ClientSession() as s, HealthProbe(srv.url) as probe:
        for _ in range(30):
            async with s.post(srv.url + "/api/sms/send", data=body) as r:
                assert r.status == 200
                await r.read()
        async with s.post(srv.url + "/api/sms/send", data=body + b"x" * 8192) as r:
            assert r.status == 413
    assert probe.worst < 1.0
    assert srv.rss_mib() - before < 100
    async with aiohttp.ClientSession() as s, s.get(srv.url + "/_sim/requests?limit=1") as r:
        (entry,) = (await r.json())["requests"]
    assert len(entry["request_body"]) <= 70_000 and entry["request_size"] > 16_000_000
