"""What every vendor package shares: the base vendor class and small HTTP helpers.

A vendor subclass sets its key, code tables and push policy, registers its routes in ``routes.py`` and
overrides what differs (destinations, push format, error rendering).  Handlers may simply raise
:class:`~simulator.core.errors.SimError`: the app's middleware hands it to the vendor's
:meth:`Vendor.render_error`.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
import json
import logging
import math
import re
import reprlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..core import redact
from ..core.accounts import Account
from ..core.errors import REASONS, SimError
from ..core.models import MoRecord, RequestLog
from ..core.plugin import Destination, OutboundRequest, Pull, Push, PushPolicy

if TYPE_CHECKING:
    from ..core.sim import Sim

BEIJING = timezone(timedelta(hours=8))
VENDOR_KEY = web.RequestKey("sim_vendor", object)
REQUEST_ID = web.RequestKey("sim_request_id", str)  # the RequestLog id of the request being handled
REQUEST_LOG = web.RequestKey("sim_request_log", RequestLog)  # that RequestLog itself (journal notes)
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


TimestampZone = Literal["beijing", "utc"]
ZONES: dict[str, timezone] = {"beijing": BEIJING, "utc": UTC}
ZONE_LABELS = {"beijing": "Beijing time", "utc": "UTC"}


class TimestampSettings(BaseModel):
    """The policy for a vendor's wall-clock timestamps without a zone (``yyyyMMddHHmmss``): the zones a
    stamp may be read in and the window (± seconds) around now it must fall in.  Vendors mix it into
    their ``Settings`` and set their own defaults; :func:`check_wall_clock` applies it."""

    model_config = ConfigDict(extra="forbid")
    timestamp_zones: list[TimestampZone] = Field(default_factory=lambda: ["beijing"])
    timestamp_window: float = Field(default=600, gt=0)

    @field_validator("timestamp_zones")
    @classmethod
    def _zones(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("name at least one zone: beijing, utc")
        if len(set(v)) != len(v):
            raise ValueError("a zone is listed twice")
        return v


class Vendor:
    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    AccountOptions: ClassVar[type[BaseModel]] = NoOptions
    Settings: ClassVar[type[DeliverySettings]] = DeliverySettings
    report_codes: ClassVar[dict[str, str]] = {}  # vendor-neutral outcome → report code
    push_ok_body: ClassVar[bytes | None] = None  # the answer a receiver must give, None: any 2xx
    segment_reports: ClassVar[bool] = False  # one report per billed segment (long messages)
    unsubscribe_code: ClassVar[str | None] = None  # report code for a send to an unsubscribed number
    quota_codes: ClassVar[dict[str, str]] = {}  # quota limit (core/quotas.py) → report code
    quota_defaults: ClassVar[dict[str, Any]] = {}  # the vendor document's defaults for those limits
    mo_extension_key: ClassVar[str | None] = None  # the message extra that replies are addressed to
    secret_params: ClassVar[tuple[str, ...]] = ()  # query/form fields that may carry a plain secret
    secret_json: ClassVar[tuple[str, ...]] = ()  # JSON keys that carry a plain secret

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

    # the request journal ------------------------------------------------------------------------------
    def keep_param(self, value: str) -> bool:
        """Whether a ``secret_params`` value is a digest (kept visible) rather than the plain secret."""
        return False

    def secrets(self) -> list[str]:
        """Plain secrets that must not appear in the journal: every account's secret."""
        return [a.secret for a in self.sim.accounts.list(self.key)]

    def redact(self, entry: RequestLog) -> None:
        """Mask plaintext passwords and keys in a journal entry; signatures stay visible."""
        forms = redact.secret_forms(tuple(self.secrets()))  # each secret as sent and URL-encoded

        def form(text: str) -> str:
            return redact.mask_forms(redact.mask_form(text, self.secret_params, self.keep_param), forms)

        entry.query = form(entry.query)
        if not redact.untouched(entry.request_body, forms, self.secret_params, self.secret_json):
            entry.request_body = redact.mask_bytes(
                entry.request_body, lambda t: redact.mask_json(form(t), self.secret_json)
            )
        if entry.diagnosis:  # made with placeholders; masked again in case a value quoted a secret
            entry.diagnosis = redact.mask_forms(entry.diagnosis, forms)
        headers = entry.request_headers
        # one look through all the values at once first (a secret in one value is in their joined text)
        if redact.found(forms, "\n".join(headers.values())) and any(
            redact.found(forms, v) for v in headers.values()
        ):
            entry.request_headers = CIMultiDict((k, redact.mask_forms(v, forms)) for k, v in headers.items())

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        return web.json_response({"error": err.reason, "message": err.message}, status=400)

    def error_label(self, err: SimError) -> str:
        """How this vendor's answer names a refusal (``code 6 (sign校验失败)``), for its diagnosis."""
        return err.message

    def explain(self, err: SimError) -> str:
        """The journal's ``diagnosis`` of a refusal: its own (:meth:`SimError.because`) or, failing
        that, the vendor's code and text with the core's reason in plain words and its details."""
        if err.diagnosis:
            return err.diagnosis
        text = f"refused with {self.error_label(err)}"
        if err.reason in REASONS:
            text += f": {REASONS[err.reason]}"
        if err.detail:
            text += " (" + ", ".join(f"{k}: {v}" for k, v in err.detail.items()) + ")"
        return text

    def push_expectation(self, stream: str) -> str:
        """The answer a push receiver must give for the push to count as acknowledged, in words."""
        if self.push_ok_body is None:
            return "any HTTP 2xx answer"
        return f"HTTP 2xx with the body {self.push_ok_body.decode()!r} (surrounding whitespace allowed)"

    def decoded_bodies(self, entry: Any) -> tuple[str | None, str | None]:
        """A journaled request's body and answer as written before encoding (emay: decrypted), for the
        admin API and the sandbox; None for a body that is readable as it is."""
        return None, None

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
# json.dumps with any non-default option builds a new JSONEncoder on every call; one shared encoder with
# the same options writes the same text (it keeps no state between calls)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: Any) -> str:
    return _ENCODER.encode(obj)


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
    return cs if usable_charset(cs) else default


