from simulator.core.models import Message
from simulator.core.store import MemoryStore


def msg(store, mobile, vendor="kx", account="1", vid="T1"):
    m = Message(store.new_id("m"), vid, vendor, account, mobile, "hi", 1)
    store.add_message(m)
    return m


def test_indexes_and_filters():
    s = MemoryStore()
    a = msg(s, "13800000000")
    b = msg(s, "13800000001", vendor="emay", account="E", vid="E1")
    s.set_status(b, "delivered", 5.0)
    assert s.query_messages(vendor="kx") == [a]
    assert s.query_messages(mobile="13800000001") == [b]
    assert s.query_messages(status="delivered") == [b]
    assert s.query_messages(vendor="emay", account="E") == [b]
    assert s.messages_by_vendor_id("kx", "T1") == [a]
    assert s.messages_by_vendor_id(None, "E1") == [b]
    assert s.last_sender("kx", "13800000000") == "1"
    assert b.timeline[-1].status == "delivered"


def test_request_log_is_a_bounded_ring():
    from simulator.core.models import RequestLog

    s = MemoryStore(max_requests=3)
    for i in range(5):
        s.add_request(RequestLog(f"rq-{i}", "kx", "GET", "/", 0.0))
    assert [r.id for r in s.requests()] == ["rq-2", "rq-3", "rq-4"]


def test_clear_forgets_everything_and_restarts_ids():
    s = MemoryStore()
    msg(s, "13800000000")
    s.collection("x")["a"] = 1
    s.clear()
    assert s.query_messages() == []
    assert s.collection("x") == {}
    assert s.new_id("m") == "m-000001"
