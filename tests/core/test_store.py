from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_a_commit_writes_only_the_collection_records_changed_since_the_last_one(tmp_path):
    """Each commit wrote every collection key ever changed again (the set of changed keys outlived its
    commit): a huawei or emay send under --db or --redis cost ~1.6 ms, growing with the nonce cache."""
    from simulator.core.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "s.db")
    coll = store.collection("x")
    coll["a"] = 1
    store.flush()
    # change the file behind the store's back: a commit that wrote "a" again would undo this
    store._db.execute("UPDATE collections SET value='99' WHERE name='x' AND key='\"a\"'")
    coll["b"] = 2
    store.flush()
    rows = dict(store._db.execute("SELECT key, value FROM collections WHERE name='x'").fetchall())
    assert rows == {'"a"': "99", '"b"': "2"}
    store._db.close()


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=()), max_size=12),  # lone surrogates too
    number=st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=False)),
    headers=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
def test_records_are_written_as_their_fields_were_whatever_they_hold(text, number, headers):
    """A callback attempt or a reply is written by orjson straight from the dataclass: the same bytes
    as from ``dataclasses.asdict`` (which deep-copied every field first), the ASCII fallback included."""
    import dataclasses

    from simulator.core.durable import _fast_json, _record_json
    from simulator.core.models import CallbackAttempt, MoRecord

    attempt = CallbackAttempt(
        id=text, vendor="kx", account=text, stream="report", url=text, attempt=1, at=1.5,
        request_headers=headers, status=None, latency_ms=number if isinstance(number, float) else None,
        message_ids=[text, text], held_back=0.0, seq=number if isinstance(number, int) else 0,
    )  # fmt: skip
    mo = MoRecord(id=text, sim_id=text, vendor="kx", account="A", mobile=text, content=text, at=2.0)
    for record in (attempt, mo):
        assert _record_json(record) == _fast_json(dataclasses.asdict(record))
