"""huawei: Huawei Cloud MSGSMS (seed 001).  See docs/vendors/huawei.md."""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ...core.accounts import Account
from ...core.errors import SimError
from ...core.models import Message, MoRecord
from ...core.plugin import Destination, Keep, OutboundRequest, Push, PushPolicy
from ..base import DeliverySettings, Vendor, json_answer
from . import iam, manage, push, wire
from .codes import REPORT_CODES, error_for
from .iam import ManageSettings
from .manage.common import MgmtError


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str  # the channel number used as `from`
    signature: str  # the approved signature text, without 【】
    type: str = "NOTIFY_TYPE"  # VERIFY_CODE_TYPE | NOTIFY_TYPE | PROMOTION_TYPE | UNIVERSAL_TYPE


class TemplateDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    type: str = "NOTIFY_TYPE"
    content: str  # with ${1}, ${2}… variables
    max_lengths: list[int] = Field(default_factory=list)  # one per variable


class HuaweiAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project_id: str = "demoproject0001"  # the project the app belongs to
    app_name: str = ""
    channels: list[Channel] = Field(default_factory=list)  # approved signatures and their channels
    templates: list[TemplateDef] = Field(default_factory=list)  # approved templates
    push_ak: str | None = None  # push AK/SK (seed §4.3): when both are set, pushes are signed
    push_sk: str | None = None
    mo_create_time: bool = False  # "接收上行短信回复时间": add createTime to MO pushes
    daily_limit: int | None = Field(default=None, ge=0)  # messages per Beijing day (E000623), None: no limit
    monthly_limit: int | None = Field(default=None, ge=0)  # messages per Beijing month (E000623)


class HuaweiSettings(ManageSettings, DeliverySettings):
    """``vendors.huawei`` in the config file: the management half's fields plus these."""

    wsse_window: float = Field(default=24 * 3600, gt=0)  # X-WSSE Created: seconds either side (E000110)
    aksk_window: float = Field(default=15 * 60, gt=0)  # X-Sdk-Date: seconds either side (E000044)
    replay_check: bool = True  # refuse an X-WSSE nonce reused inside the window (E000101)
    nonce_max_entries: int = Field(default=100_000, ge=1)  # nonces remembered at most (oldest dropped)
    report_interval: float = Field(default=0.0, ge=0)  # seconds before a statusCallback / MO push
    batch_max: int = Field(default=push.BATCH_MAX, ge=1, le=push.BATCH_MAX)  # reports per batch POST
    retry_delays: list[float] = Field(default_factory=lambda: [10.0, 60.0, 300.0])  # on connection errors
    report_retention: float = Field(default=3600, gt=0)  # no callback address: kept this long
    validity: float = Field(default=72 * 3600, gt=0)  # EXPIRED after this long (the doc: 72 hours)


class HuaweiVendor(Vendor):
    key = "huawei"
    secret_json = ("password",)  # IAM POST /v3/auth/tokens
    secret_params = ("app_secret", "password")
    title = "Huawei Cloud MSGSMS"
    AccountOptions = HuaweiAccountOptions
    Settings = HuaweiSettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    # receipt codes: LIMIT 当日…达到下发限制, MILIMIT 一分钟内…太多, F11301 超过月发送限制,
    # FYLIMIT 短信发送超过频次限制
    quota_codes: ClassVar[dict[str, str]] = {
        "per_day": "LIMIT",
        "per_window": "MILIMIT",
        "per_month": "F11301",
        "same_content": "FYLIMIT",
    }
    quota_defaults: ClassVar[dict[str, Any]] = {"window": 60.0}  # MILIMIT: a minute
    unsubscribe_code = "SC:0016"  # §3.2.5 and the receipt codes: 退订黑名单拦截
    segment_reports = True  # §3.2.5: a long message gets one report per segment (sequence/total)
    settings: HuaweiSettings

    def secrets(self) -> list[str]:
        """Account app secrets, IAM passwords and AK/SK secret keys."""
        return [
            *super().secrets(),
            *(u.password for u in self.settings.iam_users),
            *(k.sk for k in self.settings.access_keys),
        ]

    def bind(self, sim) -> None:
        super().bind(sim)
        from . import registry

        registry.load_configured(sim)

    def reset(self) -> None:
        from . import registry

        registry.load_configured(self.sim)

    def timer_handlers(self) -> dict[str, Any]:
        from .manage import signatures, templates

        return {
            signatures.SIGNATURE_REVIEWED: lambda *a: signatures.signature_reviewed(self.sim, *a),
            templates.TEMPLATE_REVIEWED: lambda *a: templates.template_reviewed(self.sim, *a),
        }

    def routes(self) -> list[web.RouteDef]:
        from . import routes

        return routes.setup(self) + iam.routes(self) + manage.routes(self)

    def error_label(self, err: SimError) -> str:
        if isinstance(err, MgmtError):
            return f"{err.code} ({err.detail_text})"
        _, code, description = error_for(err)
        return f"{code} ({description})"

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        status, code, description = error_for(err)
        return json_answer(wire.answer(code, description), status=status)

    # VendorCore --------------------------------------------------------------------------------------
    def report_destination(self, account: Account, message: Message) -> Destination | None:
        callback = message.extra.get("callback")
        if callback:
            dest: Destination = Push(callback, push.STREAM_REPORT)
        elif account.report_url:
            dest = Push(account.report_url, push.STREAM_BATCH)
        else:
            return Keep(self.report_retention)
        return dest

    def mo_destination(self, account: Account, mo: MoRecord) -> Destination | None:
        if account.mo_url:
            return Push(account.mo_url, push.STREAM_MO)
        return Keep(self.report_retention)

    def new_mo_id(self, mo: MoRecord) -> str:
        """A plain UUID like the seed's example; `to` is the channel the phone replied to (+ extension)."""
        channel = ""
        msg = self.sim.store.get_message(mo.message_sim_id) if mo.message_sim_id else None
        if msg is not None:
            channel = msg.extra.get("from", "")
        else:
            account = self.account(mo.account)
            if account is not None and account.options.channels:
                channel = account.options.channels[0].channel
        mo.extra["to"] = channel + (mo.extension or "")
        return str(self.sim.uuid())

    def push_policy(self, account: Account, stream: str) -> PushPolicy:
        s = self.settings
        if stream == push.STREAM_BATCH:
            return super().push_policy(account, stream)
        return PushPolicy(s.report_interval, 1, list(s.retry_delays), self.sim.callback_timeout)

    def build_push(self, account: Account, target: Push, items: list[Any], attempt: int) -> OutboundRequest:
        opts: HuaweiAccountOptions = account.options
        signer = (opts.push_ak, opts.push_sk) if opts.push_ak and opts.push_sk else None
        return push.build(target, items, opts.mo_create_time, signer, self.sim.clock.auth_now())

    def push_accepted(self, stream: str, status: int, body: bytes) -> bool:
        """ "用户可以返回任意响应消息给短信平台，短信平台不会对响应消息处理": any answer is taken."""
        return True

    def push_expectation(self, stream: str) -> str:
        return "any answer at all (the platform does not read it)"
