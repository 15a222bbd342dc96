"""Routes of the sandbox UI: one shell page per view, the static assets, and redirects to ``/_sim/ui/``."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

from ..core.models import OUTCOMES, STATUSES
from ..core.sim import Sim

HERE = Path(__file__).parent
BASE = "/_sim/ui"

PAGES = [
    ("inbox", "Inbox", "/"),
    ("phone", "Phone", "/phone"),
    ("callbacks", "Callbacks", "/callbacks"),
    ("requests", "Requests", "/requests"),
    ("controls", "Controls", "/controls"),
    ("accounts", "Accounts", "/accounts"),
]


def setup(app: web.Application, sim: Sim) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    vendors = list(sim.vendors)

    def render(template: str, page: str, title: str, **ctx: object) -> web.Response:
        html = env.get_template(template).render(
            base=BASE,
            pages=PAGES,
            page=page,
            title=title,
            vendors=vendors,
            statuses=STATUSES,
            outcomes=OUTCOMES,
            **ctx,
        )
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    def shell(template: str, page: str, title: str):
        async def handler(request: web.Request) -> web.Response:
            return render(template, page, title)

        return handler

    async def message_page(request: web.Request) -> web.Response:
        return render("message.html", "inbox", "Message", message_id=request.match_info["id"])

    async def to_ui(request: web.Request) -> web.Response:
        raise web.HTTPFound(BASE + "/")

    r = app.router
    for path in ("/", "/_sim", "/_sim/", BASE):
        r.add_get(path, to_ui)
    r.add_get(BASE + "/", shell("inbox.html", "inbox", "Inbox"))
    r.add_get(BASE + "/messages/{id}", message_page)
    r.add_get(BASE + "/phone", shell("phone.html", "phone", "Phone"))
    r.add_get(BASE + "/callbacks", shell("callbacks.html", "callbacks", "Callbacks"))
    r.add_get(BASE + "/requests", shell("requests.html", "requests", "Requests"))
    r.add_get(BASE + "/controls", shell("controls.html", "controls", "Controls"))
    r.add_get(BASE + "/accounts", shell("accounts.html", "accounts", "Accounts"))
    r.add_static(BASE + "/static", HERE / "static")
