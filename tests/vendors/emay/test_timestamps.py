"""emay timestamps, over HTTP on a pinned clock: the simple interface's and retrieveReport's zone-less
``timestamp`` (Beijing or UTC by default, ±600 s; ``timestamp_zones: [beijing]`` is strict) and the
secure interface's epoch ``requestTime``; every refusal is explained in the request journal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from simulator.config import config_from_dict
from simulator.core.yamlfile import FileError

from ...helpers import journal_warnings, pinned_clock
from .client import BEIJING, EmayClient

START = "2025-06-01T12:00:00+08:00"
NOW = datetime.fromisoformat(START).timestamp()
ZONES = {"beijing": BEIJING, "utc": UTC}
UTC_NOTE = "timestamp is UTC; the vendor's servers run on Beijing time"
UTC_HINT = "your clock zone looks like UTC; this vendor expects Beijing time"


def stamp(zone: str, offset: float = 0) -> str:
    """The client's clock ``offset`` seconds from the simulator's, written in ``zone``."""
    return datetime.fromtimestamp(NOW + offset, ZONES[zone]).strftime("%Y%m%d%H%M%S")


@pytest.fixture
def emay_at(make_client):
    async def factory(**settings) -> EmayClient:
        return EmayClient(await make_client(clock=pinned_clock(START), vendors={"emay": settings}))

    return factory


async def balance(emay: EmayClient, ts: str) -> str:
    return (await emay.simple("getBalance", timestamp=ts))["code"]


@pytest.mark.parametrize("zone", ["beijing", "utc"])
@pytest.mark.parametrize("offset", [0, 600, -600])
async def test_now_in_either_zone_is_accepted_to_the_window_edge(emay_at, zone, offset):
    emay = await emay_at()
    assert await balance(emay, stamp(zone, offset)) == "SUCCESS"
    assert await journal_warnings(emay.http, "emay") == ([UTC_NOTE] if zone == "utc" else [])


@pytest.mark.parametrize("zone", ["beijing", "utc"])
@pytest.mark.parametrize("offset", [601, -601])
async def test_just_beyond_the_window_is_refused_with_the_skew(emay_at, zone, offset):
    emay = await emay_at()
    ts = stamp(zone, offset)
    assert await balance(emay, ts) == "ERROR_TIMESTAMP"
    (note,) = await journal_warnings(emay.http, "emay")
    in_zone = f"{offset:+d} s read as {'UTC' if zone == 'utc' else 'Beijing time'}"
    assert note.startswith(f"timestamp '{ts}' refused: skew ") and in_zone in note
    assert "accepted: Beijing time or UTC within ±600 s" in note
    assert "looks like" not in note  # ten minutes off is no zone mistake


async def test_strict_setting_refuses_utc_and_says_why(emay_at):
    emay = await emay_at(timestamp_zones=["beijing"])
    assert await balance(emay, stamp("beijing")) == "SUCCESS"
    assert await balance(emay, stamp("utc")) == "ERROR_TIMESTAMP"
    (note,) = await journal_warnings(emay.http, "emay")
    assert "skew -28800 s read as Beijing time" in note
    assert "accepted: Beijing time within ±600 s" in note
    assert note.endswith(UTC_HINT)


async def test_strict_setting_edges(emay_at):
    emay = await emay_at(timestamp_zones=["beijing"])
    assert [await balance(emay, stamp("beijing", d)) for d in (600, -600, 601, -601)] == [
        "SUCCESS",
        "SUCCESS",
        "ERROR_TIMESTAMP",
        "ERROR_TIMESTAMP",
    ]
    assert await balance(emay, stamp("utc", 0)) == "ERROR_TIMESTAMP"


async def test_the_window_setting_moves_both_edges(emay_at):
    emay = await emay_at(timestamp_window=60)
    assert [await balance(emay, stamp(z, d)) for z in ("beijing", "utc") for d in (60, -60, 61, -61)] == [
        "SUCCESS",
        "SUCCESS",
        "ERROR_TIMESTAMP",
        "ERROR_TIMESTAMP",
    ] * 2


async def test_another_zone_gets_its_hint(emay_at):
    emay = await emay_at()
    new_york = datetime.fromtimestamp(NOW - 13 * 3600, BEIJING).strftime("%Y%m%d%H%M%S")  # UTC-5 wall time
    assert await balance(emay, new_york) == "ERROR_TIMESTAMP"
    (note,) = await journal_warnings(emay.http, "emay")
    assert "skew -46800 s read as Beijing time, -18000 s read as UTC" in note
    assert note.endswith("your clock zone looks like UTC-5; this vendor expects Beijing time")


async def test_malformed_timestamp_is_explained(emay_at):
    emay = await emay_at()
    assert await balance(emay, "20250601") == "ERROR_TIMESTAMP"
    assert await journal_warnings(emay.http, "emay") == [
        "timestamp '20250601' refused: not a date as yyyyMMddHHmmss"
    ]


async def test_utc_sends_and_the_warning_is_logged(emay_at, caplog):
    emay = await emay_at()
    caplog.set_level(logging.WARNING, logger="simulator")
    ans = await emay.simple("sendSMS", {"mobiles": "18001098901", "content": "hi"}, timestamp=stamp("utc"))
    assert ans["code"] == "SUCCESS"
    assert await journal_warnings(emay.http, "emay") == [UTC_NOTE]
    assert [(r.levelname, r.name) for r in caplog.records] == [("WARNING", "simulator")]
    assert "/simpleinter/sendSMS" in caplog.records[0].getMessage()
    assert UTC_NOTE in caplog.records[0].getMessage()


async def test_retrieve_report_takes_the_same_policy(emay_at):
    emay = await emay_at()
    window = {"startTime": stamp("beijing", -300), "endTime": stamp("beijing")}
    assert await emay.retrieve(window, timestamp=stamp("utc", -600)) == "SUCCESS"
    assert await journal_warnings(emay.http, "emay") == [UTC_NOTE]
    assert await emay.retrieve(window, timestamp=stamp("utc", -601)) == "ERROR_TIMESTAMP"
    strict = await emay_at(timestamp_zones=["beijing"])
    assert await strict.retrieve(window, timestamp=stamp("utc")) == "ERROR_TIMESTAMP"
    assert (await journal_warnings(strict.http, "emay"))[0].endswith(UTC_HINT)


async def test_expired_request_time_is_explained(emay_at):
    emay = await emay_at()
    now_ms = int(NOW * 1000)
    ans = await emay.secure("getBalance", request_time=now_ms - 60_000, valid=60)  # expires exactly now
    assert ans.result == "ERROR_REQUEST_NO_VALID"
    (note,) = await journal_warnings(emay.http, "emay")
    assert note == (
        f"requestTime {now_ms - 60_000} refused: skew -60 s and requestValidPeriod 60 s "
        "(accepted: requestTime + requestValidPeriod after now)"
    )
    assert (await emay.secure("getBalance", request_time=now_ms - 8 * 3600_000, valid=60)).result == (
        "ERROR_REQUEST_NO_VALID"
    )
    (note,) = await journal_warnings(emay.http, "emay")
    assert "skew -28800 s" in note and "the skew is -8 h" in note
    assert (await emay.secure("getBalance", request_time=now_ms - 59_999, valid=60)).result == "SUCCESS"
    assert await journal_warnings(emay.http, "emay") == []


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"timestamp_zones": []}, "emay.timestamp_zones: Value error, name at least one zone: beijing, utc"),
        ({"timestamp_zones": ["cst"]}, "emay.timestamp_zones.0: Input should be 'beijing' or 'utc'"),
        ({"timestamp_zones": ["utc", "utc"]}, "a zone is listed twice"),
        ({"timestamp_window": 0}, "emay.timestamp_window: Input should be greater than 0"),
    ],
)
def test_settings_are_validated(settings, problem):
    with pytest.raises(FileError) as err:
        config_from_dict({"vendors": {"emay": settings}})
    assert problem in str(err.value)
