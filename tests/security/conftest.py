"""A real ``sms-simulator serve`` subprocess on 127.0.0.1 (its memory is measured apart from the tests')."""

from __future__ import annotations

import asyncio
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest


@dataclass
class Served:
    url: str
    proc: subprocess.Popen
    output: list[str]

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def log(self) -> str:
        """What the server printed so far (stdout and stderr together)."""
        return "".join(self.output)


def start(
    *args: str, env: dict[str, str] | None = None, cwd: str | None = None, fds: int | None = None
) -> Served:
    """``sms-simulator serve --port 0 ARGS`` (also used by bench/attacks.py, with ``PYTHONPATH`` in
    ``env`` to run another source tree)."""
    cmd = [sys.executable, "-c", "from simulator.cli import main; raise SystemExit(main())"]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (fds, fds))) if fds else None,
    )
    output: list[str] = []
    deadline = time.time() + 20
    url = None
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        m = re.search(r"listening on (http://[\d.]+:\d+)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        raise AssertionError("the server did not start: " + "".join(output))
    import threading

    def pump() -> None:
        for line in proc.stdout:
            output.append(line)

    threading.Thread(target=pump, daemon=True).start()
    return Served(url, proc, output)


@pytest.fixture
def serve() -> Iterator:
    """``serve(*args)`` starts a server; all are stopped at the end of the test."""
    started: list[Served] = []

    def factory(*args: str, env: dict[str, str] | None = None, fds: int | None = None) -> Served:
        s = start(*args, env=env, fds=fds)
        started.append(s)
        return s

    yield factory
    for s in started:
        s.proc.terminate()
        try:
            s.proc.wait(10)
        except subprocess.TimeoutExpired:
            s.proc.kill()


class HealthProbe:
    """Polls /_sim/health while an attack runs; ``worst`` is the slowest answer (seconds)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.worst = 0.0
        self.answers = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            while not self._stop.is_set():
                t = time.perf_counter()
                async with s.get(self.url + "/_sim/health", headers=self.headers) as r:
                    assert r.status == 200
                    await r.read()
                self.worst = max(self.worst, time.perf_counter() - t)
                self.answers += 1
                await asyncio.sleep(0.05)

    async def __aenter__(self) -> HealthProbe:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task
