"""One suite for every store: what the core and the vendors rely on, run against memory, SQLite and a
real Redis.

``reopen(store)`` gives the store a restarted process would see: the same object for memory, a new
SqliteStore loaded from the same file for SQLite, a new RedisStore on the same Redis and key prefix
(another process, as far as Redis can tell), so each test also proves what survives a restart.
"""

from __future__ import annotations

import asyncio

import pytest

from simulator.core.accounts import Account
from simulator.core.models import CallbackAttempt, Message, MoRecord, Report, RequestLog
from simulator.core.redis_store import RedisStore
from simulator.core.sqlite import SqliteStore
from simulator.core.store import MemoryStore
from simulator.vendors.huawei.registry import File, Template, Variable

from ..redisserver import new_prefix, session_redis


@pytest.fixture(params=["memory", "sqlite", "redis"])
def kind(request):
    return request.param


@pytest.fixture
def prefix():
    return new_prefix()


def _open(kind, tmp_path, prefix, **kw):
    if kind == "sqlite":
        return SqliteStore(tmp_path / "s.db", **kw)
    if kind == "redis":
        return RedisStore(session_redis(), prefix=prefix, **kw)
    return MemoryStore(**kw)


@pytest.fixture
def make(kind, tmp_path, prefix):
    opened: list = []

    def factory(**kw):
        s = _open(kind, tmp_path, prefix, **kw)
        opened.append(s)
        return s

    yield factory
    for s in opened:
        if isinstance(s, SqliteStore):
            s._db.close()
        elif isinstance(s, RedisStore):
            s._r.close()


@pytest.fixture
def reopen(kind, tmp_path, prefix):
    def again(store, **kw):
        if kind == "memory":
            return store
        store.flush()
        fresh = _open(kind, tmp_path, prefix, **kw)
        fresh.load(lambda d: Account(d["vendor"], d["id"], d["secret"], balance=d["balance"]), dict)
        return fresh

    return again


def take(store, *args, **kwargs):
    """Hand out pull-queue items as the vendors do (a shared store needs its round trip)."""
    return asyncio.run(store.take(*args, **kwargs))


def msg(store, n: int, vendor="kx", account="A", mobile=None, status="sent", at=0.0) -> Message:
    m = Message(
        sim_id=store.new_id("m"),
        id=f"v{n}",
        vendor=vendor,
        account=account,
        mobile=mobile or f"139{n:08d}",
        content=f"text {n}",
        segments=1,
        created_at=at or float(n),
    )
    store.add_message(m)
    store.set_status(m, status, m.created_at)
    return m


def finish(store, m: Message) -> Report:
    m.outcome, m.code, m.done_at = "delivered", "DELIVRD", m.created_at + 1
    store.set_status(m, "delivered", m.done_at, "delivered (DELIVRD)")
    r = Report(m, "delivered", "DELIVRD", m.done_at)
    store.add_report(r)
    return r


def test_messages_are_indexed_and_survive(make, reopen):
    s = make()
    a = msg(s, 1, mobile="13900000001")
    msg(s, 2, account="B")
    finish(s, a)
    s = reopen(s)
    got = s.get_message(a.sim_id)
    assert got.status == "delivered" and [t.status for t in got.timeline] == ["sent", "delivered"]
    assert [r.code for r in got.reports] == ["DELIVRD"] and got.reports[0].message is got
    assert s.messages_by_vendor_id("kx", "v1") == [got]
    assert [m.id for m in s.query_messages(vendor="kx", account="B")] == ["v2"]
    assert [m.id for m in s.query_messages(mobile="13900000001")] == ["v1"]
    assert s.last_sender("kx", "13900000001") == "A"
    assert [r.message.id for r in s.reports("kx", "A")] == ["v1"]
    assert s.get_report(f"{a.sim_id}/1").code == "DELIVRD"


def test_pages_walk_every_message_once_newest_first(make, reopen):
    s = make()
    for n in range(1, 251):
        msg(s, n, vendor="kx" if n % 2 else "emay", status="delivered" if n % 5 == 0 else "sent")
    s = reopen(s)
    seen, cursor = [], None
    while True:
        items, cursor, total = s.page_messages(limit=100, cursor=cursor)
        assert total == 250
        seen += [m.id for m in items]
        if cursor is None:
            break
    assert seen == [f"v{n}" for n in range(250, 0, -1)]
    items, nxt, total = s.page_messages(limit=10, vendor="emay", status="delivered", newest_first=False)
    assert total == 25 and nxt is not None and [m.id for m in items][:2] == ["v10", "v20"]
    items, nxt, total = s.page_messages(
        limit=10, cursor=nxt, vendor="emay", status="delivered", newest_first=False
    )
    assert items[0].id == "v110" and total == 25
    assert s.page_messages(limit=5, since=248.0)[2] == 3
    assert s.page_messages(limit=5, text="text 25")[2] == 2  # "text 25" and "text 250"