@functools.lru_cache(maxsize=256)  # names come from clients: bounded
def usable_charset(cs: str) -> bool:
    """Whether Python can decode a body in charset ``cs`` (with errors replaced)."""
    try:
        "".encode(cs)
        b"a".decode(cs, errors="replace")  # idna & co. refuse errors="replace"
    except (LookupError, UnicodeError):
        return False
    return True


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
            for k, v in parse_form(text, cs):
                params[k] = v
    return params


_ESCAPES = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")  # a run of %XX escapes


def _unescape(m: re.Match[bytes]) -> bytes:
    return binascii.unhexlify(m.group().replace(b"%", b""))


def form_unquote(text: str, encoding: str = "utf-8", errors: str = "replace") -> str:
    """``urllib.parse.unquote`` with the same result, faster on the usual ASCII text: each run of
    ``%XX`` escapes is turned into bytes at once where the standard library takes them one by one (a
    Chinese msgcontent is dozens of escapes).  A ``%`` not followed by two hex digits stays as it is,
    as there; text with non-ASCII characters goes to ``unquote`` itself."""
    if "%" not in text:
        return text
    if not text.isascii():
        return unquote(text, encoding, errors)
    return _ESCAPES.sub(_unescape, text.encode("ascii")).decode(encoding, errors)


