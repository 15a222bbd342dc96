"""kx ``ts`` over HTTP on a pinned clock.  It is epoch milliseconds — no zone, so the zone policy does not
apply — valid 5 minutes either side; a refusal (code 14) says the skew in the request journal, and what
a whole number of hours off most likely means."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ...helpers import journal_warnings, pinned_clock
from .helpers import auth

START = "2025-06-01T12:00:00.250+08:00"
NOW_MS = round(datetime.fromisoformat(START).timestamp() * 1000)


@pytest.fixture
async def client(make_client):
    return await make_client(clock=pinned_clock(START))


async def balance(client, ts: int | str) -> str:
    params = auth(ts=ts) if isinstance(ts, int) else {**auth(), "ts": ts}
    resp = await client.get("/api/sms/balance", params=params)
    assert resp.status == 200
    return json.loads(await resp.text())["code"]


@pytest.mark.parametrize("offset", [0, 300_000, -300_000])
async def test_ts_is_accepted_to_the_window_edge(client, offset):
    assert await balance(client, NOW_MS + offset) == "0"
    assert await journal_warnings(client, "kx") == []


@pytest.mark.parametrize("offset", [300_001, -300_001])
async def test_just_beyond_the_window_is_14_with_the_skew(client, offset):
    assert await balance(client, NOW_MS + offset) == "14"
    assert await journal_warnings(client, "kx") == [
        f"ts '{NOW_MS + offset}' refused: skew {offset / 1000:+.0f} s; accepted: within ±300 s"
    ]


async def test_whole_hours_off_names_the_likely_cause(client):
    # a UTC wall-clock time converted to epoch as if it were Beijing time: 8 hours early
    ts = NOW_MS - 8 * 3600_000
    assert await balance(client, ts) == "14"
    (note,) = await journal_warnings(client, "kx")
    assert note.startswith(f"ts '{ts}' refused: skew -28800 s;")
    assert "the skew is -8 h: epoch time has no zone" in note


async def test_not_a_number_is_explained(client):
    assert await balance(client, "²") == "14"  # str.isdigit() says yes; int() used to crash on it
    assert await journal_warnings(client, "kx") == ["ts '²' refused: not epoch milliseconds"]
