import pytest

from simulator.core import billing
from simulator.core.accounts import Account
from simulator.core.errors import SimError


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 1), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4), (1000, 15)],
)
def test_segments_70_then_67(length, segments):
    assert billing.count_segments("x" * length) == segments


def test_every_character_counts_one():
    text = "【华为云测试】您的验证码为123456\n"
    assert len(text) == 20
    assert billing.count_segments("中" * 70) == 1
    assert billing.count_segments("中" * 71) == 2


def test_split_matches_count():
    text = "a" * 150
    parts = billing.split_segments(text)
    assert len(parts) == billing.count_segments(text) == 3
    assert "".join(parts) == text


def test_charge_refuses_when_short_and_allows_post_paid():
    a = Account("kx", "1", "s", balance=2)
    with pytest.raises(SimError) as e:
        billing.charge(a, 3)
    assert e.value.reason == "insufficient_balance"
    assert a.balance == 2
    billing.charge(a, 2)
    assert a.balance == 0
    a.allow_negative = True
    billing.charge(a, 5)
    assert a.balance == -5
    billing.refund(a, 5)
    assert a.balance == 0
