"""Every refused request says why in the journal (``diagnosis``), over real HTTP: each vendor's every
auth failure, a method a path does not take, and callbacks the vendor would not count as acknowledged.

Expected digests are computed here from the vendor documents' formulas (hashlib), not by the
simulator's own functions; the clock is pinned so every timestamp and skew is exact."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from simulator.app import SIM_KEY
from simulator.vendors.huawei import apig
from tests.conftest import make_app
from tests.helpers import pinned_clock
from tests.vendors.emay.client import aes_encrypt, seal

START = "2026-03-01T10:00:00+08:00"
T = datetime.fromisoformat(START).timestamp()
IP = ["10.0.0.0/8"]  # the tests come from 127.0.0.1
EXTRA = [
    {"vendor": "kx", "id": "kxoff", "secret": "kxoffapikey00001", "enabled": False},
    {"vendor": "kx", "id": "kxip", "secret": "kxipapikey000001", "ip_allowlist": IP},
    {"vendor": "kx", "id": "kxnohttp", "secret": "kxnohttpkey00001", "options": {"http_enabled": False}},
    {"vendor": "huawei", "id": "hwoff", "secret": "hwoffsecret00001", "enabled": False},
    {"vendor": "huawei", "id": "hwip", "secret": "hwipsecret000001", "ip_allowlist": IP},
    {"vendor": "smsgw", "id": "gwoff", "secret": "gwoffpassword01", "enabled": False},
    {"vendor": "smsgw", "id": "gwip", "secret": "gwippassword001", "ip_allowlist": IP},
    {"vendor": "smsgw", "id": "gwnohttp", "secret": "gwnohttppass01", "options": {"http_enabled": False}},
    {"vendor": "mobset", "id": "300010", "secret": "mobsetoffpass01", "enabled": False},
    {"vendor": "mobset", "id": "300011", "secret": "mobsetippass001", "ip_allowlist": IP},
    {"vendor": "mobset", "id": "300012", "secret": "mobsetnosdk0001", "options": {"sdk_enabled": False}},
    {"vendor": "emay", "id": "EMOFF", "secret": "0123456789ABCDEE", "enabled": False},
    {"vendor": "emay", "id": "EMIP", "secret": "0123456789ABCDED", "ip_allowlist": IP},
    {
        "vendor": "emay",
        "id": "EMSLOW",
        "secret": "0123456789ABCDEC",
        "options": {"rate_limit": 0.001, "rate_burst": 1},
    },
]
SECRETS = [
    "kxdemoapikey0001",
    "hwdemoappsecret01",
    "demo-password",
    "HWDEMOSK0001",
    "0123456789ABCDEF",
    *(a["secret"] for a in EXTRA),
]


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def utc(ts: float, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(fmt)


def beijing(ts: float, fmt: str = "%Y%m%d%H%M%S") -> str:
    return datetime.fromtimestamp(ts + 8 * 3600, UTC).strftime(fmt)


class Live:
    def __init__(self, url: str, http) -> None:
        self.url = url
        self.http = http

    async def request(self, method: str, path: str, **kw: Any) -> int:
        async with self.http.request(method, self.url + path, **kw) as r:
            await r.read()
            return r.status

    async def newest(self) -> dict[str, Any]:
        async with self.http.get(self.url + "/_sim/requests?limit=1") as r:
            (entry,) = (await r.json())["requests"]
        return entry

    async def diagnosed(self, method: str, path: str, *needles: str, **kw: Any) -> str:
        """Make the request; its journal entry's diagnosis contains every needle and no secret."""
        await self.request(method, path, **kw)
        entry = await self.newest()
        diagnosis = entry["diagnosis"]
        assert diagnosis, (path, entry)
        for needle in needles:
            assert needle in diagnosis, (needle, diagnosis)
        for secret in SECRETS:
            assert secret not in diagnosis, (secret, diagnosis)
        return diagnosis


@pytest.fixture
async def live(aiohttp_server, http):
    app = make_app(clock=pinned_clock(START), accounts=EXTRA)
    server = await aiohttp_server(app, host="127.0.0.1")
    live = Live(str(server.make_url("")).rstrip("/"), http)
    live.sim = app[SIM_KEY]  # type: ignore[attr-defined]
    return live


