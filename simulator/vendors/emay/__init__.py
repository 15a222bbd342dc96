"""emay: 亿美软通 EUCP (seed 004).  See docs/vendors/emay.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ...core.accounts import Account
from ...core.errors import SimError
from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ...core.quotas import LIMITS as QUOTA_LIMITS
from ..base import DeliverySettings, TimestampSettings, TimestampZone, Vendor, fmt_time, json_answer
from . import crypto, push, routes, templates
from .auth import REPLAY, RateLimiter, charset_of, gzip_on, replay_check, replayed
from .codes import API_CODES, REPORT_CODES, EmayError, code_for


class EmayAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    push_format: Literal["encrypted", "plain"] = "encrypted"  # how reports and MO are pushed
    rate_limit: float = Field(default=100.0, ge=0)  # requests per second (real time); 0: unlimited
    rate_burst: int = Field(default=200, ge=1)  # requests allowed at once before ERROR_OVER_SPEED
    retrieve_enabled: bool = True  # false: /report/retrieveReport answers ERROR_NO_RETRIEVE_SERVICE


class EmaySettings(TimestampSettings, DeliverySettings):
    retry_delays: list[float] = Field(default_factory=lambda: [10.0, 60.0, 600.0])  # §2.3.3
    # simple interface / retrieveReport `timestamp`: the document gives no zone, so Beijing or UTC
    timestamp_zones: list[TimestampZone] = Field(default_factory=lambda: ["beijing", "utc"])
    timestamp_window: float = Field(default=600, gt=0)  # ± seconds around now
    max_body_bytes: int = Field(default=4 << 20, ge=1024)  # secure body cap, after gunzip too
    max_content_length: int = Field(default=1000, ge=1)  # longer content: ERROR_LONG_CONTENT
    short_link_base: str | None = None  # e.g. http://sms.test:8090; default: the listening address
    replay_max_seconds: int = Field(default=600, ge=1)  # replay entries kept at most this long
    replay_max_entries: int = Field(default=100_000, ge=1)  # and at most this many (oldest dropped)


class EmayVendor(Vendor):
    key = "emay"
    secret_params = ("secretKey",)  # signed/encrypted with it, never sent: masked if sent anyway
    title = "亿美软通 EUCP"
    AccountOptions = EmayAccountOptions
    Settings = EmaySettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    quota_codes: ClassVar[dict[str, str]] = dict.fromkeys(QUOTA_LIMITS, "FAIL_SEND_FILTER")  # 发送频率过快
    unsubscribe_code = "FAIL_UNSUBSCRIBE"  # §4 状态报告状态码表: 用户退订
    push_ok_body = b"success"
    mo_extension_key = "extendedCode"
    settings: EmaySettings

    def __init__(self, settings: BaseModel | None = None) -> None:
        super().__init__(settings)
        self.limiter = RateLimiter()
        self._since_sweep = 0  # replay checks since the last sweep of the whole cache

    def reset(self) -> None:
        self.limiter.buckets.clear()

    def timer_handlers(self) -> dict[str, Callable[..., Any]]:
        return {templates.REVIEWED: lambda *args: templates.reviewed(self.sim, *args)}

    async def replay_check(
        self, account_id: str, path: str, plain: bytes, expires_ms: float, now_ms: float
    ) -> None:
        """ERROR_REQUEST_NO_VALID for a request already accepted within its validity (kept in the store,
        so a durable store still refuses it after a restart); expired entries are dropped from the front
        on every check, and all of them when the cache is full — at most once per tenth of its size in
        checks.  (A full sweep every 256 checks scanned the whole cache: 2% of the sendSingleSMS path
        with 50,000 entries; a sweep on every check of a full cache of valid entries took 18 ms per
        request, and a load test faster than 167 sends/s for ten minutes fell to 55 requests/s.)"""
        seen = self.sim.store.collection(REPLAY)
        s = self.settings
        expires_ms = min(expires_ms, now_ms + s.replay_max_seconds * 1000)  # the client chose the period
        self._since_sweep += 1
        sweep = len(seen) >= s.replay_max_entries and self._since_sweep >= max(1, s.replay_max_entries // 10)
        if sweep:
            self._since_sweep = 0
        key = replay_check(seen, account_id, path, plain, expires_ms, now_ms, sweep)
        while len(seen) > s.replay_max_entries:  # all still valid: forget the oldest
            del seen[next(iter(seen))]
        # a shared store: the same request sent to two processes at once is accepted by one only
        if not await self.sim.store.claim_once(REPLAY, key, expires_ms / 1000, now_ms / 1000):
            raise replayed("another process sharing the store took it first")

    def routes(self) -> list[web.RouteDef]:
        return routes.setup(self)

    def error_label(self, err: SimError) -> str:
        code = code_for(err)
        return f"{code} ({err.message if isinstance(err, EmayError) else API_CODES.get(code, code)})"

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        code = code_for(err)
        path = request.path
        if path.startswith("/simpleinter/"):
            return json_answer({"code": code})
        if path.startswith("/report/"):
            return web.Response(text=code, content_type="text/plain", charset="utf-8")
        if path.startswith("/inter/"):
            # §2.1: the status is the `result` header; no body unless SUCCESS.
            return web.Response(status=200, headers={"result": code})
        return web.Response(status=400, text=code, content_type="text/plain")

    def decoded_bodies(self, entry: Any) -> tuple[str | None, str | None]:
        """A secure-interface request and its answer decrypted (and gunzipped) with the account's
        secretKey."""
        body = entry.request_body
        if not entry.path.startswith("/inter/") or not isinstance(body, bytes | bytearray) or not body:
            return None, None
        headers = {k.lower(): v for k, v in entry.request_headers.items()}
        account = self.account(str(headers.get("appid", "")).strip())
        if account is None:
            return None, None
        charset, gz = charset_of(headers.get("encode")), gzip_on(headers.get("gzip"))
        out: list[str | None] = []
        for raw in (body, entry.response_body):
            try:
                data = crypto.decrypt(bytes(raw), account.secret)
                if gz:
                    data = crypto.decompress(data, self.settings.max_body_bytes)
                out.append(data.decode(charset, errors="replace"))
            except Exception:  # not a body this account can open (or an error answer: no body)
                out.append(None)
        return out[0], out[1]

    # ids ---------------------------------------------------------------------------------------------
    def new_sms_id(self) -> str:
        """20 digits like the document's 20170392833833891100: yyyyMMddHHmmss + a 6-digit sequence."""
        seq = self.sim.store.next_number("emay.sms", spread=10**6)
        return fmt_time(self.sim.clock.now(), "%Y%m%d%H%M%S") + f"{seq % 1_000_000:06d}"

    # pushes ------------------------------------------------------------------------------------------
    def build_push(
        self, account: Account, target: Push, items: list[Report | MoRecord], attempt: int
    ) -> OutboundRequest:
        return push.build(account, target, items)
