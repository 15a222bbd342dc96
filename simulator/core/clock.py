"""The one source of time inside the simulator.

Simulated time starts at the wall-clock time (or a configured instant) and runs with it, unless it is
frozen or advanced.  Everything that happens "later" (delivery outcomes, scheduled sends, retries,
retention) is a timer on this clock: advancing the clock fires every timer that became due, in order of
due time (ties in order of creation).  While the clock runs, a single asyncio handle waits in real time
for the next due timer, so a running simulator behaves like the real thing without any test sleeping.

A timer is data, not a closure: a ``kind`` (a name registered with :meth:`Clock.register`), JSON-able
``args`` and a due time.  That is what lets a durable store persist pending timers (``journal``) and a
restarted process run them: :meth:`Clock.restore` puts them back on the heap.

Auth freshness windows are measured with :meth:`Clock.auth_now`, which is the wall clock unless the
configuration asks for the simulated clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Handler = Callable[..., Any]
SLICE = 0.005  # seconds of due timers the running clock fires before the loop serves anything else
CLAIM_RETRY = 0.2  # seconds before a claim the shared store failed (Redis out of reach) is tried again


def _order(timer: Timer) -> tuple[float, int]:
    return timer.due, timer.seq


class Journal(Protocol):
    """Told about every timer added and every timer that left the heap (fired or cancelled)."""

    def timer_added(self, timer: Timer) -> None: ...
    def timer_removed(self, timer: Timer) -> None: ...
    def clock_changed(self, clock: Clock) -> None: ...


@dataclass(eq=False, slots=True)
class Timer:
    due: float  # simulated time it fires at
    seq: int  # unique and increasing: ties fire in order of creation; the id a store keeps it under
    kind: str  # the registered handler that runs it
    args: tuple[Any, ...] = ()  # JSON-able arguments (ids, numbers, strings)
    cancelled: bool = False
    clock: Clock | None = None

    @property
    def label(self) -> str:
        return self.kind

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            if self.clock is not None and self.clock._by_seq is not None:
                self.clock._by_seq.pop(self.seq, None)
            if self.clock is not None and self.clock.journal is not None:
                self.clock.journal.timer_removed(self)


class Clock:
    def __init__(
        self,
        start: float | None = None,
        frozen: bool = False,
        auth_uses_simulated: bool = False,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._wall = wall
        self._start, self._start_frozen = start, frozen  # what rewind() goes back to
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._set_start()
        self.auth_uses_simulated = auth_uses_simulated
        self._heap: list[tuple[float, int, Timer]] = []  # (due, seq, timer): compared in C
        self._seq = itertools.count(1)
        self._handlers: dict[str, Handler] = {}
        self.journal: Journal | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._handle_due: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._firing = False
        # the running clock's slice of due timers: what its timers schedule to be due already is kept
        # here and put in front of the timers still due when the slice ends (see advance)
        self._fresh: list[Timer] | None = None
        self.on_error: Callable[[Timer, BaseException], None] | None = None
        # shared by several processes (see share()): who may fire a due timer, and the timers by seq
        self.claim: Callable[[list[Timer]], set[int]] | None = None
        self.claim_async: Callable[[list[Timer]], Awaitable[set[int]]] | None = None  # the same, awaited
        self.unwritten: Callable[[int], bool] | None = None  # a timer the store has not written yet
        self._claimed: tuple[set[int], set[int]] = (set(), set())  # (won, asked) for the next advance
        self._claiming = False
        self._claim_failed_at: float | None = None  # the loop's time of a claim the store failed
        self._by_seq: dict[int, Timer] | None = None

    # -- reading -------------------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated time, seconds since the epoch."""
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall() + self._offset

    def wall(self) -> float:
        return self._wall()

    def auth_now(self) -> float:
        """The time auth freshness windows are measured against (wall clock by default)."""
        return self.now() if self.auth_uses_simulated else self._wall()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def pending(self) -> int:
        return sum(1 for _, _, t in self._heap if not t.cancelled)

    def next_due(self) -> float | None:
        self._drop_cancelled_head()
        return self._heap[0][0] if self._heap else None

    # -- controlling ---------------------------------------------------------------------------------
    def freeze(self, at: float | None = None) -> None:
        self._frozen_at = self.now() if at is None else at
        self._rearm()
        self._changed()

    def _set_start(self) -> None:
        now = self._wall()
        self._offset = 0.0 if self._start is None else self._start - now
        self._frozen_at = (now + self._offset) if self._start_frozen else None

    def rewind(self) -> None:
        """Back to the clock the config set up (used by reset): at ``start`` if one was given, else at the
        wall clock now; frozen or running as configured."""
        self._set_start()
        self._rearm()
        self._changed()

    def unfreeze(self) -> None:
        if self._frozen_at is not None:
            self._offset = self._frozen_at - self._wall()
            self._frozen_at = None
        self._rearm()
        self._changed()

    def advance(self, seconds: float, budget: float | None = None) -> int:
        """Move simulated time forward and fire, in order, every timer that became due.

        Timers are fired one by one at their own due time (``now()`` reads the timer's due time inside
        its callback), so a chain of timers scheduled by callbacks is followed exactly.  Returns how
        many timers fired.  ``budget`` (seconds of work, unshared clock only): stop once it is spent;
        the timers still due fire at the loop's next turn.
        """
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        target = self.now() + seconds
        fired = 0
        won, asked = self._claimed
        self._claimed = (set(), set())
        lost = asked - won
        # the real-time path fires what its awaited claim won (and timers never written: nobody else
        # knows them); others that came due meanwhile wait for its next claim instead of a blocking one
        deferring = bool(asked) and self.unwritten is not None
        deferred: list[Timer] = []
        if self.claim is not None and not deferring:  # shared: one claim for every timer due in this step
            due = [t for t in self._due(target) if t.seq not in asked]
            if due:
                won = won | self.claim(due)
                lost |= {t.seq for t in due} - won
        was_frozen = self._frozen_at is not None
        offset = self._offset
        self._frozen_at = self.now()
        stop_at = None if budget is None or self.claim is not None else time.perf_counter() + budget
        if stop_at is not None:
            self._fresh = []
        try:
            while True:
                self._drop_cancelled_head()
                if not self._heap or self._heap[0][0] > target:
                    break
                if stop_at is not None and fired and time.perf_counter() > stop_at:
                    break  # the rest at the loop's next turn: requests are served in between
                timer = heapq.heappop(self._heap)[2]
                if deferring and timer.seq not in won and timer.seq not in lost:
                    if not self.unwritten(timer.seq):  # type: ignore[misc]
                        deferred.append(timer)
                        continue
                    won.add(timer.seq)
                # shared: another process fired it, or (a timer that came due on the way) claim it now
                if (
                    self.claim is not None
                    and timer.seq not in won
                    and (timer.seq in lost or not self.claim([timer]))
                ):
                    self._lose(timer)
                    continue
                self._frozen_at = max(self._frozen_at, timer.due)
                self._fire(timer)
                fired += 1
            self._frozen_at = target
        finally:
            for timer in deferred:
                heapq.heappush(self._heap, (timer.due, timer.seq, timer))
            if self._fresh is not None:
                self._put_in_front(self._fresh)
                self._fresh = None
            if not was_frozen:
                # a running clock moves by exactly ``seconds``: the time spent firing timers is not lost
                self._offset = offset + seconds
                self._frozen_at = None
        self._rearm()
        if seconds > 0:
            self._changed()
        return fired

    def set_time(self, when: float) -> int:
        """Jump to an absolute time; jumping forward fires due timers like :meth:`advance`."""
        now = self.now()
        if when >= now:
            return self.advance(when - now)
        if self._frozen_at is not None:
            self._frozen_at = when
        else:
            self._offset = when - self._wall()
        self._rearm()
        self._changed()
        return 0

    # -- scheduling ----------------------------------------------------------------------------------
    def register(self, kind: str, handler: Handler) -> None:
        """Say which function runs timers of ``kind``; it is called with the timer's args."""
        self._handlers[kind] = handler

    def handler(self, kind: str) -> Handler:
        return self._handlers[kind]

    def call_at(self, due: float, kind: str, *args: Any) -> Timer:
        """Run the handler of ``kind`` with ``args`` at simulated time ``due``."""
        if kind not in self._handlers:
            raise KeyError(f"no timer handler registered for {kind!r}")
        timer = Timer(due, next(self._seq), kind, args, clock=self)
        self._push(timer)
        if self.journal is not None:
            self.journal.timer_added(timer)
        return timer

    def call_later(self, delay: float, kind: str, *args: Any) -> Timer:
        return self.call_at(self.now() + max(0.0, delay), kind, *args)

    def restore(self, timers: Iterable[tuple[int, float, str, tuple[Any, ...]]]) -> list[Timer]:
        """Put back timers a store kept (``(seq, due, kind, args)``); the journal is not told again.
        On a shared clock, timers another process added (ones already known are skipped)."""
        out = []
        top = 0
        for seq, due, kind, args in timers:
            if self._by_seq is not None and seq in self._by_seq:
                continue
            timer = Timer(due, seq, kind, tuple(args), clock=self)
            self._push(timer)
            out.append(timer)
            top = max(top, seq)
        if self.claim is None:
            self._seq = itertools.count(max(top + 1, next(self._seq)))
        return out

    def share(
        self,
        claim: Callable[[list[Timer]], set[int]],
        claim_async: Callable[[list[Timer]], Awaitable[set[int]]],
        seqs: Iterator[int],
        unwritten: Callable[[int], bool] | None = None,
    ) -> None:
        """Several processes share this clock's timers (a shared store): ``claim(timers)`` says which
        of the due ``timers`` this process may fire (each is fired by one process only; the real-time
        path awaits ``claim_async``, which rides on the store's next round trip), ``seqs`` gives timer
        seqs unique across the processes."""
        self.claim = claim
        self.claim_async = claim_async
        self.unwritten = unwritten
        self._seq = seqs
        self._by_seq = {t.seq: t for _, _, t in self._heap if not t.cancelled}

    def forget(self, seqs: Iterable[int]) -> None:
        """Timers another process fired or cancelled: drop them here (the journal is not told)."""
        if self._by_seq is None:
            return
        for seq in seqs:
            timer = self._by_seq.pop(seq, None)
            if timer is not None:
                timer.cancelled = True

    def _lose(self, timer: Timer) -> None:
        timer.cancelled = True
        if self._by_seq is not None:
            self._by_seq.pop(timer.seq, None)

    def timers(self) -> list[Timer]:
        """Pending timers, in firing order."""
        return [t for _, _, t in sorted(self._heap) if not t.cancelled]

    def clear(self) -> None:
        """Drop every pending timer (used by reset)."""
        if self.journal is not None:
            for _, _, t in self._heap:
                if not t.cancelled:
                    self.journal.timer_removed(t)
        self._heap.clear()
        if self._by_seq is not None:
            self._by_seq.clear()
        self._rearm()

    def state(self) -> dict[str, Any]:
        """What a store keeps of the clock itself: where simulated time stands against the wall."""
        return {"offset": self._offset, "frozen_at": self._frozen_at}

    def set_state(self, state: dict[str, Any]) -> None:
        self._offset = float(state.get("offset", 0.0))
        frozen = state.get("frozen_at")
        self._frozen_at = None if frozen is None else float(frozen)
        self._rearm()

    def _changed(self) -> None:
        if self.journal is not None:
            self.journal.clock_changed(self)

    def _put_in_front(self, fresh: list[Timer]) -> None:
        """Timers the last slice's timers scheduled, due already: ahead of the timers still due (the
        clock is behind them, a burst of due timers), in the order they were made.  A report's push
        batch, due at once, thus goes out at the next slice with the reports of this one, instead of
        after every report still due (no push at all until the clock had caught up).  Only the order
        of firing changes: each fires at the current time, as any due timer does."""
        self._drop_cancelled_head()
        front = math.nextafter(self._heap[0][0], -math.inf) if self._heap else None
        for timer in fresh:
            if not timer.cancelled:
                key = timer.due if front is None else min(timer.due, front)
                heapq.heappush(self._heap, (key, timer.seq, timer))

    def _push(self, timer: Timer) -> None:
        if self._fresh is not None and self._frozen_at is not None and timer.due <= self._frozen_at:
            self._fresh.append(timer)  # into the heap when the slice ends
            if self._by_seq is not None:
                self._by_seq[timer.seq] = timer
            return
        heapq.heappush(self._heap, (timer.due, timer.seq, timer))
        if self._by_seq is not None:
            self._by_seq[timer.seq] = timer
        if not self._firing and (self._handle_due is None or timer.due < self._handle_due):
            self._rearm()

    def attach(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start firing timers in real time on this event loop."""
        self._loop = loop or asyncio.get_running_loop()
        self._rearm()

    def detach(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._handle_due = None
        self._loop = None

    def run_due(self) -> int:
        """Fire every timer due at the current simulated time."""
        return self.advance(0)

    def fire_unwritten(self, made: Mapping[int, Timer]) -> int:
        """Running clock journaled by a durable store: fire the due timers among ``made`` (the store's
        timers made since its last write: a delivery due at once; only this process knows them) before
        the store writes them.  The store calls this as it is about to write: such a timer is then
        never written and deleted (nor, shared, claimed).  What they make due at once fires too (a few
        rounds).  Only ``made`` is looked at: a backlog of due timers the store wrote already waits for
        the real-time path (its slices; shared, its claim), at no cost here."""
        if self._loop is None or self._claiming or self._firing or not made:
            return 0
        fired = 0
        for _ in range(4):
            now = self.now()
            due = sorted((t for t in made.values() if t.due <= now and not t.cancelled), key=_order)
            if not due:
                break
            was_frozen, offset = self._frozen_at is not None, self._offset
            self._frozen_at = now  # each fires at the current time, as advance(0) fires a due timer
            try:
                for timer in due:
                    if not timer.cancelled:  # (one fired before it may have cancelled it)
                        self._fire(timer)  # its heap entry is left cancelled, dropped when it surfaces
                        fired += 1
            finally:
                if not was_frozen:
                    self._offset, self._frozen_at = offset, None
        if fired:
            self._rearm()
        return fired

    # -- internals -----------------------------------------------------------------------------------
    def _due(self, target: float) -> list[Timer]:
        """The timers due by ``target`` (not cancelled), in no particular order: only the part of the
        heap that is due is visited (a long heap of later timers costs nothing)."""
        heap, out, todo = self._heap, [], [0] if self._heap else []
        size = len(heap)
        while todo:
            i = todo.pop()
            due, _, timer = heap[i]
            if due > target:
                continue  # the heap's order: nothing below it is due either
            if not timer.cancelled:
                out.append(timer)
            child = 2 * i + 1
            if child < size:
                todo.append(child)
                if child + 1 < size:
                    todo.append(child + 1)
        return out

    def _drop_cancelled_head(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)

    def _fire(self, timer: Timer) -> None:
        self._firing = True
        timer.cancelled = True  # it has left the heap: cancelling it now is a no-op
        if self._by_seq is not None:
            self._by_seq.pop(timer.seq, None)
        if self.journal is not None:
            self.journal.timer_removed(timer)
        try:
            self._handlers[timer.kind](*timer.args)
        except Exception as exc:  # a timer must never break the clock
            if self.on_error is not None:
                self.on_error(timer, exc)
        finally:
            self._firing = False

    def _rearm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self._handle_due = None
        if self._loop is None or self._loop.is_closed():
            return
        due = self.next_due()
        if due is None:
            return
        delay = due - self.now()
        if self._frozen_at is not None:
            if delay > 0:
                return  # frozen: only timers already due fire, on their own
            delay = 0.0
        if self._claim_failed_at is not None:  # the shared store is out of reach: do not spin on it
            delay = max(delay, self._claim_failed_at + CLAIM_RETRY - self._loop.time())
        self._handle_due = due
        self._handle = self._loop.call_later(max(0.0, delay), self._on_handle)

    def _on_handle(self) -> None:
        self._handle = None
        self._handle_due = None
        if self.claim_async is None:
            # a burst of due timers (a backlog of reports coming due together) is fired a slice at a
            # time, so requests keep being answered meanwhile (158,000 at once held the loop for 2 s)
            self.advance(0, budget=SLICE)
        elif not self._claiming and self._loop is not None:
            # shared: claim what is due in the store's next round trip, then fire what was won
            due = self._due(self.now())
            if self.unwritten is not None and all(self.unwritten(t.seq) for t in due):
                self.advance(0)  # only this process knows them: its claim wins them without asking Redis
                return
            self._claiming = True
            self._loop.create_task(self._claim_then_fire(due))

    async def _claim_then_fire(self, due: list[Timer]) -> None:
        try:
            assert self.claim_async is not None
            due = [t for t in due if not t.cancelled]  # fired meanwhile (fire_unwritten): not asked for
            if not due:
                return  # (a timer that came due since is claimed after the rearm, without blocking)
            self._claimed = (await self.claim_async(due), {t.seq for t in due})
            self._claim_failed_at = None
            self.run_due()
        except Exception as exc:  # the store failed: the timers stay, tried again CLAIM_RETRY later
            self._claimed = (set(), set())
            self._claim_failed_at = self._loop.time() if self._loop is not None else None
            if self.on_error is not None and due:
                self.on_error(due[0], exc)
        finally:
            self._claiming = False
            self._rearm()
