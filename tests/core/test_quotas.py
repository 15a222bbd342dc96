"""core/quotas.py: the counting rules (the HTTP behaviour per vendor is in tests/e2e/test_quotas.py)."""

from datetime import datetime, timedelta, timezone

from simulator.core.quotas import Quotas, check

BEIJING = timezone(timedelta(hours=8))


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp()


def limits(**kw) -> dict:
    return Quotas(**kw).effective({})


def test_the_month_is_the_beijing_calendar_month():
    coll: dict = {}
    q = limits(per_month=2)
    assert check(coll, q, "kx", "1", "139", "a", at("2026-11-30T23:00:00")) is None
    assert check(coll, q, "kx", "1", "139", "b", at("2026-11-30T23:30:00")) is None
    assert check(coll, q, "kx", "1", "139", "c", at("2026-11-30T23:59:00")) == "per_month"
    # 16:00 UTC on the 30th is already December in Beijing
    assert check(coll, q, "kx", "1", "139", "d", at("2026-12-01T00:00:00")) is None


def test_the_short_window_and_the_vendors_defaults():
    coll: dict = {}
    q = Quotas(per_window=1).effective({"window": 60.0})
    t = at("2026-11-30T10:00:00")
    assert check(coll, q, "huawei", "a", "139", "x", t) is None
    assert check(coll, q, "huawei", "a", "139", "y", t + 59) == "per_window"
    assert check(coll, q, "huawei", "a", "139", "z", t + 61) is None
    assert check(coll, q, "huawei", "a", "138", "z", t + 61) is None  # another number
    assert check(coll, q, "huawei", "b", "139", "z", t + 61) is None  # another account


def test_zero_turns_a_documented_default_off_and_records_stay_small():
    coll: dict = {}
    q = Quotas(per_day=0).effective({"per_day": 1, "same_content": 86400.0})
    t = at("2026-11-30T10:00:00")
    assert check(coll, q, "kx", "1", "139", "same", t) is None
    assert check(coll, q, "kx", "1", "139", "other", t) is None  # no daily limit
    assert check(coll, q, "kx", "1", "139", "same", t + 10) == "same_content"
    [rec] = coll.values()
    assert rec["sent"] == [] and len(rec["contents"]) == 2  # no send times kept without a count limit
    assert check(coll, q, "kx", "1", "139", "same", t + 86401) is None
    assert len(coll["kx/1/139"]["contents"]) == 1  # the old digests are dropped
