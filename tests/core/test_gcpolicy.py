"""serve's collector policy: survivors of a young collection are frozen out of later scans, and a sweep at
an idle moment still frees a cycle that got frozen."""

from __future__ import annotations

import gc
import weakref

import pytest

from simulator.gcpolicy import GcPolicy


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def policy():
    thresholds = gc.get_threshold()
    p = GcPolicy()
    p.install()
    yield p
    p.uninstall()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def cycle() -> tuple[list, weakref.ref]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return [a], weakref.ref(a)


def test_survivors_of_a_young_collection_are_frozen_and_a_sweep_frees_a_frozen_cycle(policy):
    holder, ref = cycle()
    gc.collect(0)  # the cycle is alive: it survives, and the policy freezes it
    assert gc.get_freeze_count() > 0
    holder.clear()  # now it is garbage, but frozen: an ordinary full collection does not see it
    gc.collect()
    assert ref() is not None
    assert policy.sweep() >= 2
    assert ref() is None


def test_an_idle_look_sweeps_only_when_nothing_was_collected_since_and_enough_was_frozen(policy):
    policy.sweep()
    assert not policy.idle_tick(looks_needed=1)  # nothing new frozen since the sweep
    grow = policy.swept_at_frozen // 4 + 2_000  # a quarter more tracked objects than the sweep left
    keep = [[Node() for _ in range(100)] for _ in range(grow // 100)]
    gc.collect(0)  # frozen
    assert not policy.idle_tick(looks_needed=1)  # a young collection ran since the last look: not idle
    holder, ref = cycle()
    gc.collect(0)
    holder.clear()
    policy.idle_tick(looks_needed=1)  # busy again (one more collection)
    assert ref() is not None
    assert policy.idle_tick(looks_needed=1)  # idle now, and a quarter more frozen than after the sweep
    assert ref() is None and policy.sweeps == 2
    del keep


def test_a_sweep_waits_for_several_idle_looks_in_a_row(policy):
    policy.sweep()
    keep = [[Node() for _ in range(100)] for _ in range((policy.swept_at_frozen // 4 + 2_000) // 100)]
    gc.collect(0)
    policy.idle_tick(looks_needed=3)  # saw the collection: not idle
    assert not policy.idle_tick(looks_needed=3)  # idle once
    assert not policy.idle_tick(looks_needed=3)  # twice
    gc.collect(0)
    assert not policy.idle_tick(looks_needed=3)  # busy again: counting starts over
    assert not policy.idle_tick(looks_needed=3)
    assert not policy.idle_tick(looks_needed=3)
    assert policy.idle_tick(looks_needed=3)  # three idle looks in a row
    del keep


def test_a_steady_churn_gets_young_collections_from_the_look_at_the_young_generation(policy):
    """At the store's bound every new message comes with an old one evicted: Python's count of
    allocations less deallocations stays low, and without the look no young collection started (the
    young generation grew past 700,000 objects in `serve`, and its collection held every request
    for 284 ms).  The look keeps it near YOUNG."""
    from simulator import gcpolicy

    old = [[Node() for _ in range(10)] for _ in range(6_000)]
    gc.collect(0)  # frozen, like a store's messages
    biggest = {"with looks": 0, "without": 0}
    for looks in ("without", "with looks"):
        kept = []
        for n in range(3_000):
            kept.append([Node() for _ in range(10)])  # a new message's objects…
            old.pop()  # …and an old one's, freed
            if looks == "with looks" and n % 100 == 0:
                policy.young_tick()
            if n % 100 == 99:
                biggest[looks] = max(biggest[looks], len(gc.get_objects(0)))
        old.extend(kept)
    assert biggest["without"] > 10 * gcpolicy.YOUNG  # (what CPython does: no collection started)
    assert biggest["with looks"] < 2 * gcpolicy.YOUNG