def test_new_messages_do_not_shift_a_page_being_read(make):
    s = make()
    for n in range(1, 11):
        msg(s, n)
    first, cursor, _ = s.page_messages(limit=4)
    msg(s, 11)
    second, _, _ = s.page_messages(limit=4, cursor=cursor)
    assert [m.id for m in first + second] == [f"v{n}" for n in range(10, 2, -1)]


def test_eviction_keeps_unfinished_messages_and_drops_what_hangs_on_the_finished(make, reopen):
    s = make(max_messages=10)
    keep = msg(s, 0, status="scheduled")  # oldest, but not finished: never evicted
    olds = []
    for n in range(1, 6):
        m = msg(s, n)
        r = finish(s, m)
        s.pull_put("kx", "A", "report", r, None)
        m.request_id = f"rq-{n}"
        s.add_request(RequestLog(id=f"rq-{n}", vendor="kx", method="POST", path="/", at=0))
        a = CallbackAttempt(id=f"cb-{n}", vendor="kx", account="A", stream="report", url="u", attempt=1, at=0)
        s.add_attempt(a)
        m.callbacks = [a.id]
        olds.append(m)
    for n in range(6, 20):
        finish(s, msg(s, n))
    s = reopen(s, max_messages=10)
    assert s.count_messages() <= 10
    assert s.get_message(keep.sim_id) is not None
    gone = [m for m in olds if s.get_message(m.sim_id) is None]
    assert gone, "finished messages past the bound are evicted"
    for m in gone:
        assert s.get_attempt(m.callbacks[0]) is None and s.get_request(m.request_id) is None
        assert s.messages_by_vendor_id("kx", m.id) == []
    assert s.pull_size("kx", "A", "report", 0) == len(olds) - len(gone)
    assert s.page_messages(limit=1000)[2] == s.count_messages()


def test_eviction_of_messages_finished_out_of_order_keeps_every_index_whole(make, reopen):
    """Messages finish out of creation order, over two vendors and three accounts: after many small
    evictions every index (all, per vendor, per account, per mobile, per vendor id) holds exactly the
    stored messages, in order."""
    s = make(max_messages=100)
    made = []
    for n in range(1, 401):
        made.append(
            msg(s, n, vendor=("kx", "emay")[n % 2], account="ABC"[n % 3], mobile=f"1390000{n % 7:04d}")
        )
        if n % 5 == 0:  # finish the batch of five out of order, one of them only much later
            batch = made[-5:]
            for m in (batch[3], batch[0], batch[4], batch[2]):
                finish(s, m)
            if n % 25 == 0:
                for m in made[:-5]:
                    if m.status != "delivered":
                        finish(s, m)
    s = reopen(s, max_messages=100)
    stored = [m for m in made if s.get_message(m.sim_id) is not None]
    assert 99 <= s.count_messages() == len(stored) <= 100 + 4  # unfinished ones are never evicted
    want = [m.sim_id for m in stored]
    assert [m.sim_id for m in s.page_messages(limit=1000, newest_first=False)[0]] == want
    for vendor in ("kx", "emay"):
        got = s.page_messages(limit=1000, newest_first=False, vendor=vendor)[0]
        assert [m.sim_id for m in got] == [m.sim_id for m in stored if m.vendor == vendor]
        for account in "ABC":
            got = s.page_messages(limit=1000, newest_first=False, vendor=vendor, account=account)[0]
            assert [m.sim_id for m in got] == [
                m.sim_id for m in stored if (m.vendor, m.account) == (vendor, account)
            ]
    for mobile in {m.mobile for m in made}:
        got = s.page_messages(limit=1000, newest_first=False, mobile=mobile)[0]
        assert [m.sim_id for m in got] == [m.sim_id for m in stored if m.mobile == mobile]
    for m in made:
        assert [x.sim_id for x in s.messages_by_vendor_id(m.vendor, m.id)] == (
            [m.sim_id] if s.get_message(m.sim_id) is not None else []
        )


