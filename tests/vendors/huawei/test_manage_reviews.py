"""Review completions are timers of data (a kind and the record's id), looked up when they fire."""

from __future__ import annotations

import json

from simulator.vendors.huawei import registry
from simulator.vendors.huawei.manage.signatures import SIGNATURE_REVIEWED, signature_reviewed
from simulator.vendors.huawei.manage.templates import TEMPLATE_REVIEWED, template_reviewed

from .manage_helpers import mgmt, new_app, new_signature, new_template


async def pending_template(client):
    """An approved signature and a template under review: (signature answer, template record)."""
    m = await mgmt(client)
    app = await new_app(m)
    sig = await new_signature(m, app["id"])
    client.sim.clock.advance(5)
    tpl = await new_template(m, app["id"], sig["id"])
    return sig, registry.template_by_pk(client.sim, tpl["id"])


async def test_reviews_are_timers_of_plain_data(sim_client):
    sim = sim_client.sim
    _, record = await pending_template(sim_client)
    reviews = [t for t in sim.clock.timers() if t.kind == "engine.review"]
    assert [(t.args[0], t.args[1]) for t in reviews] == [(TEMPLATE_REVIEWED, [record.id, 1])]
    assert json.loads(json.dumps(reviews[0].args)) == list(reviews[0].args)  # a store can keep it
    assert sim.clock.handler(SIGNATURE_REVIEWED) and sim.clock.handler(TEMPLATE_REVIEWED)


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
