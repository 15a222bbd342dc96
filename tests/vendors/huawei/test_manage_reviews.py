"""Review completions hold ids, not records: they look the record up when they fire."""

from __future__ import annotations

import functools

from simulator.vendors.huawei import registry
from simulator.vendors.huawei.manage.signatures import signature_reviewed
from simulator.vendors.huawei.manage.templates import template_reviewed

from .manage_helpers import mgmt, new_app, new_signature, new_template


async def pending_template(client):
    """An approved signature and a template under review: (signature answer, template record)."""
    m = await mgmt(client)
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    client.sim.clock.advance(5)
    tpl = await new_template(m, app["id"], sig["id"])
    return sig, registry.template_by_pk(client.sim, tpl["id"])


async def test_review_callbacks_are_functions_of_sim_id_and_submission(sim_client, monkeypatch):
    sim = sim_client.sim
    scheduled = []
    review = sim.engine.review

    def spy(kind, vendor, name, content, on_done):
        scheduled.append(on_done)
        return review(kind, vendor, name, content, on_done)

    monkeypatch.setattr(sim.engine, "review", spy)
    sig, record = await pending_template(sim_client)
    assert len(scheduled) == 2
    for on_done, fn, key in (
        (scheduled[0], signature_reviewed, sig["id"]),
        (scheduled[1], template_reviewed, record.id),
    ):
        assert isinstance(on_done, functools.partial) and on_done.func is fn
        assert on_done.args == (sim, key, 1) and not on_done.keywords


async def test_a_review_of_a_deleted_signature_does_nothing(sim_client):
    sim = sim_client.sim
    m = await mgmt(sim_client)
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    assert await m.delete(f"/signatures/{sig['id']}") == (204, None)
    sim.clock.advance(60)  # the scheduled review fires and finds nothing
    assert sig["id"] not in registry.signatures(sim)
    signature_reviewed(sim, "no-such-signature", 1, "approved", "")
    template_reviewed(sim, "no-such-template", 1, "approved", "")


async def test_a_superseded_review_is_ignored(sim_client):
    sim = sim_client.sim
    sig, record = await pending_template(sim_client)
    assert record.status == "pending" and record.review_seq == 1
    template_reviewed(sim, record.id, 0, "rejected", "stale")  # an older submission's answer
    assert record.status == "pending" and record.review_desc == ""
    template_reviewed(sim, record.id, 1, "rejected", "bad wording")
    assert record.status == "rejected" and record.review_desc == "bad wording"
    signature_reviewed(sim, sig["id"], 0, "rejected", "stale")
    assert registry.signatures(sim)[sig["id"]].status == "approved"