def test_eviction_behind_a_backlog_under_way_keeps_every_index_whole(make, reopen):
    """A backlog of messages under way holds the front of the ordered indexes (a frozen clock's, a slow
    scenario's) while newer ones finish and are evicted: every index, page and count stays exact, the
    reports stay pullable, and the evicted are left out of every read."""
    s = make(max_messages=100)
    backlog = [
        msg(s, n, vendor=("kx", "emay")[n % 2], account="AB"[n % 2], mobile=f"1391{n % 5:07d}")
        for n in range(80)
    ]
    made = []
    for n in range(80, 600):
        m = msg(s, n, vendor=("kx", "emay")[n % 2], account="AB"[n % 2], mobile=f"1391{n % 5:07d}")
        made.append(m)
        s.pull_put(m.vendor, m.account, "report", finish(s, m), None)
        if n % 100 == 0:  # reads in between: the indexes are consistent whenever they are read
            stored = [x for x in backlog + made if s.get_message(x.sim_id) is not None]
            assert [x.sim_id for x in s.page_messages(limit=1000, newest_first=False)[0]] == [
                x.sim_id for x in stored
            ]
    for m in backlog[::3]:
        finish(s, m)
    s = reopen(s, max_messages=100)
    stored = [m for m in backlog + made if s.get_message(m.sim_id) is not None]
    assert all(s.get_message(m.sim_id) is not None for m in backlog)  # under way: never evicted
    assert s.count_messages() == len(stored) <= 100 + 1
    assert s.page_messages(limit=1000)[2] == len(stored)
    for vendor, account in (("kx", "A"), ("emay", "B")):
        want = [m.sim_id for m in stored if m.vendor == vendor]
        assert [m.sim_id for m in s.page_messages(limit=1000, newest_first=False, vendor=vendor)[0]] == want
        got = s.query_messages(vendor=vendor, account=account)
        assert [m.sim_id for m in got] == want
        assert len(s.reports(vendor, account)) == sum(len(m.reports) for m in stored if m.vendor == vendor)
        pulled = take(s, vendor, account, "report", 1000, now=0)
        assert sorted(r.message.sim_id for r in pulled) == sorted(  # the backlog's were not queued
            m.sim_id for m in stored if m.vendor == vendor and m in made
        )
    for mobile in {m.mobile for m in made}:
        got = s.page_messages(limit=1000, newest_first=False, mobile=mobile)[0]
        assert [m.sim_id for m in got] == [m.sim_id for m in stored if m.mobile == mobile]
    for m in backlog + made:
        assert [x.sim_id for x in s.messages_by_vendor_id(m.vendor, m.id)] == (
            [m.sim_id] if s.get_message(m.sim_id) is not None else []
        )


def test_eviction_behind_a_backlog_costs_the_same_per_message_however_many_are_kept():
    """The newest evicted, behind a backlog under way: the ordered indexes are rebuilt once an eighth
    of them is evicted, not up to the evicted at every eviction (which copied the whole backlog each
    time: 200,000 messages under way held the loop 90% of the time)."""
    copied = 0

    class Counting(list):
        def __setitem__(self, key, value):
            nonlocal copied
            if isinstance(key, slice):
                copied += len(self[key])
            super().__setitem__(key, value)

    s = MemoryStore(max_messages=2000)
    s._order = Counting()
    for n in range(2000):  # the backlog
        msg(s, n)
    for n in range(2000, 12000):
        finish(s, msg(s, n))
    assert s.count_messages() <= 2000 + 2
    assert copied < 20 * 10_000  # every eviction rebuilding the list up to the evicted: ~2,000 each


def test_pull_queue_hands_each_item_out_once_across_a_restart(make, reopen):
    s = make()
    reports = [finish(s, msg(s, n)) for n in range(1, 4)]
    s.pull_put("kx", "A", "report", reports[0], expires_at=10)
    s.pull_put("kx", "A", "report", reports[1], expires_at=None)
    s.pull_put("kx", "A", "report", reports[2], expires_at=None)
    mo = MoRecord(id="MO1", sim_id=s.new_id("mo"), vendor="kx", account="A", mobile="1", content="TD", at=1)
    s.add_mo(mo)
    s.pull_put("kx", "A", "mo", mo, None)
    assert [r.message.id for r in take(s, "kx", "A", "report", 1, now=0)] == ["v1"]
    s = reopen(s)
    assert s.pull_size("kx", "A", "report", now=0) == 2
    assert [r.message.id for r in take(s, "kx", "A", "report", 10, now=0)] == ["v2", "v3"]
    assert [m.content for m in take(s, "kx", "A", "mo", 10, now=0)] == ["TD"]
    s.pull_put("emay", "A", "clicks", {"mobile": "1", "browser": "WeChat"}, None)  # plain data items
    s = reopen(s)
    assert take(s, "emay", "A", "clicks", 10, now=0) == [{"mobile": "1", "browser": "WeChat"}]
    assert take(s, "kx", "A", "report", 10, now=0) == [] and take(s, "kx", "A", "mo", 9, 0) == []
    assert [m.id for m in s.query_mo(vendor="kx")] == ["MO1"] and s.get_mo(mo.sim_id).content == "TD"


def test_expired_pull_items_are_not_handed_out(make):
    s = make()
    first, second = finish(s, msg(s, 1)), finish(s, msg(s, 2))
    s.pull_put("kx", "A", "report", first, expires_at=10)
    s.pull_put("kx", "A", "report", second, expires_at=None)
    assert s.pull_size("kx", "A", "report", now=5) == 2
    assert s.pull_size("kx", "A", "report", now=11) == 1
    assert take(s, "kx", "A", "report", 10, now=11) == [second]
    assert take(s, "kx", "A", "report", 10, now=11) == []


