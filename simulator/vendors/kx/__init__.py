"""kx: 全网短信业务云平台 API v3.4 (seed 000).  See docs/vendors/kx.md."""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ...core.accounts import Account
from ...core.engine import Submission
from ...core.errors import SimError
from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push
from ..base import REQUEST_ID, DeliverySettings, Vendor, fmt_time, json_answer
from . import push, routes, wire
from .codes import REPORT_CODES, error_for


class KxAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    http_enabled: bool = True  # false: every request gets code 5 (HTTP interface not opened)
    srcid: str = "1069018889001"  # the access number replies are addressed to (MO srcid), extnum appended


class KxSettings(DeliverySettings):
    """``vendors.kx``: the shared delivery settings with their defaults (the real vendor pushes once a
    minute; the sandbox batches for 1 s)."""


class KxVendor(Vendor):
    key = "kx"
    secret_params = ("apikey",)  # signed with it, never sent: masked if a client sends it anyway
    title = "全网短信业务云平台 API v3.4"
    AccountOptions = KxAccountOptions
    Settings = KxSettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    # 12.2 状态回执: F11300 系统频控超过日限额 (默认每个号码动态 24 小时内仅允许收到 50 条), F11301 月限额
    # (每月 300 条), F11330 同一个号码同一个内容一天发送两次; no short window in the document: F11300
    quota_codes: ClassVar[dict[str, str]] = {
        "per_day": "F11300",
        "per_month": "F11301",
        "per_window": "F11300",
        "same_content": "F11330",
    }
    quota_defaults: ClassVar[dict[str, Any]] = {"per_day": 50, "per_month": 300, "same_content": 86400.0}
    push_ok_body = b"SUCCESS"
    mo_extension_key = "extnum"

    def routes(self) -> list[web.RouteDef]:
        return routes.setup(self)

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        return json_answer(wire.error(*error_for(err)))

    def error_label(self, err: SimError) -> str:
        return "code {} ({})".format(*error_for(err))

    # ids and submissions -----------------------------------------------------------------------------
    def new_taskid(self) -> str:
        """22 digits like the document's 1222015900000109761867: MMddHHmmss + a 12-digit sequence."""
        seq = self.sim.store.next_number("kx.task", spread=10**11)
        return fmt_time(self.sim.clock.now(), "%m%d%H%M%S") + f"{seq:012d}"

    def submission(self, mobile: str, content: str, taskid: str, common: wire.Common) -> Submission:
        extra: dict[str, Any] = {}
        if common.messageid:
            extra["messageid"] = common.messageid
        if common.extnum:
            extra["extnum"] = common.extnum
        return Submission(
            mobile, content, id=taskid, batch=taskid, scheduled_at=common.scheduled_at, extra=extra
        )

    async def submit(self, account: Account, subs: list[Submission], request: web.Request) -> None:
        engine = self.sim.engine
        decisions = [
            engine.decide(self.key, account, s)
            if wire.valid_mobile(s.mobile)
            else routes.invalid_number_decision()
            for s in subs
        ]
        await engine.apply_faults(decisions)
        await engine.accept(account, subs, decisions, request.get(REQUEST_ID))

    # pushes ------------------------------------------------------------------------------------------
    def srcid(self, account: Account, mo: MoRecord) -> str:
        return push.srcid_for(account.options.srcid, mo)

    def build_push(
        self, account: Account, target: Push, items: list[Report | MoRecord], attempt: int
    ) -> OutboundRequest:
        return push.build(target, items, account.options.srcid)
