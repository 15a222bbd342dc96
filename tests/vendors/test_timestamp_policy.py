"""The shared timestamp helpers of simulator/vendors/base.py (the vendors' own tests drive them over HTTP)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from simulator.vendors.base import BEIJING, check_instant, check_wall_clock, fmt_seconds, zone_hint

from ..helpers import pinned_clock
from .emay.client import EmayClient

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=BEIJING).timestamp()
NOON = datetime(2025, 6, 1, 12, 0)  # naive: the wall-clock time a client sends


def test_a_stamp_in_the_home_zone_has_nothing_to_say():
    assert check_wall_clock(NOON, ["beijing", "utc"], 600, NOW) == (True, "beijing", 0.0, "")


def test_home_zone_wins_when_a_wide_window_fits_both():
    ok, zone, skew, _ = check_wall_clock(NOON, ["utc", "beijing"], 30 * 3600, NOW)
    assert (ok, zone, skew) == (True, "beijing", 0.0)


def test_a_zone_list_without_beijing_still_measures_refusals_in_beijing_time():
    ok, zone, skew, text = check_wall_clock(NOON, ["utc"], 600, NOW, shown="x")
    assert (ok, zone, skew) == (False, None, 0.0)
    assert text == (
        "timestamp 'x' refused: skew +0 s read as Beijing time, +28800 s read as UTC; "
        "accepted: UTC within ±600 s"
    )


def test_fractions_of_a_second_are_not_rounded_into_the_window():
    _, _, skew, text = check_wall_clock(NOON, ["beijing"], 600, NOW + 600.3, shown="x")
    assert skew == pytest.approx(-600.3) and "skew -600.3 s read as Beijing time" in text
    assert fmt_seconds(-600.0) == "-600 s" and fmt_seconds(0.25, False) == "0.2 s"


def test_hint_needs_whole_hours_and_a_real_zone():
    assert zone_hint(-8 * 3600 + 60) == "your clock zone looks like UTC; this vendor expects Beijing time"
    assert zone_hint(-8 * 3600 + 61) == ""
    assert zone_hint(30) == ""
    assert zone_hint(-30 * 3600) == ""  # UTC-22 is no zone: a wrong day, not a wrong zone
    assert (
        zone_hint(8 * 3600, "utc")
        == "your clock zone looks like UTC+8 (Beijing time); this vendor expects UTC"
    )


def test_zoned_stamp_accepted_whole_hours_off_gets_a_warning():
    ok, _, _, text = check_instant(NOW + 3600, 7200, NOW, name="Created", shown="c", expects="utc")
    assert ok and text == (
        "Created 'c' accepted with skew +3600 s (window ±7200 s); "
        "your clock zone looks like UTC+1; this vendor expects UTC"
    )
    assert check_instant(NOW + 30, 7200, NOW, name="Created", shown="c", expects="utc").explanation == ""


async def test_warnings_without_a_journal_are_still_logged(make_client, caplog):
    client = await make_client(record_requests=0, clock=pinned_clock("2025-06-01T12:00:00+08:00"))
    caplog.set_level(logging.WARNING, logger="simulator")
    emay = EmayClient(client)
    ans = await emay.simple("getBalance", timestamp="20250601040000")  # UTC wall-clock time
    assert ans["code"] == "SUCCESS"
    assert [r.getMessage() for r in caplog.records] == [
        "emay GET /simpleinter/getBalance: timestamp is UTC; the vendor's servers run on Beijing time"
    ]
    assert (await (await client.get("/_sim/requests")).json())["requests"] == []