def test_request_log_is_bounded_in_entries_and_bytes_and_bodies_are_truncated(make, reopen):
    s = make(max_requests=100, max_request_bytes=20_000, body_limit=1000)
    big = RequestLog(id="rq-big", vendor="kx", method="POST", path="/", at=0, request_body=b"x" * 5000)
    s.add_request(big)
    assert len(big.request_body) == 1000 and big.request_size == 5000
    for n in range(200):
        s.add_request(
            RequestLog(id=f"rq-{n}", vendor="kx", method="POST", path="/", at=0, request_body=b"y" * 900)
        )
    s = reopen(s, max_requests=100, max_request_bytes=20_000, body_limit=1000)
    kept = s.requests()
    assert len(kept) <= 100 and sum(r.size() for r in kept) <= 20_000
    assert kept[-1].id == "rq-199" and s.get_request("rq-big") is None


def test_callback_attempts_are_bounded_and_pageable(make, reopen):
    s = make(max_attempts=50)
    for n in range(80):
        a = CallbackAttempt(id=f"cb-{n}", vendor="kx", account="A", stream="report", url="u", attempt=1, at=n)
        a.ok = n % 4 != 0
        s.add_attempt(a)
    s = reopen(s, max_attempts=50)
    items, nxt, total = s.page_attempts(limit=10)
    assert total == 50 and items[0].id == "cb-79" and nxt is not None
    failed, _, total = s.page_attempts(limit=100, failed=True)
    assert total == 12 and all(not a.ok for a in failed)  # 32, 36, … 76


def test_collections_keep_records_changed_in_place(make, reopen):
    s = make()
    things = s.collection("test.things")
    tpl = Template("t1", "n", "NOTIFY_TYPE", "hi ${1}", None, variables=[Variable(1, "TEXT", 5)])
    things["a"] = tpl
    things[("acct", "2026-11")] = 3  # tuple keys, as huawei's per-period counters use
    things["b"] = File("f", "x.bin", b"\x00\xff", "application/octet-stream", "p")
    s = reopen(s)
    things = s.collection("test.things")
    assert things["b"].data == b"\x00\xff"
    things["a"].status = "approved"  # in place, as vendors do after a lookup
    del things["b"]
    s = reopen(s)
    things = s.collection("test.things")
    assert things["a"] == Template(
        "t1", "n", "NOTIFY_TYPE", "hi ${1}", None, status="approved", variables=[Variable(1, "TEXT", 5)]
    )
    assert things[("acct", "2026-11")] == 3 and "b" not in things


def test_sequences_repeat_only_when_seeded(make):
    seeded = make()
    assert seeded.new_id("m") == "m-000001" and seeded.next_number("x", spread=10**9) == 1
    seeded.clear()
    assert seeded.next_number("x", spread=10**9) == 1


def test_unseeded_sequences_start_anywhere_and_go_on_across_resets(kind, tmp_path):
    a = MemoryStore(seeded=False)
    b = MemoryStore(seeded=False)
    first = a.next_number("kx.task", spread=10**11)
    assert first != b.next_number("kx.task", spread=10**11)  # two runs: 1 in 10^11 to collide
    a.clear()
    assert a.next_number("kx.task", spread=10**11) == first + 1  # a reset does not rewind


def test_sqlite_counters_go_on_after_a_restart(make, reopen, kind):
    s = make()
    ids = [s.new_id("m") for _ in range(3)]
    s.next_number("kx.task")
    s = reopen(s)
    if kind == "redis":  # each process takes its own block of numbers: later, never the same
        new = s.new_id("m")
        assert new not in ids and new > ids[-1] and s.next_number("kx.task") > 1
        return
    assert s.new_id("m") == "m-000004" and "m-000004" not in ids
    assert s.next_number("kx.task") == 2


def test_a_pull_queue_depth_is_read_without_visiting_every_entry(make, monkeypatch):
    """A metrics scrape reads every queue's depth: the waiting entries are counted from the queue's
    length, not one by one (100,000 queued held the loop for 23-27 ms at each scrape).  Dead entries at
    the front (evicted records, expired ones) are left out."""
    s = make(max_messages=3000)
    for n in range(2000):
        s.pull_put("kx", "A", "report", finish(s, msg(s, n)), expires_at=10 if n < 5 else None)
    visited = []
    live = s._live
    monkeypatch.setattr(s, "_live", lambda item: visited.append(item) or live(item))
    assert s.pull_depths(now=5) == {("kx", "A", "report"): 2000}
    assert s.pull_size("kx", "A", "report", now=11) == 1995  # the 5 expired lead the queue
    assert len(visited) < 10
