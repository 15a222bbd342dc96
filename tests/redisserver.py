"""A real Redis for the tests: Debian's ``redis-server`` started on a free 127.0.0.1 port (``.ci/run``
installs it when missing).  One server per test session; each simulator uses its own key prefix."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import redis

_server: tuple[subprocess.Popen, str] | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(
    appendonly: bool = False, folder: str | None = None, port: int | None = None, unix: bool = False
) -> tuple[subprocess.Popen, str]:
    """A new redis-server process and its URL (the caller stops it).  ``appendonly``: AOF, fsynced on
    every write, in ``folder`` (start it again on the same folder and port to read it back).  ``unix``:
    on a Unix socket in ``folder`` only (no TCP port), the URL ``unix://…``."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    port = port or free_port()
    folder = folder or tempfile.mkdtemp(prefix="sim-redis-")
    if unix:
        listen, url = ["--port", "0", "--unixsocket", f"{folder}/redis.sock"], f"unix://{folder}/redis.sock"
        listen += ["--unixsocketperm", "700"]
    else:
        listen, url = ["--port", str(port), "--bind", "127.0.0.1"], f"redis://127.0.0.1:{port}/0"
    args = [exe, *listen, "--save", "", "--dir", folder]
    args += ["--appendonly", "yes", "--appendfsync", "always"] if appendonly else ["--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    else:
        proc.kill()
        raise RuntimeError("redis-server did not start")
    client.close()
    return proc, url


def session_redis() -> str:
    """The URL of this test session's Redis (started on first use, stopped at exit)."""
    global _server
    if _server is None:
        _server = start_redis()
        atexit.register(_server[0].terminate)
    return _server[1]


def new_prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]
