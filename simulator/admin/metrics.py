"""``GET /_sim/metrics``: the Prometheus text exposition (prometheus-client), one registry per app.

Counters and histograms come from :class:`simulator.core.metrics.Metrics` (plain numbers the hot paths
add to); gauges are read from the store when scraped: messages by status, pull-queue depths and what the
store keeps.  prometheus-client is imported on the first scrape, so it costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ..core.metrics import Histogram, Metrics
from ..core.sim import Sim

PREFIX = "sms_simulator"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the text format every Prometheus reads


@dataclass
class StoreState:
    """What the store says at scrape time."""

    statuses: dict[str, int] = field(default_factory=dict)
    pull_depths: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    callbacks_queued: int = 0


def store_state(sim: Sim) -> StoreState:
    store = sim.store
    return StoreState(
        statuses=store.status_counts(),
        pull_depths=store.pull_depths(sim.clock.now()),
        sizes=store.sizes(),
        callbacks_queued=sim.dispatcher.queued,
    )


class SimCollector:
    """A prometheus-client custom collector over one simulator's numbers."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.state = StoreState()  # set by the handler just before each scrape

    def describe(self) -> list[Any]:
        return []  # nothing to check at registration: the families depend on what happened

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        m: Metrics = self.sim.metrics
        yield _family(
            CounterMetricFamily,
            "requests",
            "Vendor API requests answered, by vendor, endpoint (route template), HTTP status and the "
            "vendor's answer code (when the handler refused with one; empty otherwise)",
            ["vendor", "endpoint", "status", "code"],
            {(v, e, str(status), c): n for (v, e, status, c), n in m.requests.items()},
        )
        yield _histograms(
            HistogramMetricFamily,
            f"{PREFIX}_request_duration_seconds",
            "Time from the request's arrival to its answer (scenario latency and commit included)",
            ["vendor", "endpoint"],
            m.request_latency,
        )
        yield _histograms(
            HistogramMetricFamily,
            f"{PREFIX}_report_delay_seconds",
            "Simulated seconds from a message's submission to its delivery report",
            ["vendor"],
            {(k,): v for k, v in m.report_delay.items()},
        )
        yield _family(
            CounterMetricFamily,
            "callback_attempts",
            "Callback (push) attempts, by vendor, stream (report, mo…) and result",
            ["vendor", "stream", "result"],
            m.callbacks,
        )
        yield _family(
            CounterMetricFamily,
            "callback_failures",
            "Callback attempts that failed (no answer, a wrong answer, a timeout, scenario chaos)",
            ["vendor", "stream"],
            {(v, stream): n for (v, stream, result), n in m.callbacks.items() if result == "failed"},
        )
        yield _histograms(
            HistogramMetricFamily,
            f"{PREFIX}_callback_duration_seconds",
            "Time a callback receiver took to answer (attempts that got an HTTP answer)",
            ["vendor", "stream"],
            m.callback_latency,
        )

        s = self.state
        yield _family(
            GaugeMetricFamily,
            "messages",
            "Stored messages by status (read from the store)",
            ["status"],
            {(status,): n for status, n in s.statuses.items()},
        )
        yield _family(
            GaugeMetricFamily,
            "pull_queue_depth",
            "Reports and replies waiting to be pulled, by vendor, account and stream",
            ["vendor", "account", "stream"],
            s.pull_depths,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_callbacks_queued", "Reports and replies waiting for a push", value=s.callbacks_queued
        )
        for name, help_text in (
            ("messages", "Messages kept (bounded by --max-messages)"),
            ("mo", "Replies (MO) kept"),
            ("callback_attempts", "Callback attempts kept"),
            ("requests", "Requests kept in the journal"),
            ("request_bytes", "Bytes of the requests kept in the journal"),
        ):
            yield GaugeMetricFamily(f"{PREFIX}_store_{name}", help_text, value=s.sizes.get(name, 0))


def _family(
    family: Any, name: str, help_text: str, labels: list[str], values: dict[tuple[str, ...], float]
) -> Any:
    out = family(f"{PREFIX}_{name}", help_text, labels=labels)
    for key, n in sorted(values.items()):
        out.add_metric(list(key), n)
    return out


def _histograms(
    family: Any, name: str, help_text: str, labels: list[str], hists: dict[tuple[str, ...], Histogram]
) -> Any:
    out = family(name, help_text, labels=labels)
    for key, h in sorted(hists.items()):
        buckets = [(_le(bound), n) for bound, n in h.cumulative()]
        out.add_metric(list(key), buckets, h.sum)
    return out


def _le(bound: float) -> str:
    from prometheus_client.utils import floatToGoString

    return floatToGoString(bound)


def setup(app: web.Application, sim: Sim) -> None:
    registry: list[Any] = []  # built on the first scrape: [CollectorRegistry, SimCollector]

    async def metrics(request: web.Request) -> web.Response:
        from prometheus_client import CollectorRegistry, ProcessCollector
        from prometheus_client.exposition import generate_latest

        if not registry:
            reg = CollectorRegistry(auto_describe=False)
            collector = SimCollector(sim)
            reg.register(collector)
            ProcessCollector(registry=reg)  # resident memory, CPU seconds, open files
            registry[:] = [reg, collector]
        reg, collector = registry
        collector.state = store_state(sim)
        return web.Response(body=generate_latest(reg), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/_sim/metrics", metrics)
