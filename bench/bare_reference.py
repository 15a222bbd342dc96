"""The reference every throughput ratio is taken against: a bare aiohttp handler on uvloop that does the
least an SMS API must do per request (read the body, parse it as a form, one md5, answer canned JSON
encoded with orjson), with no checks, no store and no scenario.

    python bench/bare_reference.py PORT [--loop uvloop|asyncio]   # serve any path
    python bench/bare_reference.py PORT --receiver LOG            # a callback receiver (below)
    python bench/bare_reference.py PORT --work-us 110 [--workers 2]   # the ceiling (below)
    python bench/bare_reference.py PORT --raw                     # no aiohttp (below)

``--receiver LOG``: answers ``SUCCESS`` to every POST (kx's expected answer) and, when it stops
(SIGTERM), writes one line per request to LOG: the arrival time (wall clock, epoch seconds) and the
request body, as JSON, so the bench can measure how long after its due time each report arrived.

``--work-us US`` adds US microseconds of CPU (a busy loop) to every request, so that one process costs
about what the simulator costs per request; ``--workers N`` runs N such processes on the port
(SO_REUSEPORT), as ``serve --workers`` does.  With nothing shared between the processes, that is how
far N processes can go on the machine with the load generator beside them: the ceiling for
``--workers 2 --redis`` (bench/wrk.py's ``ceiling`` and ``ceiling2`` modes).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import sys
import time
from email.utils import formatdate
from urllib.parse import parse_qsl

import orjson
from aiohttp import __version__ as aiohttp_version
from aiohttp import web

ANSWER = orjson.dumps({"code": "0", "msg": "成功", "data": {"taskid": "1122122213000000000001"}})


WORK = 0.0  # seconds of CPU added to every request (--work-us)


async def handle(request: web.Request) -> web.Response:
    digest = work(await request.read())
    return web.Response(body=ANSWER, content_type="application/json", headers={"X-Digest": digest})


def work(body: bytes) -> str:
    """The bare handler's work: the body parsed as a form, one md5 (and --work-us of CPU)."""
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    digest = hashlib.md5(body + form.get("userid", "").encode()).hexdigest()
    if WORK:
        end = time.thread_time() + WORK
        while time.thread_time() < end:
            pass
    return digest


class RawHttp(asyncio.Protocol):
    """``--raw``: requests split by hand (head up to a blank line, a Content-Length body), each answered
    with aiohttp's headers (Content-Type, Content-Length, Date, Server) and the canned JSON."""

    date = (0, b"")  # (second, Date header value), made once a second
    server = f"Python/{sys.version_info[0]}.{sys.version_info[1]} aiohttp/{aiohttp_version}".encode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        out = []
        while (end := buf.find(b"\r\n\r\n")) >= 0:
            head = buf[:end].lower()
            at = head.find(b"\r\ncontent-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(buf) < end + 4 + length:
                break
            body, buf = buf[end + 4 : end + 4 + length], buf[end + 4 + length :]
            out.append(self.answer(work(body)))
        self.buf = buf
        if out:
            self.transport.writelines(out)  # type: ignore[attr-defined]

    def answer(self, digest: str) -> bytes:
        now = int(time.time())
        if now != RawHttp.date[0]:
            RawHttp.date = (now, formatdate(now, usegmt=True).encode())
        return b"".join(
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Digest: ",
                digest.encode(),
                b"\r\nContent-Length: %d\r\nDate: %s\r\nServer: %s\r\n\r\n"
                % (len(ANSWER), RawHttp.date[1], self.server),
                ANSWER,
            )
        )


async def serve_raw(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(RawHttp, "127.0.0.1", port)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    p.add_argument("--receiver", metavar="LOG", help="be a callback receiver logging arrivals to LOG")
    p.add_argument("--work-us", type=float, default=0.0, help="CPU microseconds added to every request")
    p.add_argument("--workers", type=int, default=1, help="processes on the port (SO_REUSEPORT)")
    p.add_argument("--raw", action="store_true", help="a hand-written HTTP/1.1 layer instead of aiohttp's")
    args = p.parse_args()
    if args.raw and (args.workers > 1 or args.receiver):
        p.error("--raw serves the bare handler's work in one process")
    global WORK
    WORK = args.work_us / 1e6
    children = []
    for _ in range(args.workers - 1):
        pid = os.fork()
        if pid == 0:
            children = []  # a worker: serves like the parent, and has none of its own
            break
        children.append(pid)
    if children:  # the parent stops its workers, then itself, when it is stopped

        def stop_workers(*_: object) -> None:
            for pid in children:
                os.kill(pid, signal.SIGTERM)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop_workers)
    loop = None
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    if args.raw:
        if loop is None:
            asyncio.run(serve_raw(args.port))
        else:
            with asyncio.Runner(loop_factory=lambda: loop) as runner:
                runner.run(serve_raw(args.port))
        return
    app = web.Application()
    if args.receiver:
        arrivals: list[tuple[float, bytes]] = []

        async def receive(request: web.Request) -> web.Response:
            if request.method == "POST":
                arrivals.append((time.time(), await request.read()))
            return web.Response(text="SUCCESS")

        async def dump(app: web.Application) -> None:
            with open(args.receiver, "wb") as f:
                for at, body in arrivals:
                    f.write(orjson.dumps([at, body.decode("utf-8", "replace")]) + b"\n")

        app.router.add_route("*", "/{tail:.*}", receive)
        app.on_cleanup.append(dump)
    else:
        app.router.add_route("*", "/{tail:.*}", handle)
    # run_app turns SIGTERM into a graceful exit: the receiver's log is written on cleanup
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        loop=loop,
        reuse_port=args.workers > 1,
        handle_signals=not children,
    )


if __name__ == "__main__":
    main()
