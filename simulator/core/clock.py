"""The one source of time inside the simulator.

Simulated time starts at the wall-clock time (or a configured instant) and runs with it, unless it is
frozen or advanced.  Everything that happens "later" (delivery outcomes, scheduled sends, retries,
retention) is a timer on this clock: advancing the clock fires every timer that became due, in order of
due time (ties in order of creation).  While the clock runs, a single asyncio handle waits in real time
for the next due timer, so a running simulator behaves like the real thing without any test sleeping.

Auth freshness windows are measured with :meth:`Clock.auth_now`, which is the wall clock unless the
configuration asks for the simulated clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class Timer:
    due: float
    seq: int
    callback: Callable[..., Any]
    args: tuple[Any, ...] = ()
    label: str = ""
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    def __init__(
        self,
        start: float | None = None,
        frozen: bool = False,
        auth_uses_simulated: bool = False,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._wall = wall
        now = wall()
        self._offset = 0.0 if start is None else start - now
        self._frozen_at: float | None = (now + self._offset) if frozen else None
        self.auth_uses_simulated = auth_uses_simulated
        self._heap: list[tuple[float, int, Timer]] = []  # (due, seq, timer): compared in C
        self._seq = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._handle_due: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._firing = False
        self.on_error: Callable[[Timer, BaseException], None] | None = None

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

    def unfreeze(self) -> None:
        if self._frozen_at is not None:
            self._offset = self._frozen_at - self._wall()
            self._frozen_at = None
        self._rearm()

    def advance(self, seconds: float) -> int:
        """Move simulated time forward and fire, in order, every timer that became due.

        Timers are fired one by one at their own due time (``now()`` reads the timer's due time inside
        its callback), so a chain of timers scheduled by callbacks is followed exactly.  Returns how
        many timers fired.
        """
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        target = self.now() + seconds
        fired = 0
        was_frozen = self._frozen_at is not None
        self._frozen_at = self.now()
        try:
            while True:
                self._drop_cancelled_head()
                if not self._heap or self._heap[0][0] > target:
                    break
                timer = heapq.heappop(self._heap)[2]
                self._frozen_at = max(self._frozen_at, timer.due)
                self._fire(timer)
                fired += 1
            self._frozen_at = target
        finally:
            if not was_frozen:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None
        self._rearm()
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
        return 0

    # -- scheduling ----------------------------------------------------------------------------------
    def call_at(self, due: float, callback: Callable[..., Any], *args: Any, label: str = "") -> Timer:
        seq = next(self._seq)
        timer = Timer(due, seq, callback, args, label)
        heapq.heappush(self._heap, (due, seq, timer))
        if not self._firing and (self._handle_due is None or due < self._handle_due):
            self._rearm()
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any, label: str = "") -> Timer:
        return self.call_at(self.now() + max(0.0, delay), callback, *args, label=label)

    def clear(self) -> None:
        """Drop every pending timer (used by reset)."""
        self._heap.clear()
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

    # -- internals -----------------------------------------------------------------------------------
    def _drop_cancelled_head(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)

    def _fire(self, timer: Timer) -> None:
        self._firing = True
        try:
            timer.callback(*timer.args)
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
        self._handle_due = due
        self._handle = self._loop.call_later(max(0.0, delay), self._on_handle)

    def _on_handle(self) -> None:
        self._handle = None
        self._handle_due = None
        self.run_due()
