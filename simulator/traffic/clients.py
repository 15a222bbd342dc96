"""Per-vendor wire clients: one send request as that vendor's own clients build it.

Every signature, digest and cipher comes from the vendor package (``simulator.vendors.<key>``): kx
md5(userid+ts+apikey), huawei X-WSSE and SDK-HMAC-SHA256, smsgw MD5(password+extno+content+mobile),
mobset MD5(CorpID+Password+TimeStamp), emay AES/ECB of gzipped JSON.  Each client turns the vendor's
answer into a :class:`Result`: which recipients were accepted, which were refused with which code, and
whether the refusal was about the credentials.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp

from ..vendors.base import fmt_time
from ..vendors.emay import crypto as emay_crypto
from ..vendors.emay.codes import API_CODES as EMAY_CODES
from ..vendors.huawei import apig
from ..vendors.huawei.auth import wsse_headers
from ..vendors.huawei.registry import VARIABLE_RE
from ..vendors.kx.auth import make_sign as kx_sign
from ..vendors.mobset.auth import make_secret as mobset_secret
from ..vendors.smsgw.auth import make_password as smsgw_password
from ..vendors.smsgw.codes import STATUS as SMSGW_STATUS
from .content import Item, Template

FORM = "application/x-www-form-urlencoded"
MAX_ANSWER = 4 * 1024 * 1024


@dataclass
class Credentials:
    vendor: str
    id: str
    secret: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # recipient → the vendor's code
    code: str | None = None  # the whole request was refused with this code
    message: str = ""  # the vendor's text for that code
    auth: bool = False  # the refusal was about the credentials


class VendorError(Exception):
    """The answer was not the vendor's shape (not JSON, an unexpected status…)."""


class CredentialsError(Exception):
    """The account's credentials cannot even make a request (an emay secretKey that is no AES key)."""


def _whole(code: Any, message: Any, item: Item, auth: bool) -> Result:
    code = str(code)
    return Result(refused=dict.fromkeys(item.recipients, code), code=code, message=str(message), auth=auth)


def _json(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise VendorError(f"the answer is not a JSON object: {text[:80]!r}")
    return body


class Client:
    vendor = ""

    def __init__(self, creds: Credentials, base_url: str) -> None:
        self.creds = creds
        self.base = base_url.rstrip("/")

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        raise NotImplementedError


class KxClient(Client):
    """``POST /api/sms/send`` (form): userid, ts (ms), sign, mobile (comma list), msgcontent."""

    vendor = "kx"
    AUTH = {"4", "5", "6", "7", "14"}

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        c = self.creds
        ts = str(int(time.time() * 1000))
        form = {
            "userid": c.id,
            "ts": ts,
            "sign": kx_sign(c.id, ts, c.secret),
            "mobile": ",".join(item.recipients),
            "msgcontent": item.content(),
        }
        async with session.post(f"{self.base}/api/sms/send", data=form) as resp:
            body = _json(await resp.text())
        code = str(body.get("code"))
        if code == "0":
            return Result(accepted=list(item.recipients))
        return _whole(code, body.get("msg", ""), item, code in self.AUTH)


def huawei_templates(options: dict[str, Any]) -> list[Template]:
    """The account's templates that have a channel of their type (what it can send with)."""
    channels = {ch.get("type", "NOTIFY_TYPE"): ch["channel"] for ch in options.get("channels") or []}
    out = []
    for t in options.get("templates") or []:
        kind = t.get("type", "NOTIFY_TYPE")
        if kind not in channels:
            continue
        count = len(set(VARIABLE_RE.findall(t.get("content", ""))))
        lengths = list(t.get("max_lengths") or [])[:count]
        lengths += [10] * (count - len(lengths))
        out.append(Template(t["id"], channels[kind], kind == "VERIFY_CODE_TYPE", lengths))
    return out


class HuaweiClient(Client):
    """``POST /sms/batchSendSms/v1`` (form) with a template; X-WSSE, every other request (odd ``seq``)
    signed with the "special AK/SK" SDK-HMAC-SHA256 scheme instead."""

    vendor = "huawei"
    PATH = "/sms/batchSendSms/v1"
    # Authorization / X-WSSE / X-Sdk-Date problems, unknown or unusable app_key, IP not allowed
    AUTH = {
        *(f"E00000{n}" for n in range(1, 9)),
        *(f"E0000{n}" for n in range(20, 28)),
        *(f"E0000{n}" for n in range(41, 46)),
        *(f"E000{n}" for n in range(101, 111)),
        "E000620",
    }

    def _auth(self, body: bytes, aksk: bool) -> dict[str, str]:
        c = self.creds
        if aksk:
            now = time.time()
            return apig.sign_headers(
                c.id, c.secret, "POST", f"{self.base}{self.PATH}", {"Content-Type": FORM}, body, now
            )
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"Content-Type": FORM, **wsse_headers(c.id, c.secret, secrets.token_hex(16), created)}

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        form = {
            "from": item.channel or "",
            "to": ",".join(f"+86{m}" for m in item.recipients),
            "templateId": item.template or "",
            "templateParas": json.dumps(item.params, ensure_ascii=False),
        }
        body = urlencode(form).encode()
        headers = self._auth(body, aksk=item.seq % 2 == 1)
        headers.pop("Host", None)  # aiohttp sends the same Host itself
        async with session.post(f"{self.base}{self.PATH}", data=body, headers=headers) as resp:
            status, answer = resp.status, _json(await resp.text())
        code = str(answer.get("code"))
        results = answer.get("result") or []
        if code == "000000" or (code == "E000510" and results):
            out = Result()
            for r in results:
                mobile = str(r.get("originTo", "")).removeprefix("+86")
                if r.get("status") == "000000":
                    out.accepted.append(mobile)
                else:
                    out.refused[mobile] = str(r.get("status"))
            return out
        return _whole(code, answer.get("description", ""), item, status == 401 or code in self.AUTH)


