"""A kx client as customers write it: md5(userid + ts + apikey), ts in ms of the machine's clock."""

from __future__ import annotations

import hashlib
import time

USERID = "100001"
APIKEY = "kxdemoapikey0001"


def auth(userid: str = USERID, apikey: str = APIKEY, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time() * 1000) if ts is None else ts
    sign = hashlib.md5(f"{userid}{ts}{apikey}".encode()).hexdigest()
    return {"userid": userid, "ts": str(ts), "sign": sign}
