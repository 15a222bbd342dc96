"""Garbage never gets a 5xx from the management API: always a JSON body, and every error is
``{"error_code", "error_msg", "error_detail"}`` with an MSGSMS (or the gateway's APIGW) code.

A seeded ``random.Random`` drives a few hundred requests, with a valid X-Auth-Token, over every route
of §3.1.3–3.1.5: random bytes, broken JSON, deep nesting, JSON of the right shape with fields of wrong
types / huge strings / lone surrogates, odd paging and time filters, random ids and broken multipart.
After the storm every list must still answer 200 (no record that was accepted breaks a later render).
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

from .manage_helpers import Mgmt, mgmt, new_app, new_signature, new_template, signature_req, template_req

APP_BODY = {
    "app_name": "fuzz",
    "region": "cn",
    "create_sign_and_template": True,
    "up_link_addr": "http://127.0.0.1:9/mo",
    "show_secret": True,
    "enterprise_project_id": "0",
    "enterprise_project_name": "default",
}
QUERY_KEYS = [
    "limit",
    "offset",
    "sort_key",
    "sort_dir",
    "start_time",
    "end_time",
    "app_name",
    "region",
    "status",
    "signature_name",
    "signature_id",
    "signature_type",
    "site",
    "app_key",
    "flow_status",
    "has_variable",
    "sign_name",
    "template_id",
    "template_name",
    "template_type",
    "file_id",
    "file_desc",
]


def junk_str(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return ""
    if kind == 1:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 30)))
    if kind == 2:
        return str(rng.randrange(-(10**25), 10**25))
    if kind == 3:
        return "x" * rng.randrange(200, 20000)
    if kind == 4:
        return rng.choice(
            ["\ud800", "a\udfffb", "\x00", "【签名】", "${1}${3}", "${0}", "${١}", " ", "\u3000"]
        )
    if kind == 5:
        return rng.choice(["cn", "intl", "Pending", "Adopted", "TEXT", "URL", "Yes", "No", "0", "1", "-1"])
    if kind == 6:
        return rng.choice(
            ["2022-08-12 06:51:17", "2022-08-12", "0001-01-01", "9999-12-31 23:59:59", "2022-13-45"]
        )
    if kind == 7:
        return rng.choice(["NOTIFY_TYPE", "VERIFY_CODE_TYPE", "UNIVERSAL_TYPE", "desc", "asc", "create_time"])
    return str(rng.random())


def junk_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, 2**63, -(2**70), 10**40, 1.5, float("1e308")])
    if kind in (3, 4):
        return junk_str(rng)
    if kind == 5:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 6:
        return {junk_str(rng)[:10]: junk_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    return [{"variable_index": junk_value(rng, 3), "variable_type": junk_value(rng, 3)}]


def mutate(rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    body = dict(base)
    for key in rng.sample(sorted(body), k=min(len(body), rng.choice([1, 1, 1, 2, 3]))):
        if rng.random() < 0.2:
            del body[key]
        else:
            body[key] = junk_value(rng)
    if rng.random() < 0.2:
        body[junk_str(rng)[:12]] = junk_value(rng)
    return body


def raw_body(rng: random.Random, base: dict[str, Any] | None) -> bytes:
    kind = rng.randrange(14)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if kind == 1:
        return rng.choice(
            [b"", b"null", b"[]", b"{}", b'"x"', b"1", b"{", b'{"a":', b"NaN", b"\xef\xbb\xbf{}"]
        )
    if kind == 2:
        return b"[" * rng.randrange(1000, 60000)
    if kind == 3:
        return b'{"ids":' + b'{"a":' * rng.randrange(1000, 30000)
    if kind == 4:
        return json.dumps({k: junk_value(rng) for k in rng.sample(QUERY_KEYS, 3)}).encode()
    if kind == 5:  # lone surrogates only JSON escapes can carry
        return json.dumps({k: "\ud800x" for k in (base or {"x": 1})}).encode()
    if kind == 6 and base:
        text = json.dumps(base)
        return text[: rng.randrange(len(text))].encode()
    if base:
        return json.dumps(mutate(rng, base), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    return json.dumps(junk_value(rng)).encode()


def multipart(rng: random.Random) -> tuple[bytes, str]:
    boundary = rng.choice(["BOUND", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "x" * 80, ""])
    name = rng.choice(["file", "file", "file", "File", "", "files", '"'])
    filename = rng.choice(
        [
            b"test.PNG",
            b"test.PNG",
            b"scan.pdf",
            "营业执照.png".encode(),
            b"\xff\xfe.png",
            b"/C:/Users/a/Desktop/test.png",
            b"a%ZZ.png",
            b"%ff%fe.png",
            b"a%00.png",
            b"a" * 300 + b".png",
            b"",
            b"x.exe",
        ]
    )
    cte = rng.choice(
        [b"", b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n"]
    )
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    if cte and rng.random() < 0.5:
        data = rng.choice([b"aGVsbG8=", b"aGVsbG8", b"=ZZ=00", b"@@@", b"=\r\n", b"=C3=A9"])
    part = (
        b"--"
        + boundary.encode()
        + b'\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + b'"; filename="'
        + filename
        + b'"\r\nContent-Type: image/png\r\n'
        + cte
        + b"\r\n"
        + data
        + b"\r\n--"
        + boundary.encode()
        + rng.choice([b"--\r\n", b"", b"\r\n"])
    )
    if rng.random() < 0.2:
        part = part[: rng.randrange(len(part) + 1)]
    ctype = rng.choice(
        [
            f"multipart/form-data; boundary={boundary}",
            f"multipart/form-data; boundary={boundary}",
            f'multipart/form-data; boundary="{boundary}"',
            "multipart/form-data",
            "multipart/form-data; boundary=",
            f"multipart/mixed; boundary={boundary}",
            "application/json",
            "multipart/form-data; boundary=\u00e9",
        ]
    )
    return part, ctype


def junk_query(rng: random.Random) -> str:
    pairs = []
    for key in rng.sample(QUERY_KEYS, rng.randrange(0, 6)):
        value = rng.choice(
            [
                junk_str(rng)[:200],
                str(rng.randrange(-(10**20), 10**20)),
                "%ff%fe",
                "1e9",
                "",
                "\x00",
                "١٢",
            ]
        )
        pairs.append(f"{quote(key)}={quote(value, safe='%', errors='surrogatepass')}")
    return "&".join(pairs)


async def test_management_fuzz_never_5xx(sim_client):
    rng = random.Random(20240611)
    m: Mgmt = await mgmt(sim_client)
    app = await new_app(m, "fuzz-base")
    sig = await new_signature(m, app["id"])
    sim_client.sim.clock.advance(5)
    tpl = await new_template(m, app["id"], sig["id"])
    sim_client.sim.clock.advance(5)
    ids = {
        "app": app["id"],
        "sig": sig["id"],
        "tpl": tpl["id"],
    }

    def an_id(kind: str) -> str:
        return rng.choice(
            [
                ids[kind],
                ids[kind],
                "nope",
                "0",
                "-1",
                "x" * 2000,
                "%ff%fe",
                "%00",
                quote("签名"),
                str(rng.randrange(10**30)),
                "a%2Fb",
            ]
        )

    sig_body = signature_req(app["id"])
    tpl_body = template_req(app["id"], sig["id"])
    routes: list[tuple[str, Any, dict[str, Any] | None]] = [
        ("POST", lambda: "/apps", APP_BODY),
        ("GET", lambda: "/apps", None),
        ("GET", lambda: "/apps-count?region=" + rng.choice(["cn", "intl", "", "x"]), None),
        ("GET", lambda: f"/apps/{an_id('app')}", None),
        ("PUT", lambda: f"/apps/{an_id('app')}", APP_BODY),
        ("POST", lambda: "/signatures", sig_body),
        ("GET", lambda: "/signatures", None),
        ("GET", lambda: f"/signatures/{an_id('sig')}", None),
        ("PUT", lambda: f"/signatures/{an_id('sig')}", sig_body),
        ("DELETE", lambda: f"/signatures/{an_id('sig')}", None),
        ("PUT", lambda: f"/signatures/{an_id('sig')}/active", None),
        ("POST", lambda: "/upload-files", None),
        ("GET", lambda: "/upload-files", None),
        ("POST", lambda: "/templates", tpl_body),
        ("GET", lambda: "/templates", None),
        ("GET", lambda: f"/templates/{an_id('tpl')}", None),
        ("PUT", lambda: f"/templates/{an_id('tpl')}", tpl_body),
        ("DELETE", lambda: f"/templates/{an_id('tpl')}", None),
        ("GET", lambda: f"/templates/{an_id('tpl')}/varilable", None),
        ("GET", lambda: f"/templates/{an_id('tpl')}/variable", None),
        ("POST", lambda: "/templates/batch-delete", {"ids": [tpl["id"], "nope"]}),
        ("PATCH", lambda: "/apps", None),
        ("GET", lambda: "/nothing/here", None),
    ]
    seen: set[int] = set()
    for n in range(500):
        method, path_of, base = rng.choice(routes)
        path = path_of()
        query = junk_query(rng) if rng.random() < 0.6 else ""
        headers = {"X-Auth-Token": m.token}
        if path == "/upload-files" and method == "POST":
            data, headers["Content-Type"] = multipart(rng)
        else:
            data = raw_body(rng, base) if (base is not None or rng.random() < 0.3) else b""
            headers["Content-Type"] = rng.choice(
                ["application/json", "application/json;charset=utf8", "text/plain", "multipart/form-data"]
            )
        url = m.base + path + (("&" if "?" in path else "?") + query if query else "")
        resp = await sim_client.request(method, url, data=data, headers=headers)
        text = await resp.text(errors="replace")
        where = (n, method, url[:200], data[:200], resp.status, text[:300])
        assert resp.status < 500, where
        seen.add(resp.status)
        if resp.status == 204 or (resp.status == 200 and not text):
            continue
        body = json.loads(text)
        assert isinstance(body, dict), where
        if resp.status >= 400:
            assert set(body) == {"error_code", "error_msg", "error_detail"}, where
            assert body["error_code"].startswith(("MSGSMS.", "APIGW.")), where
            assert body["error_msg"] and body["error_detail"], where
        # keep the fixtures alive so later requests still reach deep code paths
        deleted = method == "DELETE" or (method == "POST" and path.startswith("/templates/batch"))
        if deleted and rng.random() < 0.5:
            sim_client.sim.clock.advance(5)
            ids["sig"] = (await new_signature(m, app["id"], signature_name=f"s{n}"))["id"]
            sim_client.sim.clock.advance(5)
            ids["tpl"] = (
                await new_template(m, app["id"], ids["sig"], template_content=f"码${{1}}，${{2}}分钟{n}")
            )["id"]
        if rng.random() < 0.05:
            sim_client.sim.clock.advance(rng.choice([1, 5, 3600]))
    assert {200, 400} <= seen
    # nothing accepted during the storm breaks a later render
    sim_client.sim.clock.advance(3600)
    for path in ("/apps", "/signatures", "/templates"):
        offset = 0
        while True:
            status, body = await m.get(path, limit=100, offset=offset)
            assert status == 200, body
            offset += 100
            if offset >= body["total"]:
                break
    for t in list(body["results"])[:20]:
        assert (await m.get(f"/templates/{t['id']}/varilable"))[0] == 200