def kx_form(userid: str = "100001", apikey: str = "kxdemoapikey0001", ts: int | None = None, **over: str):
    ts = int(T * 1000) if ts is None else ts
    form = {"userid": userid, "ts": str(ts), "sign": md5(f"{userid}{ts}{apikey}")}
    return {**form, "mobile": "13800000000", "msgcontent": "【测试】1", **over}


async def test_every_auth_failure_of_every_vendor_is_diagnosed(live):
    await kx(live)
    await huawei_wsse(live)
    await huawei_aksk(live)
    await smsgw(live)
    await mobset(live)
    await emay_simple(live)
    await emay_secure(live)
    await huawei_iam(live)  # last: it advances the clock past a token's life


async def kx(live: Live) -> None:
    send = "/api/sms/send"
    await live.diagnosed("POST", send, "missing or empty: sign", data={**kx_form(), "sign": ""})
    await live.diagnosed("POST", send, "userid '999' is no account", data=kx_form("999"))
    await live.diagnosed("POST", send, "account kxoff is disabled", data=kx_form("kxoff", "kxoffapikey00001"))
    await live.diagnosed(
        "POST", send, "options.http_enabled: false", data=kx_form("kxnohttp", "kxnohttpkey00001")
    )
    await live.diagnosed(
        "POST",
        send,
        "127.0.0.1 is not on account kxip's ip_allowlist (10.0.0.0/8)",
        data=kx_form("kxip", "kxipapikey000001"),
    )
    stale = int(T * 1000) - 600_000
    await live.diagnosed("POST", send, f"ts '{stale}' refused: skew -600 s", data=kx_form(ts=stale))
    await live.diagnosed("POST", send, "not epoch milliseconds", data={**kx_form(), "ts": "yesterday"})
    ts = int(T * 1000)
    expected = md5(f"100001{ts}kxdemoapikey0001")
    await live.diagnosed(
        "POST",
        send,
        f'md5("100001{ts}<apikey>") = {expected}',
        f"sent {'1' * 32}",
        data=kx_form(sign="1" * 32),
    )


WSSE_AUTH = 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"'
HW_FORM = {"from": "csms12345678", "to": "+8613912345678", "templateId": "tplverify0001"}


def wsse(key: str = "hwdemoappkey0001", secret: str = "hwdemoappsecret01", nonce: str = "n1", created=None):
    created = created or utc(T)
    digest = base64.b64encode(
        hashlib.sha256((nonce + created + secret).encode()).hexdigest().encode()
    ).decode()
    token = f'UsernameToken Username="{key}",PasswordDigest="{digest}",Nonce="{nonce}",Created="{created}"'
    return {"Authorization": WSSE_AUTH, "X-WSSE": token}


