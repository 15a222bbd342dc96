"""The baseline: a bare aiohttp handler answering kx's success JSON, no checks at all."""

import sys

from aiohttp import web

BODY = '{"code":"0","msg":"成功","data":{"taskid":"1122122213000000000001"}}'


async def send(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text=BODY, content_type="application/json")


app = web.Application()
app.router.add_route("*", "/api/sms/send", send)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
