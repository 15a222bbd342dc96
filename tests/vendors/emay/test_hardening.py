"""Hardening of the secure interface: short links never take the client's Host; the replay cache is
bounded in time (not the client's requestValidPeriod) and in size."""

from __future__ import annotations

from simulator.vendors.emay.auth import REPLAY

from .client import seal


async def test_short_link_host_is_not_the_host_header(emay):
    body = emay.payload(
        {"url": "https://a.test", "smses": [{"mobile": "13900000001"}], "content": "go {#短网址#}"}
    )
    headers = {"appId": emay.app_id, "gzip": "on", "encode": "UTF-8", "Host": "evil.example"}
    ans = await emay.post_raw("sendShortLinkSMS", seal(body, emay.secret_key), headers)
    assert ans.result == "SUCCESS"
    (msg,) = emay.http.sim.store.query_messages(vendor="emay")
    assert "evil.example" not in msg.content
    assert msg.content.startswith("go http://127.0.0.1:")


async def test_replay_entries_kept_at_most_the_cap(emay):
    sim = emay.http.sim
    ans = await emay.secure("getBalance", valid=2**31 - 1)
    assert ans.result == "SUCCESS"
    (expires,) = sim.store.collection(REPLAY).values()
    assert expires <= sim.clock.auth_now() * 1000 + 600_000 + 1


async def test_replay_cache_bounded_in_count(emay_with):
    emay = await emay_with(settings={"replay_max_entries": 5}, options={"rate_limit": 0})
    for _ in range(12):
        assert (await emay.secure("getBalance", valid=600)).result == "SUCCESS"
    assert len(emay.http.sim.store.collection(REPLAY)) <= 5


async def test_a_full_replay_cache_is_not_swept_on_every_request(emay_with, monkeypatch):
    """Once the cache is full of entries still valid, a sweep finds nothing to drop: it runs at most once
    per tenth of the cache's size in requests (on every request it took 18 ms each at 100,000 entries)."""
    import simulator.vendors.emay as emay_vendor

    sweeps: list[bool] = []
    check = emay_vendor.replay_check

    def counted(*args, **kwargs):
        sweeps.append(args[-1] if len(args) > 6 else kwargs.get("sweep", False))
        return check(*args, **kwargs)

    monkeypatch.setattr(emay_vendor, "replay_check", counted)
    emay = await emay_with(settings={"replay_max_entries": 40}, options={"rate_limit": 0})
    for _ in range(80):
        assert (await emay.secure("getBalance", valid=600)).result == "SUCCESS"
    assert len(emay.http.sim.store.collection(REPLAY)) <= 40
    assert len(sweeps) == 80 and 1 <= sum(sweeps) <= 11  # 40 full checks, one sweep per 4 at most
