"""What the simulator counts for ``GET /_sim/metrics``: plain numbers, vendor-neutral, cheap to update.

The hot paths (every vendor request, every report, every callback attempt) only add to dictionaries and
lists here: a key lookup and an integer increment, a microsecond or less, where a ``prometheus_client``
labelled metric takes a lock and a label lookup per update.  ``simulator.admin.metrics`` turns these
numbers into the Prometheus exposition at scrape time; what the store can count itself (messages by
status, pull-queue depths, sizes) is read from the store then, never counted per request.
"""

from __future__ import annotations

from bisect import bisect_left

# Histogram upper bounds, in seconds.  A value equal to a bound falls in that bound's bucket (Prometheus'
# ``le``: less than or equal), hence bisect_left.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# simulated seconds from a message's submission to its report: carriers take seconds to days
REPORT_DELAY_BUCKETS = (
    0.1,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    900.0,
    3600.0,
    4 * 3600.0,
    24 * 3600.0,
    72 * 3600.0,
)


class Histogram:
    """Bucket counts (one past the last bound: +Inf), and the sum of what was observed."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, observations at or below it) for each bound and +Inf."""
        out, total = [], 0
        for bound, n in zip((*self.bounds, float("inf")), self.counts, strict=True):
            total += n
            out.append((bound, total))
        return out


class Metrics:
    """The process's counters since it started (a reset of the simulator does not clear them: Prometheus
    counters only go up)."""

    def __init__(self) -> None:
        # (vendor, endpoint, HTTP status, vendor code) → requests answered
        self.requests: dict[tuple[str, str, int, str], int] = {}
        self.request_latency: dict[tuple[str, str], Histogram] = {}  # (vendor, endpoint) → seconds
        self.report_delay: dict[str, Histogram] = {}  # vendor → simulated seconds, submission to report
        # (vendor, stream, "ok" | "failed") → callback attempts
        self.callbacks: dict[tuple[str, str, str], int] = {}
        self.callback_latency: dict[tuple[str, str], Histogram] = {}  # (vendor, stream) → seconds

    def request(self, vendor: str, endpoint: str, status: int, code: str, seconds: float) -> None:
        """One answered request; ``endpoint`` is the route's template (bounded), never the raw path."""
        key = (vendor, endpoint, status, code)
        self.requests[key] = self.requests.get(key, 0) + 1
        hist = self.request_latency.get((vendor, endpoint))
        if hist is None:
            hist = self.request_latency[(vendor, endpoint)] = Histogram(LATENCY_BUCKETS)
        hist.observe(seconds)

    def reported(self, vendor: str, delay: float) -> None:
        """A message's outcome was reached and its report made, ``delay`` simulated seconds after it was
        submitted."""
        hist = self.report_delay.get(vendor)
        if hist is None:
            hist = self.report_delay[vendor] = Histogram(REPORT_DELAY_BUCKETS)
        hist.observe(max(0.0, delay))

    def callback(self, vendor: str, stream: str, ok: bool, seconds: float | None) -> None:
        """One push attempt; ``seconds`` is None when nothing was sent (chaos, a formatter failure)."""
        key = (vendor, stream, "ok" if ok else "failed")
        self.callbacks[key] = self.callbacks.get(key, 0) + 1
        if seconds is not None:
            hist = self.callback_latency.get((vendor, stream))
            if hist is None:
                hist = self.callback_latency[(vendor, stream)] = Histogram(LATENCY_BUCKETS)
            hist.observe(seconds)
