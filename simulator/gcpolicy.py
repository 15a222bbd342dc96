"""How ``serve`` keeps Python's garbage collector from stalling requests.

The store keeps every message alive (about nine objects the collector tracks per message, a million at
the default bound), and the collector's generations scan what they hold: with the default thresholds a
young collection scanned thousands of objects every few hundred allocations, and with the raised ones
``serve`` used before (100,000 young objects) each young collection stalled every request for 26–57 ms,
and an older-generation collection would scan every message since the last one (seconds, at the
bound).  The simulator makes no reference cycles on its request paths (``python bench/gc_pauses.py
--closed-connections``: sends over a new connection each, a fifth refused, leave no cyclic garbage
beyond what start-up leaves), so:

- a young collection runs every :data:`YOUNG` allocations (about a millisecond at most), and whenever a
  look every :data:`YOUNG_LOOK` seconds finds :data:`YOUNG` objects or more in the young generation:
  Python counts allocations less deallocations, so once the store is at its bound (a message evicted
  for each one made) the deallocations of old objects cancel the count and no young collection
  started: the young generation grew to 725,000 objects, and the collection that finally came held
  every request for 284 ms;
- whatever survives it is frozen (``gc.freeze``): it is out of every later scan, and freed as usual
  when nothing refers to it any more;
- when the process has been idle for :data:`IDLE_SECONDS` (no young collection in that time: a load
  test's pause between phases is shorter) and at least a quarter more objects were frozen since the
  last sweep, a full collection runs over everything once (``sweep``; about 0.4 s per million objects),
  so any cycle that did get frozen is still freed — at a moment nobody waits for an answer.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

YOUNG = 2_000
YOUNG_LOOK = 0.05  # seconds between looks at the young generation's size
IDLE_SECONDS = 30.0
LOOK_EVERY = 5.0  # seconds between looks for idleness


class GcPolicy:
    def __init__(self) -> None:
        self.swept_at_frozen = 0  # how many objects were frozen right after the last sweep
        self.sweeps = 0
        self._seen_collections = -1
        self._idle_looks = 0  # looks in a row that saw no young collection
        self._task: asyncio.Task | None = None
        self._young_task: asyncio.Task | None = None

    def install(self) -> None:
        gc.set_threshold(YOUNG, 1_000, 1_000)
        gc.callbacks.append(self._after)
        gc.freeze()  # what start-up made (modules, config, the app) is never scanned again

    def uninstall(self) -> None:
        if self._after in gc.callbacks:
            gc.callbacks.remove(self._after)
        for task in (self._task, self._young_task):
            if task is not None:
                task.cancel()

    def _after(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            gc.freeze()

    def young_tick(self) -> bool:
        """One look at the young generation: collect it if it holds :data:`YOUNG` objects or more (a
        steady state's churn keeps Python's own count from starting a collection).  Returns whether it
        collected; an idle process allocates little and is left alone (its idleness is what
        :meth:`idle_tick` looks for)."""
        if len(gc.get_objects(0)) < YOUNG:
            return False
        gc.collect(0)
        return True

    def idle_tick(self, looks_needed: int | None = None) -> bool:
        """One look: sweep if nothing was collected for :data:`IDLE_SECONDS` of looks and enough was
        frozen since the last sweep.  Returns whether it swept."""
        needed = looks_needed if looks_needed is not None else max(1, round(IDLE_SECONDS / LOOK_EVERY))
        collections = gc.get_stats()[0]["collections"]
        idle, self._seen_collections = collections == self._seen_collections, collections
        self._idle_looks = self._idle_looks + 1 if idle else 0
        # counting the frozen walks all of them (tens of ms at the bound): only once idle
        if self._idle_looks < needed or gc.get_freeze_count() < self.swept_at_frozen * 5 // 4 + 1_000:
            return False
        self.sweep()
        return True

    def sweep(self) -> int:
        """A full collection over everything, frozen included, then freeze what is left."""
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.swept_at_frozen = gc.get_freeze_count()
        self.sweeps += 1
        self._seen_collections = gc.get_stats()[0]["collections"]
        self._idle_looks = 0
        return found

    def start(self) -> None:
        """Look for idleness every :data:`LOOK_EVERY` seconds and at the young generation every
        :data:`YOUNG_LOOK` seconds, on the running loop."""

        async def every(seconds: float, look: Callable[[], bool]) -> None:
            while True:
                await asyncio.sleep(seconds)
                look()

        loop = asyncio.get_running_loop()
        self._task = loop.create_task(every(LOOK_EVERY, self.idle_tick))
        self._young_task = loop.create_task(every(YOUNG_LOOK, self.young_tick))
