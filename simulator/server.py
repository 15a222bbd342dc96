"""Connection-level limits for ``serve`` (config ``server:``, docs/security.md).

aiohttp closes an idle keep-alive connection only after ``keepalive_timeout`` (an hour when run through
``AppRunner``) and never limits how slowly a request head arrives or how many connections are open: 500
slowloris and 2,000 idle connections all stayed open.  Here:

- ``keepalive_timeout``: an idle connection (between requests, or before the first) is closed;
- ``header_timeout``: once a request's first bytes arrived, its head must be complete within this;
- ``read_timeout``: a request body must arrive within this (enforced where the body is read, app.py);
- ``max_connections``: past it a new connection is closed at once, with one log line a second at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler

from .core.ratelog import RateLimitedLog

log = logging.getLogger("simulator.server")


class Limits:
    def __init__(self, header_timeout: float, max_connections: int) -> None:
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self.open = 0
        self.refused = 0
        self.timed_out = 0
        self.say = RateLimitedLog(log)


class GuardedHandler(RequestHandler):
    """aiohttp's request handler with a header timeout and a connection limit."""

    limits: Limits

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        lim = self.limits
        lim.open += 1
        self._counted = True
        self._head_timer: asyncio.TimerHandle | None = None
        if lim.open > lim.max_connections:
            lim.refused += 1
            lim.say(
                logging.WARNING,
                "connection limit reached: %d open (server.max_connections %d); closing new connections",
                lim.open - 1,
                lim.max_connections,
            )
            transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        if getattr(self, "_counted", False):
            self.limits.open -= 1
            self._counted = False
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        before = self._request_count
        super().data_received(data)
        timer = getattr(self, "_head_timer", None)
        if self._request_count != before:
            if timer is not None:
                timer.cancel()
                self._head_timer = None
        elif timer is None and data and not self._request_in_progress and self.transport is not None:
            self._head_timer = self._loop.call_later(self.limits.header_timeout, self._head_late, before)

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """A malformed request (duplicate Content-Type, bad header bytes…) is the client's fault: it is
        answered 400 by aiohttp, and logged here as one line a second at most, not a traceback each."""
        exc = kw.get("exc_info")
        if isinstance(exc, HttpProcessingError):
            self.limits.say(logging.INFO, "malformed request answered %s: %s", exc.code, exc.message)
            return
        super().log_exception(*args, **kw)

    def _head_late(self, count: int) -> None:
        self._head_timer = None
        if self._request_count == count and not self._request_in_progress and self.transport is not None:
            self.limits.timed_out += 1
            self.limits.say(
                logging.INFO,
                "closing a connection whose request head took over %.0f s",
                self.limits.header_timeout,
            )
            self.force_close()
            self.transport.close()


def guard(runner: web.AppRunner, limits: Limits) -> None:
    """Make ``runner``'s server create guarded handlers (call after ``runner.setup()``)."""
    server = runner.server
    assert server is not None
    handler_class = type("Handler", (GuardedHandler,), {"limits": limits})

    def make(self: web.Server) -> RequestHandler:
        return handler_class(self, loop=self._loop, **self._kwargs)

    server.__class__ = type("GuardedServer", (type(server),), {"__call__": make})


def run(main: Coroutine[Any, Any, int]) -> int:
    """Run ``serve``'s main coroutine on uvloop where it is installed (a quarter more requests per second
    than asyncio's own loop on the vendors' send paths, docs/performance.md), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def quiet_exceptions(loop: asyncio.AbstractEventLoop) -> None:
    """At the file-descriptor limit asyncio logs every failed accept (8.7 MB of log in 12 s): once a
    second at most, with a count."""
    last = [0.0, 0]  # when the last one was logged, how many were left out since

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            last[1] += 1
            return
        if last[1]:
            context = {**context, "message": f"{context.get('message', '')} ({last[1]} more left out)"}
        last[0], last[1] = now, 0
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
