"""What every vendor package shares: the base vendor class and small HTTP helpers.

A vendor subclass sets its key, code tables and push policy, registers its routes in ``routes.py`` and
overrides what differs (destinations, push format, error rendering).  Handlers may simply raise
:class:`~simulator.core.errors.SimError`: the app's middleware hands it to the vendor's
:meth:`Vendor.render_error`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ..core.accounts import Account
from ..core.errors import SimError
from ..core.models import MoRecord
from ..core.plugin import Destination, OutboundRequest, Pull, Push, PushPolicy

if TYPE_CHECKING:
    from ..core.sim import Sim

BEIJING = timezone(timedelta(hours=8))
VENDOR_KEY = web.RequestKey("sim_vendor", object)
REQUEST_ID = web.RequestKey("sim_request_id", str)  # the RequestLog id of the request being handled
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Vendor:
    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    validity_seconds: float = 48 * 3600  # the carrier's validity period before EXPIRED
    AccountOptions: ClassVar[type[BaseModel]] = NoOptions
    Settings: ClassVar[type[BaseModel]] = NoSettings
    report_codes: ClassVar[dict[str, str]] = {}  # vendor-neutral outcome → report code
    report_retention: float | None = None  # pull mode: how long reports wait to be polled
    mo_retention: float | None = None  # pull mode: how long replies wait to be polled
    push_ok_body: ClassVar[bytes | None] = None  # the answer a receiver must give, None: any 2xx

    def __init__(self, settings: BaseModel | None = None) -> None:
        self.settings = settings if settings is not None else self.Settings()
        self.sim: Sim = None  # type: ignore[assignment]  # bound by bind()

    def bind(self, sim: Sim) -> None:
        self.sim = sim

    def reset(self) -> None:
        """Forget vendor-owned state (the store's collections are already cleared)."""

    # routes ------------------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return []

    def handler(self, fn: Handler) -> Handler:
        """Mark a request as this vendor's so the middleware logs it and renders its errors."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            request[VENDOR_KEY] = self
            return await fn(request)

        wrapped.__name__ = getattr(fn, "__name__", "handler")
        return wrapped

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        return web.json_response({"error": err.reason, "message": err.message}, status=400)

    # VendorCore --------------------------------------------------------------------------------------
    def report_code(self, outcome: str, override: str | None) -> str:
        return override or self.report_codes.get(outcome, outcome.upper())

    def report_destination(self, account: Account, message: Any) -> Destination | None:
        if account.mode == "push" and account.report_url:
            return Push(account.report_url, "report")
        return Pull("report", self.report_retention)

    def mo_destination(self, account: Account, mo: MoRecord) -> Destination | None:
        if account.mode == "push" and account.mo_url:
            return Push(account.mo_url, "mo")
        return Pull("mo", self.mo_retention)

    def new_mo_id(self, mo: MoRecord) -> str:
        return self.sim.uuid().hex

    def push_policy(self, account: Account, stream: str) -> PushPolicy:
        return PushPolicy(timeout=self.sim.callback_timeout)

    def build_push(self, account: Account, target: Push, items: list[Any], attempt: int) -> OutboundRequest:
        raise NotImplementedError

    def push_accepted(self, stream: str, status: int, body: bytes) -> bool:
        if not 200 <= status < 300:
            return False
        return self.push_ok_body is None or body.strip() == self.push_ok_body

    # account helpers ---------------------------------------------------------------------------------
    def account(self, account_id: str) -> Account | None:
        return self.sim.accounts.get(self.key, account_id)

    def default_accounts(self) -> list[dict[str, Any]]:
        """The built-in demo accounts, as config dicts."""
        return []


# -- small helpers shared by vendors --------------------------------------------------------------------
def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_answer(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=dumps(obj), status=status, content_type="application/json", charset="utf-8", headers=headers
    )


def md5_hex(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.md5(data).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison for signatures."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def body_charset(request: web.Request, default: str = "utf-8") -> str:
    cs = request.charset or default
    try:
        "".encode(cs)
    except LookupError:
        return default
    return cs


async def form_params(request: web.Request, charset: str | None = None) -> dict[str, str]:
    """Query string and (for any non-JSON body) form fields, merged; the body wins.

    Decoded with standard form rules whatever the Content-Type says (clients send ``charset=utf8``,
    no Content-Type at all, or a trailing ``&``).  Empty values are kept as empty strings.
    """
    params: dict[str, str] = dict(request.query)
    if request.body_exists:
        raw = await request.read()
        if raw and not (request.content_type or "").endswith("json"):
            cs = charset or body_charset(request)
            text = raw.decode(cs, errors="replace")
            for k, v in parse_qsl(text, keep_blank_values=True, encoding=cs, errors="replace"):
                params[k] = v
    return params


def client_ip(request: web.Request) -> str | None:
    return request.remote


def fmt_time(ts: float, fmt: str = "%Y%m%d%H%M%S", tz: timezone = BEIJING) -> str:
    return datetime.fromtimestamp(ts, tz).strftime(fmt)


def parse_time(text: str, fmt: str, tz: timezone = BEIJING) -> float | None:
    """Parse a vendor timestamp (Beijing time by default); None when it does not fit the format."""
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=tz).timestamp()
    except (ValueError, OverflowError):
        return None
