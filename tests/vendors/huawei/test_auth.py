"""huawei send-API auth: every X-WSSE and SDK-HMAC-SHA256 failure code, both digest forms, replay."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from simulator.vendors.huawei.auth import parse_created, password_digests
from simulator.vendors.huawei.codes import API_CODES

from .send_helpers import (
    APP_KEY,
    BATCH,
    DIFF,
    FORM,
    IP_LOCKED_ACCOUNT,
    SECRET,
    aksk,
    batch,
    created,
    verify_form,
    wsse,
)

GOOD_AUTH = 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"'


def token(username=APP_KEY, nonce="abc123", created_text=None, digest=None, prefix="UsernameToken"):
    c = created_text or created()
    d = digest if digest is not None else password_digests(nonce, c, SECRET)[0]
    parts = []
    if username is not None:
        parts.append(f'Username="{username}"')
    if d:
        parts.append(f'PasswordDigest="{d}"')
    if nonce:
        parts.append(f'Nonce="{nonce}"')
    if c != "-":
        parts.append(f'Created="{c}"')
    return f"{prefix} " + ",".join(parts)


def test_digest_forms():
    nonce, c = "66C92B11FF8A425FB8D4CCFE0ED9ED1F", "2018-02-12T15:30:20Z"
    h = hashlib.sha256((nonce + c + SECRET).encode())
    hex_form, raw_form = password_digests(nonce, c, SECRET)
    assert base64.b64decode(hex_form).decode() == h.hexdigest()
    assert base64.b64decode(raw_form) == h.digest()


def test_created_formats():
    assert parse_created("2018-02-12T15:30:20Z") == datetime(2018, 2, 12, 15, 30, 20, tzinfo=UTC).timestamp()
    assert parse_created("2018-02-12T15:30:20.123Z") == parse_created("2018-02-12T15:30:20Z")
    assert parse_created("2018-02-12T23:30:20+08:00") == parse_created("2018-02-12T15:30:20Z")
    for bad in ("2018-02-12 15:30", "20180212T153020Z", "2018-13-12T15:30:20Z", "yesterday", ""):
        assert parse_created(bad) is None, bad


@pytest.mark.parametrize("raw", [False, True])
async def test_both_digest_forms_are_accepted(sim_client, raw):
    status, body = await batch(sim_client, verify_form(), wsse(raw=raw))
    assert (status, body["code"]) == (200, "000000")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "E000001"),
        ({"Authorization": ""}, "E000001"),
        ({"Authorization": 'Basic realm="SDP"'}, "E000008"),
        ({"Authorization": 'WSSE profile="UsernameToken",type="Appkey"'}, "E000002"),
        ({"Authorization": 'WSSE realm="SDP",type="Appkey"'}, "E000003"),
        ({"Authorization": 'WSSE realm="X",profile="UsernameToken",type="Appkey"'}, "E000004"),
        ({"Authorization": 'WSSE realm="SDP",profile="Token",type="Appkey"'}, "E000005"),
        ({"Authorization": 'WSSE realm="SDP",profile="UsernameToken",type="User"'}, "E000006"),
        ({"Authorization": 'WSSE realm="SDP",profile="UsernameToken"'}, "E000007"),
        ({"Authorization": GOOD_AUTH}, "E000020"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(prefix="Token")}, "E000026"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(username=None)}, "E000021"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(nonce="")}, "E000022"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(created_text="-")}, "E000023"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(digest="")}, "E000024"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(created_text="2018/05/26 00:35:30")}, "E000025"),
        ({"Authorization": GOOD_AUTH, "X-WSSE": token(nonce="n" * 129)}, "E000027"),
    ],
)
async def test_wsse_format_errors_are_400(sim_client, headers, code):
    status, body = await batch(sim_client, verify_form(), headers)
    assert (status, body) == (400, {"code": code, "description": API_CODES[code][1]})
    assert sim_client.sim.store.query_messages(vendor="huawei") == []


async def test_unknown_app_key_is_e000102(sim_client):
    status, body = await batch(sim_client, verify_form(), wsse(app_key="nosuchapp"))
    assert (status, body["code"], body["description"]) == (401, "E000102", "Invalid app_key.")


async def test_bad_digest_is_e000105(sim_client):
    status, body = await batch(sim_client, verify_form(), wsse(secret="wrong"))
    assert (status, body["code"]) == (401, "E000105")


async def test_disabled_app_is_e000103(sim_client):
    sim_client.sim.accounts.get("huawei", APP_KEY).enabled = False
    status, body = await batch(sim_client, verify_form())
    assert (status, body["code"]) == (401, "E000103")


async def test_created_window_is_lenient_by_default(sim_client):
    # local Beijing time labelled Z (8 hours ahead) is still accepted
    assert (await batch(sim_client, verify_form(), wsse(offset=8 * 3600)))[1]["code"] == "000000"
    assert (await batch(sim_client, verify_form(), wsse(offset=-8 * 3600)))[1]["code"] == "000000"
    status, body = await batch(sim_client, verify_form(), wsse(offset=25 * 3600))
    assert (status, body["code"]) == (401, "E000110")


async def test_created_window_is_configurable(make_client):
    client = await make_client(vendors={"huawei": {"wsse_window": 300}})
    assert (await batch(client, verify_form(), wsse(offset=-200)))[1]["code"] == "000000"
    status, body = await batch(client, verify_form(), wsse(offset=-400))
    assert (status, body["code"]) == (401, "E000110")


async def test_nonce_replay_is_refused(sim_client):
    headers = wsse(nonce="replayed0001")
    assert (await batch(sim_client, verify_form(), headers))[1]["code"] == "000000"
    status, body = await batch(sim_client, verify_form(), headers)
    assert (status, body["code"]) == (401, "E000101")
    assert len(sim_client.sim.store.query_messages(vendor="huawei")) == 1


async def test_replay_check_can_be_switched_off(make_client):
    client = await make_client(vendors={"huawei": {"replay_check": False}})
    headers = wsse(nonce="replayed0002")
    assert (await batch(client, verify_form(), headers))[1]["code"] == "000000"
    assert (await batch(client, verify_form(), headers))[1]["code"] == "000000"


# -- special AK/SK -------------------------------------------------------------------------------------
def _host(client) -> str:
    return f"{client.server.host}:{client.server.port}"


async def _post_aksk(client, headers, body, path=BATCH):
    resp = await client.post(path, data=body, headers=headers)
    import json

    return resp.status, json.loads(await resp.text())


async def test_aksk_request_is_accepted(sim_client):
    body = urlencode(verify_form()).encode()
    headers = aksk(BATCH, body, FORM, _host(sim_client))
    status, answer = await _post_aksk(sim_client, headers, body)
    assert (status, answer["code"]) == (200, "000000")


async def test_aksk_diff_send_is_accepted(sim_client):
    import json

    body = json.dumps(
        {
            "from": "csms12345678",
            "smsContent": [
                {"to": ["13912345678"], "templateId": "tplverify0001", "templateParas": ["654321"]}
            ],
        }
    ).encode()
    headers = aksk(DIFF, body, "application/json", _host(sim_client))
    status, answer = await _post_aksk(sim_client, headers, body, DIFF)
    assert (status, answer["code"]) == (200, "000000")


async def test_aksk_errors(sim_client):
    body = urlencode(verify_form()).encode()
    host = _host(sim_client)
    good = aksk(BATCH, body, FORM, host)

    no_date = {k: v for k, v in good.items() if k != "X-Sdk-Date"}
    assert (await _post_aksk(sim_client, no_date, body))[1]["code"] == "E000041"
    bad_date = dict(good, **{"X-Sdk-Date": "2024-05-19T00:50:38Z"})
    assert (await _post_aksk(sim_client, bad_date, body))[1]["code"] == "E000042"
    bad_auth = dict(good, Authorization="SDK-HMAC-SHA256 Access=x Signature=y")
    assert (await _post_aksk(sim_client, bad_auth, body))[1]["code"] == "E000043"
    old = aksk(BATCH, body, FORM, host, offset=-16 * 60)
    status, answer = await _post_aksk(sim_client, old, body)
    assert (status, answer["code"]) == (400, "E000044")
    wrong_secret = aksk(BATCH, body, FORM, host, secret="nope")
    status, answer = await _post_aksk(sim_client, wrong_secret, body)
    assert (status, answer["code"]) == (400, "E000045")
    tampered = body.replace(b"13912345678", b"13912345679")
    assert (await _post_aksk(sim_client, good, tampered))[1]["code"] == "E000045"
    unknown = aksk(BATCH, body, FORM, host, key="nosuchapp")
    assert (await _post_aksk(sim_client, unknown, body))[0:1] == (401,)
    assert (await _post_aksk(sim_client, unknown, body))[1]["code"] == "E000102"
    assert sim_client.sim.store.query_messages(vendor="huawei") == []


async def test_aksk_format_errors_are_400(sim_client):
    body = urlencode(verify_form()).encode()
    good = aksk(BATCH, body, FORM, _host(sim_client))
    cases = [
        ({k: v for k, v in good.items() if k != "X-Sdk-Date"}, "E000041", "X-Sdk-Date header is empty."),
        (dict(good, **{"X-Sdk-Date": "  "}), "E000041", "X-Sdk-Date header is empty."),
        (
            dict(good, **{"X-Sdk-Date": "2024-05-19T00:50:38Z"}),
            "E000042",
            "The format of X-Sdk-Date header is invalid.",
        ),
        (
            dict(good, Authorization="SDK-HMAC-SHA256 Access=x Signature=y"),
            "E000043",
            "The format of Authorization header is incorrect.",
        ),
        (
            dict(good, Authorization=good["Authorization"].replace("SDK-HMAC-SHA256", "SDK-HMAC-SHA1")),
            "E000043",
            "The format of Authorization header is incorrect.",
        ),
    ]
    for headers, code, text in cases:
        status, answer = await _post_aksk(sim_client, headers, body)
        assert (status, answer) == (400, {"code": code, "description": text}), headers


async def test_aksk_old_and_future_dates_are_e000044(sim_client):
    body = urlencode(verify_form()).encode()
    host = _host(sim_client)
    for offset in (-16 * 60, 16 * 60):
        status, answer = await _post_aksk(sim_client, aksk(BATCH, body, FORM, host, offset=offset), body)
        assert (status, answer["code"], answer["description"]) == (400, "E000044", "X-Sdk-Date is expired.")
    status, answer = await _post_aksk(sim_client, aksk(BATCH, body, FORM, host, offset=-14 * 60), body)
    assert (status, answer["code"]) == (200, "000000")


async def test_ip_allow_list_applies_to_both_schemes_and_paths(make_client):
    client = await make_client(accounts=[IP_LOCKED_ACCOUNT])
    text = "The app client ip is not in ip white list."
    body = urlencode(verify_form()).encode()
    headers = aksk(BATCH, body, FORM, _host(client), key="hwiplocked", secret="s3cret")
    assert await _post_aksk(client, headers, body) == (403, {"code": "E000620", "description": text})
    diff_body = b'{"from":"csms1","smsContent":[{"to":["13912345678"],"templateId":"t"}]}'
    headers = aksk(DIFF, diff_body, "application/json", _host(client), key="hwiplocked", secret="s3cret")
    assert await _post_aksk(client, headers, diff_body, DIFF) == (
        403,
        {"code": "E000620", "description": text},
    )
    hdrs = {"Content-Type": "application/json", **wsse("hwiplocked", "s3cret")}
    resp = await client.post(DIFF, data=diff_body, headers=hdrs)
    assert (resp.status, (await resp.json())["code"]) == (403, "E000620")


async def test_auth_errors_on_the_diff_path(sim_client):
    import json

    data = json.dumps({"from": "csms12345678", "smsContent": []}).encode()
    for headers, expected in (
        ({}, (400, "E000001")),
        (wsse(secret="wrong"), (401, "E000105")),
        (wsse(app_key="nosuchapp"), (401, "E000102")),
        (wsse(offset=-25 * 3600), (401, "E000110")),
    ):
        resp = await sim_client.post(DIFF, data=data, headers={"Content-Type": "application/json", **headers})
        answer = await resp.json()
        assert (resp.status, answer["code"]) == expected
        assert "result" not in answer


async def test_replay_is_per_app_and_only_for_good_requests(make_client):
    other = {"vendor": "huawei", "id": "hwotherapp", "secret": "othersecret"}
    client = await make_client(accounts=[other], vendors={"huawei": {"wsse_window": 300}})
    # a failed digest does not burn the nonce
    status, body = await batch(client, verify_form(), wsse(secret="wrong", nonce="shared01"))
    assert (status, body["code"]) == (401, "E000105")
    assert (await batch(client, verify_form(), wsse(nonce="shared01")))[1]["code"] == "000000"
    # the same nonce from another app is its own (its request then fails later for lack of a channel)
    status, body = await batch(client, verify_form(), wsse("hwotherapp", "othersecret", nonce="shared01"))
    assert body["code"] == "E000510"
    status, body = await batch(client, verify_form(), wsse(nonce="shared01"))
    assert (status, body) == (
        401,
        {"code": "E000101", "description": "Authentication failed. (nonce already used)"},
    )


async def test_nonces_kept_are_bounded_the_oldest_forgotten_first(make_client):
    client = await make_client(vendors={"huawei": {"nonce_max_entries": 3}})
    nonces = client.sim.store.collection("huawei.nonces")
    for i in range(5):
        assert (await batch(client, verify_form(), wsse(nonce=f"bounded{i}")))[1]["code"] == "000000"
    assert [n for _, n in nonces] == ["bounded2", "bounded3", "bounded4"]
    assert (await batch(client, verify_form(), wsse(nonce="bounded4")))[1]["code"] == "E000101"
    # past the bound a nonce is forgotten here (the price of bounded memory): accepted again; a shared
    # store still refuses it (Redis keeps each claim until the window ends, with its own expiry)
    expected = "E000101" if client.sim.shared else "000000"
    assert (await batch(client, verify_form(), wsse(nonce="bounded0")))[1]["code"] == expected


async def test_nonces_are_forgotten_after_the_window(make_client):
    client = await make_client(vendors={"huawei": {"wsse_window": 300}}, clock={"auth": "simulated"})
    sim = client.sim
    nonces = sim.store.collection("huawei.nonces")

    def at_sim_time(nonce):
        c = datetime.fromtimestamp(sim.clock.auth_now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        from simulator.vendors.huawei.auth import wsse_headers

        return wsse_headers(APP_KEY, SECRET, nonce, c)

    for i in range(5):
        assert (await batch(client, verify_form(), at_sim_time(f"n{i}")))[1]["code"] == "000000"
    assert len(nonces) == 5
    old = at_sim_time("n0")
    sim.clock.advance(301)
    assert (await batch(client, verify_form(), at_sim_time("n9")))[1]["code"] == "000000"
    assert list(nonces) == [(APP_KEY, "n9")]  # the expired ones are gone, the new one kept
    assert (await batch(client, verify_form(), old))[1]["code"] == "E000110"  # too old by itself anyway


# -- header bytes that are not UTF-8 (sent over a plain socket; an HTTP client would refuse them) --------
async def _raw_post(client, path: str, header_lines: list[bytes], body: bytes):
    import asyncio
    import json

    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n".encode()
    writer.write(
        head + b"".join(line + b"\r\n" for line in header_lines) + b"Connection: close\r\n\r\n" + body
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


async def test_nonce_bytes_that_are_not_utf8_are_hashed_as_sent(sim_client):
    nonce = b"ab\xff\xfe01"
    c = created()
    digest = base64.b64encode(hashlib.sha256(nonce + c.encode() + SECRET.encode()).hexdigest().encode())
    x_wsse = b'UsernameToken Username="%s",PasswordDigest="%s",Nonce="%s",Created="%s"' % (
        APP_KEY.encode(),
        digest,
        nonce,
        c.encode(),
    )
    lines = [f"Content-Type: {FORM}".encode(), f"Authorization: {GOOD_AUTH}".encode(), b"X-WSSE: " + x_wsse]
    body = urlencode(verify_form()).encode()
    status, answer = await _raw_post(sim_client, BATCH, lines, body)
    assert (status, answer["code"]) == (200, "000000")
    lines[-1] = b"X-WSSE: " + x_wsse.replace(b"\xff", b"\xfd")  # a different nonce: the digest is wrong
    status, answer = await _raw_post(sim_client, BATCH, lines, body)
    assert (status, answer["code"]) == (401, "E000105")


async def test_aksk_signed_header_that_is_not_utf8_is_verified_over_its_bytes(sim_client):
    import hmac

    body = urlencode(verify_form()).encode()
    host = _host(sim_client).encode()
    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ").encode()
    junk = b"caf\xe9 \xff"
    signed = b"content-type;host;x-junk;x-sdk-date"
    canonical = b"\n".join(
        [
            b"POST",
            BATCH.encode() + b"/",
            b"",
            b"content-type:%s\nhost:%s\nx-junk:%s\nx-sdk-date:%s\n" % (FORM.encode(), host, junk, date),
            signed,
            hashlib.sha256(body).hexdigest().encode(),
        ]
    )
    to_sign = b"SDK-HMAC-SHA256\n" + date + b"\n" + hashlib.sha256(canonical).hexdigest().encode()
    sig = hmac.new(SECRET.encode(), to_sign, hashlib.sha256).hexdigest().encode()

    def lines(signature: bytes) -> list[bytes]:
        auth = b"SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
            APP_KEY.encode(),
            signed,
            signature,
        )
        return [
            b"Content-Type: " + FORM.encode(),
            b"X-Junk: " + junk,
            b"X-Sdk-Date: " + date,
            b"Authorization: " + auth,
        ]

    status, answer = await _raw_post(sim_client, BATCH, lines(sig), body)
    assert (status, answer["code"]) == (200, "000000")
    status, answer = await _raw_post(sim_client, BATCH, lines(b"0" * 64), body)
    assert (status, answer) == (400, {"code": "E000045", "description": "Authorization verify failed."})
