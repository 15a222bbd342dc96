"""The engine's state machine with a minimal vendor, no HTTP."""

import pytest

from simulator.core.accounts import Account
from simulator.core.clock import Clock
from simulator.core.engine import Submission
from simulator.core.errors import SimError
from simulator.core.plugin import Pull, PushPolicy
from simulator.core.scenarios import parse_scenario
from simulator.core.sim import Sim


class FakeVendor:
    key = "fake"
    validity_seconds = 100.0
    segment_reports = False
    unsubscribe_code = None

    def report_code(self, outcome, override):
        return override or outcome.upper()

    def report_destination(self, account, message):
        return Pull("report", 50)

    def mo_destination(self, account, mo):
        return Pull("mo", None)

    def new_mo_id(self, mo):
        return "MO" + mo.sim_id

    def push_policy(self, account, stream):
        return PushPolicy()

    def build_push(self, account, target, items, attempt):
        raise AssertionError("no pushes here")

    def push_accepted(self, stream, status, body):
        return True


SCENARIO = """
rules:
  - match: {mobile: "1"}
    outcome: undeliverable
    delay: 10
  - match: {mobile: "2"}
    outcome: expired
    delay: validity
  - match: {mobile: "3"}
    outcome: delivered
    delay: 0
    mo: [{content: TD, delay: 5}]
  - match: {mobile: "4"}
    fault: {error: system_error}
"""


@pytest.fixture
def sim():
    vendor = FakeVendor()
    return Sim(
        {"fake": vendor},
        lambda: [Account("fake", "A", "s", balance=10)],
        parse_scenario(SCENARIO),
        clock=Clock(start=1000.0, frozen=True),
    )


def account(sim):
    return sim.accounts.get("fake", "A")


async def test_states_and_timeline(sim):
    [m] = await sim.engine.submit(account(sim), [Submission("1", "hello")])
    assert m.status == "sent" and m.created_at == 1000.0
    sim.clock.advance(9.9)
    assert m.status == "sent"
    sim.clock.advance(0.1)
    assert (m.status, m.code, m.done_at) == ("undeliverable", "UNDELIVERABLE", 1010.0)
    assert [t.status for t in m.timeline] == ["accepted", "sent", "undeliverable", "report"]
    assert sim.store.pull_take("fake", "A", "report", 10, sim.clock.now())[0].message is m


async def test_validity_and_retention(sim):
    [m] = await sim.engine.submit(account(sim), [Submission("2", "x")])
    sim.clock.advance(100)
    assert m.status == "expired"
    sim.clock.advance(60)  # the pull retention (50 s) has passed
    assert sim.store.pull_take("fake", "A", "report", 10, sim.clock.now()) == []


async def test_auto_reply_after_delivery(sim):
    [m] = await sim.engine.submit(account(sim), [Submission("3", "x")])
    sim.clock.advance(4)
    assert sim.store.query_mo() == []
    sim.clock.advance(1)
    [mo] = sim.store.query_mo()
    assert (mo.content, mo.account, mo.message_sim_id, mo.id) == ("TD", "A", m.sim_id, "MO" + mo.sim_id)


async def test_fault_or_short_balance_accepts_nothing(sim):
    with pytest.raises(SimError) as e:
        await sim.engine.submit(account(sim), [Submission("9", "x"), Submission("4", "x")])
    assert e.value.reason == "system_error"
    with pytest.raises(SimError) as e:
        await sim.engine.submit(account(sim), [Submission("9", "x" * 71)] * 6)  # 12 units > 10
    assert e.value.reason == "insufficient_balance"
    assert sim.store.query_messages() == [] and account(sim).balance == 10


async def test_scheduled_cancel_refunds(sim):
    [m] = await sim.engine.submit(account(sim), [Submission("9", "x" * 71, scheduled_at=2000.0)])
    assert (m.status, account(sim).balance) == ("scheduled", 8)
    assert sim.engine.cancel(m)
    assert (m.status, account(sim).balance) == ("cancelled", 10)
    sim.clock.advance(5000)
    assert m.status == "cancelled"
    assert not sim.engine.cancel(m)


async def test_per_segment_reports_when_the_vendor_asks(sim):
    sim.vendors["fake"].segment_reports = True
    [m] = await sim.engine.submit(account(sim), [Submission("3", "x" * 140)])
    sim.clock.advance(0)
    reports = sim.store.pull_take("fake", "A", "report", 10, sim.clock.now())
    assert [(r.message is m, r.segment) for r in reports] == [(True, 1), (True, 2), (True, 3)]


async def test_reset_restores_accounts_and_forgets_timers(sim):
    await sim.engine.submit(account(sim), [Submission("1", "x")])
    account(sim).balance = 0
    sim.reset()
    assert account(sim).balance == 10
    assert sim.clock.pending == 0 and sim.store.query_messages() == []


async def test_ids_repeat_after_a_reset_only_with_a_seed(sim):
    a = [sim.uuid() for _ in range(3)]
    sim.reset()
    assert [sim.uuid() for _ in range(3)] != a  # no --seed: a reset never hands out the same ids
    seeded = Sim(sim.vendors, lambda: [], sim.scenario, seed=7, clock=Clock(start=0.0, frozen=True))
    b = [seeded.uuid() for _ in range(3)]
    seeded.reset()
    assert [seeded.uuid() for _ in range(3)] == b
