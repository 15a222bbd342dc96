import asyncio

import pytest

from simulator.core.clock import Clock


class FakeWall:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_runs_with_the_wall_clock_until_frozen():
    wall = FakeWall()
    clock = Clock(wall=wall)
    assert clock.now() == wall.t
    wall.t += 10
    assert clock.now() == wall.t
    clock.freeze()
    wall.t += 10
    assert clock.now() == wall.t - 10
    clock.unfreeze()
    wall.t += 5
    assert clock.now() == wall.t - 10


def test_starts_at_a_configured_instant():
    wall = FakeWall()
    clock = Clock(start=42.0, wall=wall)
    assert clock.now() == 42.0
    wall.t += 1
    assert clock.now() == 43.0


def test_advance_fires_due_timers_in_order_at_their_own_time():
    clock = Clock(start=100.0, frozen=True, wall=FakeWall())
    seen = []
    clock.call_at(130.0, lambda: seen.append(("b", clock.now())))
    clock.call_at(110.0, lambda: seen.append(("a", clock.now())))
    clock.call_at(130.0, lambda: seen.append(("c", clock.now())))  # same due: creation order
    clock.call_at(200.0, lambda: seen.append(("late", clock.now())))
    fired = clock.advance(30)
    assert fired == 3
    assert seen == [("a", 110.0), ("b", 130.0), ("c", 130.0)]
    assert clock.now() == 130.0
    assert clock.pending == 1


def test_timers_scheduled_by_timers_are_followed_within_one_advance():
    clock = Clock(start=0.0, frozen=True, wall=FakeWall())
    seen = []

    def first():
        seen.append(clock.now())
        clock.call_later(5, lambda: seen.append(clock.now()))

    clock.call_later(5, first)
    clock.advance(20)
    assert seen == [5.0, 10.0]


def test_cancelled_timers_do_not_fire():
    clock = Clock(start=0.0, frozen=True, wall=FakeWall())
    seen = []
    t = clock.call_later(1, seen.append, 1)
    t.cancel()
    assert clock.advance(5) == 0
    assert seen == []


def test_advance_keeps_a_running_clock_running_with_an_offset():
    wall = FakeWall()
    clock = Clock(wall=wall)
    clock.advance(3600)
    assert clock.now() == wall.t + 3600
    assert not clock.frozen
    wall.t += 1
    assert clock.now() == wall.t + 3600


def test_auth_now_is_wall_clock_unless_configured():
    wall = FakeWall()
    clock = Clock(wall=wall)
    clock.advance(2 * 86400)
    assert clock.auth_now() == wall.t
    clock.auth_uses_simulated = True
    assert clock.auth_now() == wall.t + 2 * 86400


def test_clock_cannot_go_backwards():
    clock = Clock(frozen=True)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_failing_timer_does_not_stop_the_others():
    clock = Clock(start=0.0, frozen=True, wall=FakeWall())
    errors, seen = [], []
    clock.on_error = lambda timer, exc: errors.append(str(exc))
    clock.call_later(1, lambda: 1 / 0)
    clock.call_later(2, seen.append, "ok")
    clock.advance(3)
    assert seen == ["ok"]
    assert errors == ["division by zero"]


async def test_running_clock_fires_timers_in_real_time():
    clock = Clock()
    clock.attach()
    done = asyncio.Event()
    clock.call_later(0.01, done.set)
    await asyncio.wait_for(done.wait(), 2)
    clock.detach()


async def test_frozen_clock_fires_only_what_is_due():
    clock = Clock(frozen=True)
    clock.attach()
    seen = []
    clock.call_later(0, seen.append, "now")
    clock.call_later(1, seen.append, "later")
    await asyncio.sleep(0.02)
    assert seen == ["now"]
    clock.advance(1)
    assert seen == ["now", "later"]
    clock.detach()
