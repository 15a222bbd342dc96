"""What a client sends to authenticate to each vendor, and a ready-to-run curl send for an account.

One place for both ``sms-simulator sign`` and the sandbox's Accounts page (``GET
/_sim/accounts/{vendor}/{id}/example``); the signatures themselves come from each vendor's auth module.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
from typing import Any
from urllib.parse import urlencode


def auth(
    vendor: str,
    aid: str,
    secret: str,
    options: dict[str, Any],
    params: dict[str, str] | None = None,
    ts: str | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(signed parameters, signed headers) for ``vendor`` now (or at ``ts``, in the vendor's format).
    ``params``: for smsgw the action and its parameters (signed with the password); for mobset
    ``LoginName``; for huawei ``nonce``."""
    params = dict(params or {})
    now = time.time()
    beijing = time.gmtime(now + 8 * 3600)
    if vendor == "kx":
        from .vendors.kx.auth import make_sign

        ts = ts or str(int(now * 1000))
        return {"userid": aid, "ts": ts, "sign": make_sign(aid, ts, secret)}, {}
    if vendor == "huawei":
        from .vendors.huawei.auth import wsse_headers

        created = ts or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        nonce = params.get("nonce") or secrets.token_hex(16)
        return {}, dict(wsse_headers(aid, secret, nonce, created))
    if vendor == "mobset":
        from .vendors.mobset.auth import make_secret

        ts = ts or time.strftime("%m%d%H%M%S", beijing)
        login = params.get("LoginName") or options.get("login_name", "")
        key = make_secret(aid, secret, ts)
        return {"CorpID": aid, "LoginName": login, "TimeStamp": ts, "SecretKey": key}, {}
    if vendor == "smsgw":
        from .vendors.smsgw.auth import make_password

        action = params.pop("action", "balance")
        password = make_password(action, params, secret)
        return {"action": action, "account": aid, "password": password, **params}, {}
    # emay simple interface and retrieveReport
    from .vendors.emay.auth import make_sign as emay_sign

    ts = ts or time.strftime("%Y%m%d%H%M%S", beijing)
    return {"appId": aid, "timestamp": ts, "sign": emay_sign(aid, secret, ts)}, {}


def example_send(
    vendor: str, aid: str, secret: str, options: dict[str, Any], base: str, mobile: str = "13800000000"
) -> dict[str, Any]:
    """A curl command that sends one valid message from this account now (signed with the current wall
    clock, so run it within the vendor's freshness window: minutes)."""
    base = base.rstrip("/")
    text = "【测试】您的验证码是1234"
    if vendor == "kx":
        query, _ = auth(vendor, aid, secret, options)
        url, form, headers = f"{base}/api/sms/send", {**query, "mobile": mobile, "msgcontent": text}, {}
    elif vendor == "smsgw":
        extno = str(options.get("extno", ""))
        signed = {"mobile": mobile, "content": text, **({"extno": extno} if extno else {})}
        query, _ = auth(vendor, aid, secret, options, {"action": "send", **signed})
        url, form, headers = f"{base}/sms", query, {}
    elif vendor == "mobset":
        query, _ = auth(vendor, aid, secret, options)
        url = f"{base}/SDK3/Sms?{urlencode({'Methods': 'SmsSend', **query})}"
        content = f"这是测试短信【{options.get('signature', '测试')}】"
        form, headers = {"PhoneNumbers": mobile, "Content": content}, {}
    elif vendor == "emay":
        query, _ = auth(vendor, aid, secret, options)
        url, form, headers = f"{base}/simpleinter/sendSMS", {**query, "mobiles": mobile, "content": text}, {}
    elif vendor == "huawei":
        from .traffic.clients import huawei_templates

        templates = huawei_templates(options)
        if not templates:
            return {"curl": None, "note": "this account has no approved template with a channel to send with"}
        t = templates[0]
        _, headers = auth(vendor, aid, secret, options)
        paras = ["123456"[: n or 6] for n in t.max_lengths]
        url = f"{base}/sms/batchSendSms/v1"
        form = {"from": t.channel, "to": f"+86{mobile}", "templateId": t.id}
        form["templateParas"] = json.dumps(paras)
    else:
        return {"curl": None, "note": f"no example for vendor {vendor!r}"}
    parts = ["curl", "-s", "-X", "POST", shlex.quote(url)]
    for k, v in headers.items():
        if v:
            parts += ["-H", shlex.quote(f"{k}: {v}")]
    for k, v in form.items():
        parts += ["--data-urlencode", shlex.quote(f"{k}={v}")]
    return {"curl": " ".join(parts), "note": "signed with the wall clock now: run it within a few minutes"}