async def huawei_wsse(live: Live) -> None:
    send = "/sms/batchSendSms/v1"

    async def check(headers: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("POST", send, *needles, data=HW_FORM, headers=headers)

    await check({}, "the Authorization header is missing")
    await check(
        {**wsse(), "Authorization": 'WSSE profile="UsernameToken",type="Appkey"'}, "realm not", "expects"
    )
    await check({"Authorization": WSSE_AUTH}, "X-WSSE not contained")
    bad_created = wsse(created="2026/03/01 10:00")
    await check(bad_created, "Created '2026/03/01 10:00' refused: yyyy-MM-ddTHH:mm:ssZ")
    await check(wsse("nosuchkey"), "app_key 'nosuchkey' is no account")
    await check(wsse("hwoff", "hwoffsecret00001"), "account hwoff is disabled")
    await check(wsse("hwip", "hwipsecret000001"), "account hwip's ip_allowlist (10.0.0.0/8)")
    old = utc(T - 2 * 86400)
    await check(wsse(created=old, nonce="n2"), f"Created '{old}' refused: skew -172800 s")
    wrong = wsse(secret="not-the-secret", nonce="n3")
    sha = hashlib.sha256(("n3" + utc(T) + "hwdemoappsecret01").encode()).hexdigest()
    await check(wrong, f'SHA256("n3{utc(T)}<app_secret>") = {sha}', base64.b64encode(sha.encode()).decode())
    assert await live.request("POST", send, data=HW_FORM, headers=wsse(nonce="n4")) == 200
    await check(wsse(nonce="n4"), "Nonce 'n4' was already used by app_key hwdemoappkey0001")


def aksk(key: str, secret: str, path: str, body: bytes, host: str, at: float, ctype: str = "") -> dict:
    headers = {"Content-Type": ctype} if ctype else {}
    return apig.sign_headers(key, secret, "POST", f"http://{host}{path}", headers, body, at)


async def huawei_aksk(live: Live) -> None:
    send = "/sms/batchSendSms/v1"
    body = "&".join(f"{k}={v}" for k, v in HW_FORM.items()).replace("+", "%2B").encode()
    host = live.url.removeprefix("http://")
    form = "application/x-www-form-urlencoded"
    good = aksk("hwdemoappkey0001", "hwdemoappsecret01", send, body, host, T, form)

    async def check(headers: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("POST", send, *needles, data=body, headers=headers)

    await check({k: v for k, v in good.items() if k != "X-Sdk-Date"}, "X-Sdk-Date header")
    await check({**good, "X-Sdk-Date": "2026-03-01"}, "X-Sdk-Date '2026-03-01' refused: yyyyMMddTHHmmssZ")
    await check(
        {**good, "Authorization": "SDK-HMAC-SHA256 Access=x"}, "Authorization 'SDK-HMAC-SHA256 Access=x'"
    )
    stale = aksk("hwdemoappkey0001", "hwdemoappsecret01", send, body, host, T - 3600, form)
    await check(stale, f"X-Sdk-Date '{utc(T - 3600, apig.DATE_FORMAT)}' refused: skew -3600 s")
    right = good["Authorization"].rsplit("Signature=", 1)[1]
    tampered = {**good, "Authorization": good["Authorization"].replace(right, "0" * 64)}
    diagnosis = await check(
        tampered,
        f"hex(HMAC-SHA256(<secret>, StringToSign)) = {right}",
        "CanonicalRequest = 'POST\\n/sms/batchSendSms/v1/\\n",
        f"StringToSign = 'SDK-HMAC-SHA256\\n{utc(T, apig.DATE_FORMAT)}\\n",
    )
    assert f"the request sent {'0' * 64}" in diagnosis


async def huawei_iam(live: Live) -> None:
    def token_body(password: str) -> dict[str, Any]:
        user = {"name": "demo", "password": password, "domain": {"name": "demo"}}
        scope = {"project": {"name": "cn-north-4"}}
        return {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}}

    diagnosis = await live.diagnosed(
        "POST", "/v3/auth/tokens", "password given for IAM user 'demo'", json=token_body("guess-one")
    )
    assert "guess-one" not in diagnosis
    apps = "/v2/demoproject0001/msgsms/apps"
    await live.diagnosed("GET", apps, "never issued by this simulator", headers={"X-Auth-Token": "MIIforged"})
    host = live.url.removeprefix("http://")
    signed = aksk("HWDEMOAK0001", "HWDEMOSK0001", apps, b"", host, T)
    signed["Authorization"] = signed["Authorization"][:-64] + "f" * 64
    await live.diagnosed("POST", apps, "Signature refused", "CanonicalRequest", headers=signed)
    async with live.http.post(live.url + "/v3/auth/tokens", json=token_body("demo-password")) as r:
        assert r.status == 201
        token = r.headers["X-Subject-Token"]
    async with live.http.post(live.url + "/_sim/clock/advance", json={"seconds": 86400 + 60}) as r:
        assert r.status == 200
    await live.diagnosed(
        "GET", apps, "expired at 2026-03-02T02:00:00", "60 s ago", headers={"X-Auth-Token": token}
    )


async def smsgw(live: Live) -> None:
    send = {"action": "send", "mobile": "13800000000", "content": "【测试】x", "extno": "10690123"}

    async def check(params: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("POST", "/sms", *needles, data=params)

    await check({**send, "account": "922011"}, "missing or empty: password")
    await check({**send, "account": "999", "password": "x"}, "account '999' is no account")
    await check({**send, "account": "gwip", "password": "gwippassword001"}, "account gwip's ip_allowlist")
    material = "<password>10690123【测试】x13800000000"
    expected = md5("123456" + "10690123【测试】x13800000000")
    await check(
        {**send, "account": "922011", "password": "f" * 32},
        "md5(password + extno + content + mobile)",
        f'md5("{material}") = {expected}',
        f"sent {'f' * 32}",
    )
    plain = await check(
        {**send, "account": "922011", "password": "guessed"}, "a plain password was sent", "sent ***"
    )
    assert "guessed" not in plain
    await check(
        {"action": "balance", "account": "gwoff", "password": "gwoffpassword01"}, "account gwoff is disabled"
    )
    await check(
        {"action": "balance", "account": "gwnohttp", "password": "gwnohttppass01"}, "http_enabled: false"
    )


async def mobset(live: Live) -> None:
    stamp = beijing(T, "%m%d%H%M%S")

    def params(
        corp: str = "300003", password: str = "demo123", ts: str = stamp, **over: str
    ) -> dict[str, str]:
        fixed = {"Methods": "SmsGetBalance", "CorpID": corp, "LoginName": "demo", "TimeStamp": ts}
        return {**fixed, "SecretKey": md5(f"{corp}{password}{ts}"), **over}

    async def check(query: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("GET", "/SDK3/Sms", *needles, params=query)

    await check(params(SecretKey=""), "required parameter SecretKey is missing or empty")
    await check(params("399999"), "CorpID '399999' is no account")
    await check(params("300010", "mobsetoffpass01"), "enterprise 300010 is disabled")
    await check(params(LoginName="someone"), "LoginName 'someone' is not account 300003's ('demo')")
    await check(params("300012", "mobsetnosdk0001"), "options.sdk_enabled: false")
    await check(params("300011", "mobsetippass001"), "account 300011's ip_allowlist")
    await check(params(ts="2026-03-01"), "TimeStamp '2026-03-01' refused: not a date")
    await check(
        params(SecretKey="a" * 32),
        f'md5("300003<password>{stamp}") = {md5("300003demo123" + stamp)}',
        "a" * 32,
    )
    late = beijing(T + 3600, "%m%d%H%M%S")
    await check(params(ts=late), f"TimeStamp '{late}' refused: skew +3600 s read as Beijing time")


async def emay_simple(live: Live) -> None:
    ts = beijing(T)

    def params(app: str = "EUCP-EMY-SMS1-DEMO1", key: str = "0123456789ABCDEF", stamp: str = ts, **over: str):
        return {"appId": app, "timestamp": stamp, "sign": md5(app + key + stamp), **over}

    async def check(query: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("GET", "/simpleinter/getBalance", *needles, params=query)

    await check(params("NOPE"), "appId 'NOPE' is no account")
    await check(params("EMOFF", "0123456789ABCDEE"), "account EMOFF is disabled")
    await check(params("EMIP", "0123456789ABCDED"), "account EMIP's ip_allowlist")
    await check(params(stamp="20260301"), "timestamp '20260301' refused: not a date as yyyyMMddHHmmss")
    early = beijing(T - 7200)
    await check(params(stamp=early), f"timestamp '{early}' refused: skew -7200 s read as Beijing time")
    expected = md5(f"EUCP-EMY-SMS1-DEMO1{'0123456789ABCDEF'}{ts}")
    await check(params(sign="b" * 32), f'md5("EUCP-EMY-SMS1-DEMO1<secretKey>{ts}") = {expected}')
    assert (
        await live.request("GET", "/simpleinter/getBalance", params=params("EMSLOW", "0123456789ABCDEC"))
        == 200
    )
    await check(params("EMSLOW", "0123456789ABCDEC"), "options.rate_limit 0.001 requests a second")


async def emay_secure(live: Live) -> None:
    path = "/inter/getBalance"
    app = {"appId": "EUCP-EMY-SMS1-DEMO1"}
    gz = {**app, "gzip": "on"}
    ms = int(T * 1000)

    def body(request_time: int = ms) -> dict[str, Any]:
        return {"requestTime": request_time, "requestValidPeriod": 60}

    async def check(data: bytes, headers: dict[str, str], *needles: str) -> str:
        return await live.diagnosed("POST", path, *needles, data=data, headers=headers)

    await check(seal(body(), "FEDCBA9876543210"), gz, "could not be decrypted", "bad padding", "<secretKey>")
    await check(b"x" * 20, gz, "the 20-byte body could not be decrypted", "not a whole number of AES blocks")
    plain = aes_encrypt(json.dumps(body()).encode(), "0123456789ABCDEF")
    await check(plain, gz, "the header gzip: on says it is gzip data and it is not")
    await check(
        seal(body(), "0123456789ABCDEF"),
        app,
        "it is gzip data (it starts with 1f 8b): send the header gzip: on",
    )
    await check(
        seal(body(ms - 120_000), "0123456789ABCDEF"), gz, f"requestTime {ms - 120_000} refused: skew -120 s"
    )
    once = aes_encrypt(gzip.compress(json.dumps(body(ms + 1)).encode(), mtime=0), "0123456789ABCDEF")
    assert await live.request("POST", path, data=once, headers=gz) == 200
    await check(once, gz, "the same encrypted request was already accepted")


async def test_wrong_methods_and_unknown_paths_are_journaled_masked(live):
    assert await live.request("PUT", "/sms?account=922011&password=123456&action=balance") == 405
    entry = await live.newest()
    assert (entry["vendor"], entry["status"]) == ("smsgw", 405)
    assert entry["diagnosis"] == "PUT is not allowed at /sms; this endpoint takes GET, POST"
    assert entry["query"] == "account=922011&password=***&action=balance"
    assert await live.request("GET", "/api/sms/p2psend") == 405
    assert (await live.newest())[
        "diagnosis"
    ] == "GET is not allowed at /api/sms/p2psend; this endpoint takes POST"
    # a path no vendor has: masked with every vendor's rules (apikey is kx's, app_secret huawei's)
    sent = "userid=100001&apikey=kxdemoapikey0001&app_secret=hwdemoappsecret01&key=0123456789ABCDEF"
    assert await live.request("POST", "/api/sms/sned", data=sent) == 404
    entry = await live.newest()
    assert entry["vendor"] == ""
    assert entry["diagnosis"] == "no vendor endpoint at /api/sms/sned; did you mean /api/sms/send?"
    assert entry["request_body"] == "userid=100001&apikey=***&app_secret=***&key=***"


ACKS = [  # vendor, account, what the vendor expects of a push receiver
    ("kx", "100001", "HTTP 2xx with the body 'SUCCESS' (surrounding whitespace allowed)"),
    ("smsgw", "922011", "HTTP 2xx with the body 'OK' (surrounding whitespace allowed)"),
    ("emay", "EUCP-EMY-SMS1-DEMO1", "HTTP 2xx with the body 'success' (surrounding whitespace allowed)"),
]


async def push_one_reply(live: Live, vendor: str, account: str, url: str) -> dict[str, Any]:
    """Point the account's replies at ``url``, inject one, let it be pushed; the newest attempt."""
    patch = {"mode": "push", "mo_url": url}
    async with live.http.patch(f"{live.url}/_sim/accounts/{vendor}/{account}", json=patch) as r:
        assert r.status == 200, await r.text()
    mo = {"vendor": vendor, "account": account, "mobile": "13800000000", "content": "hi"}
    async with live.http.post(live.url + "/_sim/mo", json=mo) as r:
        assert r.status == 201, await r.text()
    async with live.http.post(live.url + "/_sim/clock/advance", json={"seconds": 5}) as r:
        assert r.status == 200
    async with live.http.get(f"{live.url}/_sim/callbacks?vendor={vendor}&limit=1") as r:
        (attempt,) = (await r.json())["callbacks"]
    return attempt


@pytest.mark.parametrize(("vendor", "account", "expects"), ACKS)
async def test_unacknowledged_callbacks_say_what_the_vendor_expects(live, receiver, vendor, account, expects):
    receiver.reply = (200, "received")
    attempt = await push_one_reply(live, vendor, account, receiver.url + "/mo")
    assert not attempt["ok"]
    assert attempt["diagnosis"] == (
        "not acknowledged: the receiver answered HTTP 200 with the body 'received'; "
        f"{vendor} expects {expects}"
    )
    right = {"kx": "SUCCESS", "smsgw": "OK", "emay": "success"}[vendor]
    receiver.reply = (503, right)
    attempt = await push_one_reply(live, vendor, account, receiver.url + "/mo")
    assert attempt["diagnosis"].startswith(
        f"not acknowledged: the receiver answered HTTP 503 with the body {right!r}"
    )
    receiver.reply = (200, right)
    attempt = await push_one_reply(live, vendor, account, receiver.url + "/mo")
    assert attempt["ok"] and attempt["diagnosis"] is None


async def test_huawei_takes_any_answer_so_only_no_answer_is_unacknowledged(live, receiver, unused_tcp_port):
    receiver.reply = (500, "whatever")
    attempt = await push_one_reply(live, "huawei", "hwdemoappkey0001", receiver.url + "/mo")
    assert attempt["ok"] and attempt["diagnosis"] is None
    attempt = await push_one_reply(
        live, "huawei", "hwdemoappkey0001", f"http://127.0.0.1:{unused_tcp_port}/mo"
    )
    assert attempt["diagnosis"].startswith("not acknowledged: there was no answer (")
    assert attempt["diagnosis"].endswith("huawei expects any answer at all (the platform does not read it)")


async def test_field_refusals_name_the_field_its_value_and_the_rule(live):
    send = "/api/sms/send"
    await live.diagnosed("POST", send, "extnum '12ab' refused: up to 6 digits", data=kx_form(extnum="12ab"))
    await live.diagnosed(
        "POST", send, "time '2026-03-01' refused: a Beijing time", data=kx_form(time="2026-03-01")
    )
    await live.diagnosed(
        "POST", send, "msgcontent is 1001 characters; at most 1000", data=kx_form(msgcontent="x" * 1001)
    )
    for nonce, field, needle in (
        ("f1", {"to": "138abc"}, "a number in to '138abc' refused: digits"),
        (
            "f2",
            {"templateParas": '["1","2"]'},
            "+8613912345678: E200028, templateParas has 2 values; template ",
        ),
    ):
        headers = wsse(nonce=nonce)
        await live.diagnosed(
            "POST", "/sms/batchSendSms/v1", needle, data={**HW_FORM, **field}, headers=headers
        )
    gw = {"account": "922011", "password": "123456"}
    await live.diagnosed(
        "GET", "/sms", "action 'sned' refused: one of send, p2p", params={**gw, "action": "sned"}
    )
    await live.diagnosed(
        "POST",
        "/sms",
        "13800000000: result 10, extno '999' is not account 922011's access number '10690123'",
        data={**gw, "action": "send", "mobile": "13800000000", "content": "【测试】x", "extno": "999"},
    )
    stamp = beijing(T, "%m%d%H%M%S")
    mob = {
        "CorpID": "300003",
        "LoginName": "demo",
        "TimeStamp": stamp,
        "SecretKey": md5(f"300003demo123{stamp}"),
    }
    await live.diagnosed(
        "GET",
        "/SDK3/Sms",
        "AddNum 'x1' refused: digits only",
        params={**mob, "Methods": "SmsSend", "PhoneNumbers": "13800000000", "Content": "hi", "AddNum": "x1"},
    )
    ts = beijing(T)
    emay = {
        "appId": "EUCP-EMY-SMS1-DEMO1",
        "timestamp": ts,
        "sign": md5(f"EUCP-EMY-SMS1-DEMO10123456789ABCDEF{ts}"),
    }
    await live.diagnosed(
        "POST",
        "/simpleinter/sendSMS",
        "mobile '1380000' refused: a mainland mobile number",
        data={**emay, "mobiles": "1380000", "content": "hi"},
    )
    creds = {k: v for k, v in kx_form().items() if k in ("userid", "ts", "sign")}
    items = [
        {"mobile": "13800000001", "msgcontent": "x" * 1001},
        {"mobile": "13800000002", "msgcontent": "ok"},
    ]
    p2p = await live.diagnosed(
        "POST",
        "/api/sms/p2psend",
        "item '13800000001': msgcontent is 1001 characters; at most 1000",
        json={**creds, "list": items},
    )
    assert "13800000002" not in p2p  # accepted: only the refused item is named
