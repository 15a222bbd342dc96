"""A log line at most once per interval, with a count of what was left out: for failures that repeat
at every request (a connection limit reached, the shared store out of reach)."""

from __future__ import annotations

import logging
import time
from typing import Any


class RateLimitedLog:
    """Log a line at most once per ``interval`` seconds, counting what was left out."""

    def __init__(self, logger: logging.Logger, interval: float = 1.0) -> None:
        self.logger = logger
        self.interval = interval
        self.last = -interval
        self.skipped = 0

    def __call__(self, level: int, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            self.skipped += 1
            return
        more = f" ({self.skipped} more since the last line)" if self.skipped else ""
        self.last, self.skipped = now, 0
        self.logger.log(level, message + more, *args)
