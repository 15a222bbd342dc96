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
from pydantic import BaseModel, ConfigDict, Field

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


class DeliverySettings(BaseModel):
    """What every vendor's delivery has (config ``vendors.<key>``); vendors subclass it to change
    defaults and add their own settings."""

    model_config = ConfigDict(extra="forbid")
    batch_interval: float = Field(default=1.0, ge=0)  # simulated seconds a push batch collects items
    batch_max: int = Field(default=500, ge=1)  # items per push
    retry_delays: list[float] = Field(default_factory=lambda: [10.0, 60.0, 300.0, 900.0, 3600.0])
    report_retention: float = Field(default=72 * 3600, gt=0)  # pull mode: kept this long unpolled
    mo_retention: float = Field(default=72 * 3600, gt=0)
    validity: float = Field(default=48 * 3600, gt=0)  # the "expired" outcome comes after this long


class Vendor:
    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    AccountOptions: ClassVar[type[BaseModel]] = NoOptions
    Settings: ClassVar[type[DeliverySettings]] = DeliverySettings
    report_codes: ClassVar[dict[str, str]] = {}  # vendor-neutral outcome → report code
    push_ok_body: ClassVar[bytes | None] = None  # the answer a receiver must give, None: any 2xx
    segment_reports: ClassVar[bool] = False  # one report per billed segment (long messages)
    mo_extension_key: ClassVar[str | None] = None  # the message extra that replies are addressed to

    def __init__(self, settings: BaseModel | None = None) -> None:
        self.settings: Any = settings if settings is not None else self.Settings()
        self.sim: Sim = None  # type: ignore[assignment]  # bound by bind()

    @property
    def validity_seconds(self) -> float:
        """The carrier's validity period before the expired outcome."""
        return self.settings.validity

    @property
    def report_retention(self) -> float:
        return self.settings.report_retention

    @property
    def mo_retention(self) -> float:
        return self.settings.mo_retention

    def bind(self, sim: Sim) -> None:
        self.sim = sim
        for kind, handler in self.timer_handlers().items():
            sim.clock.register(kind, handler)

    def timer_handlers(self) -> dict[str, Callable[..., Any]]:
        """Timer kinds this vendor schedules (``<key>.<what>``) and the functions that run them; a
        timer's arguments are plain data (ids, strings, numbers), so a durable store can keep it."""
        return {}

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
        self.reply_extension(mo)
        return self.sim.uuid().hex

    def reply_extension(self, mo: MoRecord) -> str:
        """The extension a reply is addressed to: given to the MO, else the one (``mo_extension_key``
        in the message's extra) of the message it answers.  Sets and returns ``mo.extension``."""
        if not mo.extension and mo.message_sim_id and self.mo_extension_key:
            msg = self.sim.store.get_message(mo.message_sim_id)
            if msg is not None:
                mo.extension = str(msg.extra.get(self.mo_extension_key) or "")
        return mo.extension

    def push_policy(self, account: Account, stream: str) -> PushPolicy:
        s = self.settings
        return PushPolicy(s.batch_interval, s.batch_max, list(s.retry_delays), self.sim.callback_timeout)

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
        b"a".decode(cs, errors="replace")  # idna & co. refuse errors="replace"
    except (LookupError, UnicodeError):
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
