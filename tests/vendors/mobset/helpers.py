"""A mobset client as customers write it: SecretKey = MD5(CorpID + Password + TimeStamp), Beijing time."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
CORP_ID = "300003"
LOGIN = "demo"
PASSWORD = "demo123"
PATH = "/SDK3/Sms"


def stamp(at: float | None = None, digits: int = 10) -> str:
    """The TimeStamp of the machine's clock: ``MMddHHmmss`` (real clients) or ``yyyyMMddHHmmss``."""
    dt = datetime.fromtimestamp(time.time() if at is None else at, BEIJING)
    return dt.strftime("%m%d%H%M%S" if digits == 10 else "%Y%m%d%H%M%S")


def auth(
    method: str,
    corp_id: str = CORP_ID,
    password: str = PASSWORD,
    login: str = LOGIN,
    timestamp: str | None = None,
) -> dict[str, str]:
    ts = stamp() if timestamp is None else timestamp
    key = hashlib.md5(f"{corp_id}{password}{ts}".encode()).hexdigest()
    return {"Methods": method, "CorpID": corp_id, "LoginName": login, "TimeStamp": ts, "SecretKey": key}


async def call(client, method: str, http: str = "GET", /, **params: str) -> dict:
    """One request: GET with a query string, or POST with a form body; returns the parsed JSON."""
    params = {**auth(method), **params}
    if http == "GET":
        resp = await client.get(PATH, params=params)
    else:
        resp = await client.post(PATH, data=params)
    assert resp.status == 200
    assert resp.content_type == "application/json"
    return json.loads(await resp.text())
