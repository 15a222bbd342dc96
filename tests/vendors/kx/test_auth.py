import pytest

from simulator.core.accounts import Account
from simulator.vendors.kx.auth import TS_WINDOW_MS, authenticate, check_ts, make_sign
from simulator.vendors.kx.codes import KxError

NOW = 1_476_235_100_217


def acct(**kw):
    return Account("kx", "100001", "key", **kw)


def params(ts=NOW, sign=None, userid="100001"):
    return {"userid": userid, "ts": str(ts), "sign": sign or make_sign(userid, str(ts), "key")}


def code(fn, *a):
    with pytest.raises(KxError) as e:
        fn(*a)
    return e.value.code


def test_sign_is_md5_of_userid_ts_apikey():
    # the document's concatenation: no separators
    import hashlib

    assert make_sign("100001", "1476235100217", "abc") == hashlib.md5(b"1000011476235100217abc").hexdigest()


def test_valid_request_passes():
    a = acct()
    assert authenticate(params(), a, NOW, "127.0.0.1", True) is a


def test_ts_window_is_five_minutes_either_side():
    check_ts(str(NOW - TS_WINDOW_MS), NOW)
    check_ts(str(NOW + TS_WINDOW_MS), NOW)
    assert code(check_ts, str(NOW - TS_WINDOW_MS - 1), NOW) == "14"
    assert code(check_ts, str(NOW + TS_WINDOW_MS + 1), NOW) == "14"
    assert code(check_ts, "abc", NOW) == "14"
    assert code(check_ts, "-5", NOW) == "14"


def test_codes_in_order():
    a = acct()
    assert code(authenticate, {"userid": "100001", "ts": str(NOW)}, a, NOW, None, True) == "2"
    assert code(authenticate, params(), None, NOW, None, True) == "4"
    assert code(authenticate, params(), acct(enabled=False), NOW, None, True) == "5"
    assert code(authenticate, params(), a, NOW, None, False) == "5"
    assert code(authenticate, params(), acct(ip_allowlist=["10.0.0.0/8"]), NOW, "127.0.0.1", True) == "7"
    assert authenticate(params(), acct(ip_allowlist=["10.0.0.0/8"]), NOW, "10.1.2.3", True)
    assert code(authenticate, params(ts=NOW - 10 * 60 * 1000), a, NOW, None, True) == "14"
    assert code(authenticate, params(sign="0" * 32), a, NOW, None, True) == "6"


def test_uppercase_sign_is_a_sign_failure():
    p = params()
    p["sign"] = p["sign"].upper()
    assert code(authenticate, p, acct(), NOW, None, True) == "6"