def parse_form(text: str, encoding: str = "utf-8", errors: str = "replace") -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(text, keep_blank_values=True, encoding=…, errors=…)``, the same pairs
    (tests/vendors/test_form.py checks them against it), at a third of its cost: it was a tenth of the
    kx send path."""
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append(
                (
                    form_unquote(name.replace("+", " "), encoding, errors),
                    form_unquote(value.replace("+", " "), encoding, errors),
                )
            )
    return pairs


def own_url(request: web.Request) -> str:
    """This server as its own client reaches it: the local address the request arrived on (never the
    ``Host`` header, which the client chooses)."""
    scheme = "https" if request.secure else "http"
    sock = request.transport.get_extra_info("sockname") if request.transport else None
    if isinstance(sock, tuple) and len(sock) >= 2:
        host = f"[{sock[0]}]" if ":" in str(sock[0]) else str(sock[0])
        return f"{scheme}://{host}:{sock[1]}"
    return str(request.url.origin())


def client_ip(request: web.Request) -> str | None:
    return request.remote


_FORMATTED: dict[tuple[str, timezone], tuple[int, str]] = {}  # (fmt, tz) → (whole second, text)


def fmt_time(ts: float, fmt: str = "%Y%m%d%H%M%S", tz: timezone = BEIJING) -> str:
    """``ts`` as wall-clock text in ``tz``.  Ids and reports format the same second thousands of times
    (it was 5% of the kx send path): the text of the last second is kept per format, used only when the
    format has no sub-second field and ``ts`` is clear of a second's edge by more than the microsecond
    ``fromtimestamp`` rounds to (the zones are fixed offsets: no DST)."""
    sec = math.floor(ts)
    if 1e-5 < ts - sec < 1 - 1e-5 and "%f" not in fmt:
        hit = _FORMATTED.get((fmt, tz))
        if hit is not None and hit[0] == sec:
            return hit[1]
        text = datetime.fromtimestamp(ts, tz).strftime(fmt)
        if len(_FORMATTED) < 64 or (fmt, tz) in _FORMATTED:  # formats are the code's: a handful
            _FORMATTED[(fmt, tz)] = (sec, text)
        return text
    return datetime.fromtimestamp(ts, tz).strftime(fmt)


def parse_time(text: str, fmt: str, tz: timezone = BEIJING) -> float | None:
    """Parse a vendor timestamp (Beijing time by default); None when it does not fit the format."""
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=tz).timestamp()
    except (ValueError, OverflowError):
        return None


def parse_wall(text: str, fmt: str) -> datetime | None:
    """A wall-clock time without a zone (for :func:`check_wall_clock`); None when it does not fit."""
    try:
        return datetime.strptime(text, fmt)
    except (ValueError, OverflowError):
        return None


# -- timestamp freshness, and notes on the request journal ---------------------------------------------
log = logging.getLogger("simulator")


def warn(request: web.Request, text: str) -> None:
    """Attach a note to the request's journal entry (``GET /_sim/requests``: ``warnings``) and log it."""
    entry = request.get(REQUEST_LOG)
    if entry is not None:
        entry.warnings = [*entry.warnings, text]
    vendor = request.get(VENDOR_KEY)
    log.warning("%s %s %s: %s", getattr(vendor, "key", "-"), request.method, request.path, text)


def diagnose(request: web.Request, text: str) -> None:
    """Say on the request's journal entry why it was refused (``GET /_sim/requests``: ``diagnosis``);
    for a refusal a handler answers itself instead of raising (see :meth:`Vendor.explain`)."""
    entry = request.get(REQUEST_LOG)
    if entry is not None:
        entry.diagnosis = text


def refused(request: web.Request, err: SimError) -> SimError:
    """Journal the diagnosis of an error the handler renders itself; returns the error."""
    vendor = request.get(VENDOR_KEY)
    if isinstance(vendor, Vendor):
        diagnose(request, vendor.explain(err))
    return err


_SHORT = reprlib.Repr()  # keyword arguments need Python 3.12
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 3, 6, 6, 60, 60


def bad_field(name: str, value: Any, rule: str) -> str:
    """A refused field: its name, its value (cut to 80 characters) and the rule it breaks."""
    return f"{name} {short(value)} refused: {rule}"


def short(value: Any) -> str:
    """A value for a diagnosis: a string's first 80 characters, any other value of any size or depth
    bounded."""
    if isinstance(value, str):
        return repr(value[:80]) + ("…" if len(value) > 80 else "")
    return _SHORT.repr(value)


def unknown_account(name: str, value: str) -> str:
    if not value:
        return f"{name} is missing or empty"
    return f"{name} {short(value)} is no account of this vendor's (the configured ones: GET /_sim/accounts)"


def disabled_account(account: Account) -> str:
    return f"account {account.id} is disabled (enabled: false in its config or PATCH /_sim/accounts)"


def digest_refusal(name: str, formula: str, computed: str, expected: str, sent: str, why: str) -> str:
    """A refused signature or digest: the formula, the computation with the exact string hashed (the
    secret shown as a placeholder such as ``<apikey>``), the digest the simulator got, what was sent."""
    return (
        f"{name} refused: the simulator computed {formula} = {computed} = {expected}, the request sent "
        f"{sent}; {why}"
    )


def no_note(text: str) -> None:
    """The default ``note`` of auth functions called without a request (unit tests)."""


class StampCheck(NamedTuple):
    ok: bool
    zone: str | None  # the zone the stamp was accepted in (None: refused, or a stamp that carries its zone)
    skew: float  # seconds ahead of (+) or behind (-) now: in the accepted zone, else in the vendor's zone
    explanation: str  # "" when there is nothing to say; else the warning or the refusal's reason


HOUR_SLACK = 60  # seconds a skew may be off a whole number of hours and still count as one
NO_HINT_BELOW = 3600 - HOUR_SLACK  # a skew smaller than this is near no whole hour but 0: no zone hint


