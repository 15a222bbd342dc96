"""The simulator's state in one object: clock, store, accounts, scenario, engine, dispatcher, bus.

Built by :func:`simulator.app.create_app` from a config, or directly in tests.  It knows no vendor:
vendors come in as :class:`~simulator.core.plugin.VendorCore` objects.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .accounts import Account, Accounts
from .clock import Clock
from .dispatch import Dispatcher, Sender
from .engine import Engine
from .events import EventBus
from .metrics import Metrics
from .plugin import VendorCore
from .scenarios import Scenario, ScenarioRunner
from .store import MemoryStore

log = logging.getLogger("simulator")


class Sim:
    def __init__(
        self,
        vendors: dict[str, VendorCore],
        accounts: Callable[[], list[Account]],
        scenario: Scenario,
        seed: int | None = None,
        clock: Clock | None = None,
        store: MemoryStore | None = None,
        sender: Sender | None = None,
        callback_timeout: float = 5.0,
    ) -> None:
        self.vendors = vendors
        self.callback_timeout = callback_timeout  # seconds a callback receiver has to answer
        self._account_factory = accounts
        self.seed = seed
        self.clock = clock or Clock()
        self.store = store or MemoryStore()
        self.shared = bool(getattr(self.store, "shared", False))  # several processes share the store
        self.accounts = Accounts(self.store.save_account)
        self.bus = EventBus()
        self.metrics = Metrics()  # GET /_sim/metrics
        self.dispatcher = Dispatcher(
            self.clock, self.store, self.accounts, vendors, self.bus, sender, metrics=self.metrics
        )
        self.initial_scenario = scenario
        self.scenario = scenario
        self.engine = Engine(
            self.clock,
            self.store,
            self.accounts,
            vendors,
            self.dispatcher,
            self.bus,
            self._runner(scenario),
            metrics=self.metrics,
        )
        self.rng = self._id_rng()
        self.clock.on_error = lambda timer, exc: self.bus.publish(
            "error", where=f"timer {timer.label}", error=f"{type(exc).__name__}: {exc}"
        )
        self._load_accounts()

    def _runner(self, scenario: Scenario) -> ScenarioRunner:
        return ScenarioRunner(scenario, self.seed)

    def _id_rng(self) -> random.Random:
        """Ids come from a generator seeded by ``--seed`` (repeatable runs), else from the system's
        randomness, so no two runs (or resets) hand out the same vendor message ids."""
        return random.Random(self.seed + 0x5EED) if self.seed is not None else random.Random()

    def _load_accounts(self) -> None:
        self.accounts.clear()
        for a in self._account_factory():
            self.accounts.add(a)

    @staticmethod
    def _stored_scenario(data: Any) -> Scenario | None:
        """The scenario a durable store kept; None (the configured one is used) when it no longer passes
        the scenario checks, e.g. one saved by a version that accepted ``delay: -3``."""
        try:
            return Scenario.model_validate(data)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()[:3])
            log.warning("the stored scenario is not valid any more (%s): using the configured one", problems)
            return None

    def restore(self, build_account: Callable[[dict], Account]) -> bool:
        """Take up the state a durable store kept (accounts, scenario, clock, pending timers).
        Returns False when the store was empty (a new database)."""
        self._build_account = build_account
        state = self.store.load(build_account, self._stored_scenario)
        self.clock.journal = self.store  # type: ignore[assignment]
        if hasattr(self.store, "before_write"):  # a timer due before the store writes it fires first
            self.store.before_write = self.clock.fire_unwritten  # type: ignore[attr-defined]
        attach = getattr(self.store, "attach", None)
        if attach is not None:  # shared by several processes: share the clock, follow the others
            attach(self)
        if state is None:
            self.store.save_scenario(self.scenario)
            self.clock.journal.clock_changed(self.clock)
            return False
        if self.seed is not None:  # the same run going on: never the ids its last process handed out
            self.rng = random.Random(f"{self.seed}/restart {self.store.next_number('sim.restarts')}")
        for a in state.accounts:  # the file's version wins; accounts new in the config stay
            self.accounts.add(a)
        if state.scenario is not None:
            self.set_scenario(state.scenario)
        else:
            self.store.save_scenario(self.scenario)
        if state.clock:
            self.clock.set_state(state.clock)
        timers = self.clock.restore(state.timers)
        self.engine.restored(timers)
        self.dispatcher.restored(timers)
        return True

    # what another process sharing the store changed (simulator.core.redis_store)
    def remote_account(self, data: dict) -> Account:
        """Another process changed an account: change ours in place (requests under way hold it)."""
        account = self._build_account(data)
        have = self.accounts.get(account.vendor, account.id)
        if have is None:
            return self.accounts.add(account)
        for f in dataclasses.fields(account):
            setattr(have, f.name, getattr(account, f.name))
        return have

    def remote_scenario(self, data: dict) -> None:
        self.set_scenario(Scenario.model_validate(data))

    def remote_timers(self, timers: list[tuple[int, float, str, tuple]]) -> None:
        self.engine.restored(self.clock.restore(timers))

    def uuid(self) -> uuid.UUID:
        """A random UUID from the seeded generator (repeatable runs)."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def set_scenario(self, scenario: Scenario) -> None:
        """Replace the scenario; messages already in flight keep the decision they got."""
        self.scenario = scenario
        self.engine.runner = self._runner(scenario)
        self.store.save_scenario(scenario)

    def reset(self, keep_clock: bool = False) -> None:
        """Forget every message, report, reply and attempt; accounts and scenario back to the config; the
        clock back to its configured start unless ``keep_clock``."""
        self.clock.clear()
        if not keep_clock:
            self.clock.rewind()
        self.dispatcher.reset()
        self.store.clear()
        self.scenario = self.initial_scenario
        self.engine.reset(self._runner(self.scenario))
        self.store.save_scenario(self.scenario)
        if self.seed is not None:
            self.rng = self._id_rng()
        self._load_accounts()
        for v in self.vendors.values():
            reset = getattr(v, "reset", None)
            if reset is not None:
                reset()
        self.bus.publish("reset")
