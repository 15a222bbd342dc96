"""The reference every throughput ratio is taken against: a bare aiohttp handler on uvloop that does the
least an SMS API must do per request (read the body, parse it as a form, one md5, answer canned JSON
encoded with orjson), with no checks, no store and no scenario.

    python bench/bare_reference.py PORT [--loop uvloop|asyncio]   # serve any path
    python bench/bare_reference.py PORT --receiver LOG            # a callback receiver (below)

``--receiver LOG``: answers ``SUCCESS`` to every POST (kx's expected answer) and, when it stops
(SIGTERM), writes one line per request to LOG: the arrival time (wall clock, epoch seconds) and the
request body, as JSON, so the bench can measure how long after its due time each report arrived.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

ANSWER = orjson.dumps({"code": "0", "msg": "成功", "data": {"taskid": "1122122213000000000001"}})


async def handle(request: web.Request) -> web.Response:
    body = await request.read()
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    digest = hashlib.md5(body + form.get("userid", "").encode()).hexdigest()
    return web.Response(body=ANSWER, content_type="application/json", headers={"X-Digest": digest})


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    p.add_argument("--receiver", metavar="LOG", help="be a callback receiver logging arrivals to LOG")
    args = p.parse_args()
    loop = None
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
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
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
