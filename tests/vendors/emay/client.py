"""An independent emay client, written from the seed's §2 (not from the simulator's code).

Like the vendor's demo: JSON → bytes in the ``encode`` charset → gzip (header ``gzip: on``) → AES/ECB/
PKCS5Padding with the secretKey bytes → POST with the ``appId`` header.  The answer's ``result`` header
says SUCCESS or the error; on SUCCESS the body is decrypted (and gunzipped when the request was).
The simple interface signs md5(appId + secretKey + timestamp).
"""

from __future__ import annotations

import gzip as gzip_lib
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BEIJING = timezone(timedelta(hours=8))
DEMO_APP_ID = "EUCP-EMY-SMS1-DEMO1"
DEMO_SECRET = "0123456789ABCDEF"


def aes_encrypt(data: bytes, secret_key: str) -> bytes:
    p = padding.PKCS7(128).padder()
    data = p.update(data) + p.finalize()
    e = Cipher(algorithms.AES(secret_key.encode()), modes.ECB()).encryptor()
    return e.update(data) + e.finalize()


def aes_decrypt(data: bytes, secret_key: str) -> bytes:
    d = Cipher(algorithms.AES(secret_key.encode()), modes.ECB()).decryptor()
    data = d.update(data) + d.finalize()
    u = padding.PKCS7(128).unpadder()
    return u.update(data) + u.finalize()


def seal(obj: Any, secret_key: str, gzip: bool = True, encode: str = "UTF-8") -> bytes:
    data = json.dumps(obj, ensure_ascii=False).encode(encode)
    if gzip:
        data = gzip_lib.compress(data)
    return aes_encrypt(data, secret_key)


def unseal(body: bytes, secret_key: str, gzip: bool = True, encode: str = "UTF-8") -> Any:
    data = aes_decrypt(body, secret_key)
    if gzip:
        data = gzip_lib.decompress(data)
    return json.loads(data.decode(encode))


_last_ms = 0


def now_ms() -> int:
    """Wall-clock milliseconds, strictly increasing: two requests in the same millisecond would be
    byte-identical, and the platform refuses the second as a replay."""
    global _last_ms
    _last_ms = max(int(time.time() * 1000), _last_ms + 1)
    return _last_ms


def beijing(ts: float, fmt: str = "%Y%m%d%H%M%S") -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime(fmt)


def sign(app_id: str, secret_key: str, timestamp: str) -> str:
    return hashlib.md5((app_id + secret_key + timestamp).encode()).hexdigest()


@dataclass
class Answer:
    status: int
    result: str | None  # the `result` header
    body: bytes
    data: Any = None  # decrypted JSON on SUCCESS


class EmayClient:
    """Drives an aiohttp TestClient (or anything with .post/.get and relative URLs)."""

    def __init__(
        self, http: Any, app_id: str = DEMO_APP_ID, secret_key: str = DEMO_SECRET, gzip: bool = True
    ) -> None:
        self.http = http
        self.app_id = app_id
        self.secret_key = secret_key
        self.gzip = gzip

    def payload(self, fields: dict[str, Any], valid: int = 60, request_time: int | None = None) -> dict:
        return {
            **fields,
            "requestTime": now_ms() if request_time is None else request_time,
            "requestValidPeriod": valid,
        }

    async def post_raw(self, name: str, body: bytes, headers: dict[str, str]) -> Answer:
        resp = await self.http.post(f"/inter/{name}", data=body, headers=headers)
        return Answer(resp.status, resp.headers.get("result"), await resp.read())

    async def secure(
        self,
        name: str,
        fields: dict[str, Any] | None = None,
        *,
        gzip: bool | None = None,
        encode: str | None = "UTF-8",
        valid: int = 60,
        request_time: int | None = None,
        payload: dict[str, Any] | None = None,
        app_id: str | None = None,
        secret_key: str | None = None,
    ) -> Answer:
        gz = self.gzip if gzip is None else gzip
        key = secret_key or self.secret_key
        obj = payload if payload is not None else self.payload(fields or {}, valid, request_time)
        headers = {"appId": app_id or self.app_id}
        if gz:
            headers["gzip"] = "on"
        if encode:
            headers["encode"] = encode
        body = seal(obj, key, gz, encode or "UTF-8")
        ans = await self.post_raw(name, body, headers)
        if ans.result == "SUCCESS":
            ans.data = unseal(ans.body, self.secret_key, gz, encode or "UTF-8")
        return ans

    def signed(self, params: dict[str, Any] | None = None, timestamp: str | None = None) -> dict[str, str]:
        ts = timestamp or beijing(time.time())
        out = {"appId": self.app_id, "timestamp": ts, "sign": sign(self.app_id, self.secret_key, ts)}
        out.update({k: str(v) for k, v in (params or {}).items()})
        return out

    async def simple(self, name: str, params: dict[str, Any] | None = None, post: bool = False, **kw) -> Any:
        q = self.signed(params, **kw)
        if post:
            resp = await self.http.post(f"/simpleinter/{name}", data=q)
        else:
            resp = await self.http.get(f"/simpleinter/{name}", params=q)
        assert resp.status == 200
        return await resp.json(content_type=None)

    async def retrieve(self, params: dict[str, Any], **kw) -> str:
        resp = await self.http.post("/report/retrieveReport", data=self.signed(params, **kw))
        assert resp.status == 200
        return await resp.text()