def _hours(skew: float) -> int:
    """The whole number of hours the skew is within a minute of (0 when it is not)."""
    hours = round(skew / 3600)
    return hours if abs(skew - hours * 3600) <= HOUR_SLACK else 0


def _offset_name(hours: int) -> str:
    if hours == 0:
        return "UTC"
    return f"UTC{hours:+d}" + (" (Beijing time)" if hours == 8 else "")


def zone_hint(skew: float, expects: str | None = "beijing") -> str:
    """The likely cause of a skew close to a whole number of hours, or "".

    ``expects`` is the zone the vendor reads the stamp in.  A client that wrote its own wall-clock time
    in zone Z is off by (Z - expected) hours.  ``None``: an epoch value, which has no zone of its own."""
    hours = _hours(skew)
    if hours == 0:
        return ""
    if expects is None:
        return (
            f"the skew is {hours:+d} h: epoch time has no zone, so the client probably turned a local "
            "wall-clock time into epoch time in the wrong zone"
        )
    client = int(ZONES[expects].utcoffset(None).total_seconds() // 3600) + hours
    if not -12 <= client <= 14:
        return ""
    return f"your clock zone looks like {_offset_name(client)}; this vendor expects {ZONE_LABELS[expects]}"


def fmt_seconds(value: float, sign: bool = True) -> str:
    """Seconds for a note: whole seconds as such, else to a tenth (so a refused skew of -600.3 never
    reads as the window's -600)."""
    text = f"{value:+.1f}" if sign else f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + " s"


def _refusal(name: str, shown: str, skews: str, accepted: str, hint: str) -> str:
    text = f"{name} {shown!r} refused: skew {skews}; accepted: {accepted}"
    return f"{text}; {hint}" if hint else text


def check_wall_clock(
    stamp: datetime,
    zones: Sequence[str],
    window: float,
    now: float,
    *,
    home: str = "beijing",
    name: str = "timestamp",
    shown: str = "",
) -> StampCheck:
    """Is a zone-less wall-clock stamp within ``window`` seconds of ``now`` read in one of ``zones``?

    ``home`` is the zone the vendor's servers run on: preferred when more than one zone fits, and the
    one a refusal's skew is measured in.  The explanation is the warning for a stamp accepted in another
    zone ("timestamp is UTC; the vendor's servers run on Beijing time"), or the refusal's reason: the
    skew in seconds in each zone and, when it is close to whole hours, the likely cause."""
    skews = {z: stamp.replace(tzinfo=ZONES[z]).timestamp() - now for z in dict.fromkeys([home, *zones])}
    fits = [z for z in zones if abs(skews[z]) <= window]
    if fits:
        zone = home if home in fits else min(fits, key=lambda z: abs(skews[z]))
        note = (
            ""
            if zone == home
            else f"{name} is {ZONE_LABELS[zone]}; the vendor's servers run on {ZONE_LABELS[home]}"
        )
        return StampCheck(True, zone, skews[zone], note)
    said = ", ".join(f"{fmt_seconds(skew)} read as {ZONE_LABELS[z]}" for z, skew in skews.items())
    accepted = " or ".join(ZONE_LABELS[z] for z in zones) + f" within ±{fmt_seconds(window, False)}"
    shown = shown or stamp.strftime("%Y%m%d%H%M%S")
    return StampCheck(
        False, None, skews[home], _refusal(name, shown, said, accepted, zone_hint(skews[home], home))
    )


def check_instant(
    when: float, window: float, now: float, *, name: str, shown: str, expects: str | None = None
) -> StampCheck:
    """The same for a stamp that names its instant (epoch time, or a date-time with its zone):
    ``expects`` is the zone the document asks for (None: epoch time).  A stamp accepted although it is
    whole hours off (a lenient window) gets a warning with the likely cause."""
    skew = when - now
    if abs(skew) <= window and abs(skew) < NO_HINT_BELOW:  # the usual fresh stamp: nothing to say
        return StampCheck(True, None, skew, "")
    hint = zone_hint(skew, expects)
    span = f"±{fmt_seconds(window, False)}"
    if abs(skew) > window:
        return StampCheck(False, None, skew, _refusal(name, shown, fmt_seconds(skew), f"within {span}", hint))
    note = f"{name} {shown!r} accepted with skew {fmt_seconds(skew)} (window {span}); {hint}" if hint else ""
    return StampCheck(True, None, skew, note)
