"""huawei ``Created`` (X-WSSE) and ``X-Sdk-Date`` (AK/SK) over HTTP on a pinned clock.  Both carry their
zone (``Z``: UTC, as the document asks), so the zone policy does not apply; the windows' edges hold, a
refusal says the skew in the request journal, and a stamp whole hours off gets the likely cause — also
when the lenient Created window accepts it (local Beijing time labelled Z)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from simulator.vendors.huawei import apig
from simulator.vendors.huawei.auth import wsse_headers

from ...helpers import journal_warnings, pinned_clock
from .manage_helpers import BASE, assert_error
from .send_helpers import APP_KEY, BATCH, FORM, SECRET, batch, verify_form

START = "2025-06-01T04:00:00Z"
NOW = datetime.fromisoformat(START).timestamp()
BEIJING_AS_Z = "your clock zone looks like UTC+8 (Beijing time); this vendor expects UTC"
_nonces = itertools.count(1)


def created(offset: float) -> str:
    return datetime.fromtimestamp(NOW + offset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wsse(offset: float) -> dict[str, str]:
    return wsse_headers(APP_KEY, SECRET, f"ts{next(_nonces):030d}", created(offset))


@pytest.fixture
def huawei_at(make_client):
    async def factory(**settings):
        return await make_client(clock=pinned_clock(START), vendors={"huawei": settings})

    return factory


async def code(client, headers) -> str:
    return (await batch(client, verify_form(), headers))[1]["code"]


@pytest.mark.parametrize("offset", [0, 300, -300])
async def test_created_is_accepted_to_the_window_edge(huawei_at, offset):
    client = await huawei_at(wsse_window=300)
    assert await code(client, wsse(offset)) == "000000"
    assert await journal_warnings(client, "huawei") == []


@pytest.mark.parametrize("offset", [301, -301])
async def test_created_just_beyond_the_window_is_e000110_with_the_skew(huawei_at, offset):
    client = await huawei_at(wsse_window=300)
    assert await code(client, wsse(offset)) == "E000110"
    assert await journal_warnings(client, "huawei") == [
        f"Created '{created(offset)}' refused: skew {offset:+d} s; accepted: within ±300 s"
    ]


async def test_beijing_time_labelled_z(huawei_at):
    client = await huawei_at()  # the lenient default window (24 h) accepts it, with a warning
    assert await code(client, wsse(8 * 3600)) == "000000"
    assert await journal_warnings(client, "huawei") == [
        f"Created '{created(8 * 3600)}' accepted with skew +28800 s (window ±86400 s); {BEIJING_AS_Z}"
    ]
    strict = await huawei_at(wsse_window=300)
    assert await code(strict, wsse(8 * 3600)) == "E000110"
    (note,) = await journal_warnings(strict, "huawei")
    assert note.startswith(f"Created '{created(8 * 3600)}' refused: skew +28800 s;") and note.endswith(
        BEIJING_AS_Z
    )


def aksk(client, offset: float) -> tuple[dict[str, str], bytes]:
    body = urlencode(verify_form()).encode()
    url = f"http://{client.server.host}:{client.server.port}{BATCH}"
    return apig.sign_headers(APP_KEY, SECRET, "POST", url, {"Content-Type": FORM}, body, NOW + offset), body


async def aksk_code(client, offset: float) -> str:
    headers, body = aksk(client, offset)
    resp = await client.post(BATCH, data=body, headers=headers)
    return (await resp.json())["code"]


@pytest.mark.parametrize(
    ("offset", "expected"), [(900, "000000"), (-900, "000000"), (901, "E000044"), (-901, "E000044")]
)
async def test_sdk_date_window_edges(huawei_at, offset, expected):
    client = await huawei_at()
    assert await aksk_code(client, offset) == expected
    notes = await journal_warnings(client, "huawei")
    if expected == "000000":
        assert notes == []
    else:
        sdk_date = datetime.fromtimestamp(NOW + offset, UTC).strftime("%Y%m%dT%H%M%SZ")
        assert notes == [f"X-Sdk-Date '{sdk_date}' refused: skew {offset:+d} s; accepted: within ±900 s"]


async def test_sdk_date_in_beijing_time_gets_the_hint(huawei_at):
    client = await huawei_at()
    assert await aksk_code(client, 8 * 3600) == "E000044"
    (note,) = await journal_warnings(client, "huawei")
    assert "skew +28800 s" in note and note.endswith(BEIJING_AS_Z)


async def test_management_aksk_refusal_is_explained_too(huawei_at):
    client = await huawei_at()
    url = f"http://{client.server.host}:{client.server.port}{BASE}/apps"
    headers = apig.sign_headers(
        "HWDEMOAK0001", "HWDEMOSK0001", "GET", url, {"Content-Type": "application/json"}, b"", NOW - 8 * 3600
    )
    resp = await client.get(f"{BASE}/apps", headers=headers)
    assert_error((resp.status, await resp.json()), 401, "MSGSMS.0003")
    (note,) = await journal_warnings(client, "huawei")
    assert "skew -28800 s" in note
    assert note.endswith("your clock zone looks like UTC-8; this vendor expects UTC")