class SmsgwClient(Client):
    """``POST /sms`` action=send: account, MD5(password+extno+content+mobile), extno, mobile, content."""

    vendor = "smsgw"
    AUTH = {"2", "3", "6", "7"}

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        c = self.creds
        params = {
            "extno": str(c.options.get("extno") or ""),
            "mobile": ",".join(item.recipients),
            "content": item.content(),
        }
        form = {
            "action": "send",
            "account": c.id,
            "password": smsgw_password("send", params, c.secret),
            "rt": "json",
            **params,
        }
        async with session.post(f"{self.base}/sms", data=form) as resp:
            answer = _json(await resp.text())
        status = str(answer.get("status"))
        if status != "0":
            text = SMSGW_STATUS.get(int(status), "") if status.lstrip("-").isdigit() else ""
            return _whole(status, text, item, status in self.AUTH)
        out = Result()
        for r in answer.get("list") or []:
            mobile, result = str(r.get("mobile")), str(r.get("result"))
            if result == "0":
                out.accepted.append(mobile)
            else:
                out.refused[mobile] = result
        return out


class MobsetClient(Client):
    """``GET /SDK3/Sms?Methods=SmsSend``: CorpID, LoginName, TimeStamp (MMddHHmmss, Beijing), SecretKey.

    The content goes without a 【signature】: the platform adds the account's own."""

    vendor = "mobset"
    PATH = "/SDK3/Sms"
    AUTH = {"-103", "-104", "-105", "-106", "-107", "-109"}

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        c = self.creds
        stamp = fmt_time(time.time(), "%m%d%H%M%S")
        params = {
            "Methods": "SmsSend",
            "CorpID": c.id,
            "LoginName": str(c.options.get("login_name") or ""),
            "TimeStamp": stamp,
            "SecretKey": mobset_secret(c.id, c.secret, stamp),
            "PhoneNumbers": ",".join(item.recipients),
            "Content": item.text,
        }
        async with session.get(f"{self.base}{self.PATH}", params=params) as resp:
            answer = _json(await resp.text())
        code = answer.get("Code")
        if not isinstance(code, int) or code < 0:
            return _whole(code, answer.get("Message", ""), item, str(code) in self.AUTH)
        out = Result()
        for r in answer.get("SmsIdList") or []:
            mobile = str(r.get("PhoneNumber"))
            if r.get("SmsId"):
                out.accepted.append(mobile)
            else:
                out.refused[mobile] = "SmsId 0"
        return out


class EmayClient(Client):
    """Secure interface: ``sendSingleSMS`` / ``sendBatchOnlySMS``, JSON gzipped then AES-encrypted with
    the secretKey, headers ``appId``, ``gzip: on``, ``encode: UTF-8``; the answer's ``result`` header."""

    vendor = "emay"
    AUTH = {"ERROR_APPID", "ERROR_CLIENT_IP", "ERROR_ENCRYPTION", "ERROR_SIGN", "ERROR_TIMESTAMP"}
    _last_ms = 0

    @classmethod
    def request_time(cls) -> int:
        """Wall-clock ms, strictly increasing: the platform refuses a byte-identical body as a replay."""
        cls._last_ms = max(int(time.time() * 1000), cls._last_ms + 1)
        return cls._last_ms

    async def send(self, session: aiohttp.ClientSession, item: Item) -> Result:
        c = self.creds
        if len(item.recipients) == 1:
            name, fields = "sendSingleSMS", {"mobile": item.recipients[0]}
        else:
            name, fields = "sendBatchOnlySMS", {"mobiles": item.recipients}
        payload = {
            **fields,
            "content": item.content(),
            "requestTime": self.request_time(),
            "requestValidPeriod": 60,
        }
        plain = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            body = emay_crypto.encrypt(emay_crypto.compress(plain), c.secret)
        except emay_crypto.CryptoError as e:
            raise CredentialsError(f"emay account {c.id}: {e}") from None
        headers = {"appId": c.id, "gzip": "on", "encode": "UTF-8"}
        async with session.post(f"{self.base}/inter/{name}", data=body, headers=headers) as resp:
            result, raw = resp.headers.get("result"), await resp.read()
        if result != "SUCCESS":
            if result is None:
                raise VendorError(f"HTTP {resp.status} without a result header")
            return _whole(result, EMAY_CODES.get(result, ""), item, result in self.AUTH)
        try:
            data = json.loads(emay_crypto.decompress(emay_crypto.decrypt(raw, c.secret), MAX_ANSWER))
        except (emay_crypto.CryptoError, ValueError) as e:
            raise VendorError(f"cannot open the answer: {e}") from None
        sent = data if isinstance(data, list) else [data]
        return Result(accepted=[str(s.get("mobile")) for s in sent if s.get("smsId")])


CLIENTS: dict[str, type[Client]] = {
    c.vendor: c for c in (KxClient, HuaweiClient, SmsgwClient, MobsetClient, EmayClient)
}
