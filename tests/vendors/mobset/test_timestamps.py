"""mobset TimeStamp over HTTP on a pinned clock: Beijing time ±20 minutes (§3.2), 14 or 10 digits; a
UTC stamp is refused (-109) with the skew and the zone hint in the request journal, unless the setting
``timestamp_zones`` lists utc."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ...helpers import journal_warnings, pinned_clock
from .helpers import BEIJING, PATH, auth

START = "2025-06-01T12:00:00+08:00"
NOW = datetime.fromisoformat(START).timestamp()
ZONES = {"beijing": BEIJING, "utc": UTC}
UTC_HINT = "your clock zone looks like UTC; this vendor expects Beijing time"


def stamp(zone: str, offset: float = 0, digits: int = 14) -> str:
    dt = datetime.fromtimestamp(NOW + offset, ZONES[zone])
    return dt.strftime("%Y%m%d%H%M%S" if digits == 14 else "%m%d%H%M%S")


async def balance(client, ts: str) -> int:
    resp = await client.get(PATH, params=auth("SmsGetBalance", timestamp=ts))
    assert resp.status == 200
    return json.loads(await resp.text())["Code"]


@pytest.fixture
async def mobset_at(make_client):
    async def factory(**settings):
        return await make_client(clock=pinned_clock(START), vendors={"mobset": settings})

    return factory


@pytest.mark.parametrize("digits", [14, 10])
@pytest.mark.parametrize("offset", [0, 1200, -1200])
async def test_beijing_time_is_accepted_to_the_window_edge(mobset_at, digits, offset):
    client = await mobset_at()
    assert await balance(client, stamp("beijing", offset, digits)) > 0
    assert await journal_warnings(client, "mobset") == []


@pytest.mark.parametrize("digits", [14, 10])
@pytest.mark.parametrize("offset", [1201, -1201])
async def test_just_beyond_the_window_is_109_with_the_skew(mobset_at, digits, offset):
    client = await mobset_at()
    ts = stamp("beijing", offset, digits)
    assert await balance(client, ts) == -109
    assert await journal_warnings(client, "mobset") == [
        f"TimeStamp '{ts}' refused: skew {offset:+d} s read as Beijing time; "
        "accepted: Beijing time within ±1200 s"
    ]


@pytest.mark.parametrize("digits", [14, 10])
async def test_utc_is_refused_with_the_hint(mobset_at, digits):
    client = await mobset_at()
    ts = stamp("utc", 0, digits)
    assert await balance(client, ts) == -109
    assert await journal_warnings(client, "mobset") == [
        f"TimeStamp '{ts}' refused: skew -28800 s read as Beijing time; "
        f"accepted: Beijing time within ±1200 s; {UTC_HINT}"
    ]


async def test_hint_within_a_minute_of_whole_hours_only(mobset_at):
    client = await mobset_at()
    assert await balance(client, stamp("utc", -60)) == -109
    assert (await journal_warnings(client, "mobset"))[0].endswith(UTC_HINT)
    assert await balance(client, stamp("utc", -61)) == -109
    assert "looks like" not in (await journal_warnings(client, "mobset"))[0]


async def test_utc_can_be_allowed(mobset_at):
    client = await mobset_at(timestamp_zones=["beijing", "utc"])
    for offset in (0, 1200, -1200):
        assert await balance(client, stamp("utc", offset, 10)) > 0
        assert await journal_warnings(client, "mobset") == [
            "TimeStamp is UTC; the vendor's servers run on Beijing time"
        ]
    assert await balance(client, stamp("utc", 1201)) == -109


async def test_window_setting_and_its_earlier_name(mobset_at):
    for settings in ({"timestamp_window": 60}, {"time_window": 60}):
        client = await mobset_at(**settings)
        codes = [await balance(client, stamp("beijing", d)) for d in (60, -60, 61, -61)]
        assert codes[0] > 0 and codes[1] > 0 and codes[2:] == [-109, -109], settings


async def test_malformed_stamp_is_explained(mobset_at):
    client = await mobset_at()
    resp = await client.get(PATH, params=auth("SmsGetBalance", timestamp="13320000"))
    assert json.loads(await resp.text())["Code"] == -102
    assert await journal_warnings(client, "mobset") == [
        "TimeStamp '13320000' refused: not a date as yyyyMMddHHmmss or MMddHHmmss"
    ]
