"""kx: 全网短信业务云平台 API v3.4 (seed 000).  See docs/vendors/kx.md."""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ...core.accounts import Account
from ...core.engine import Submission
from ...core.errors import SimError
from ...core.models import MoRecord, Report
from ...core.plugin import OutboundRequest, Push, PushPolicy
from ..base import REQUEST_ID, Vendor, fmt_time, json_answer
from . import push, routes, wire
from .codes import REPORT_CODES, error_for


class KxAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    http_enabled: bool = True  # false: every request gets code 5 (HTTP interface not opened)
    srcid: str = "1069018889001"  # the access number replies are addressed to (MO srcid), extnum appended


class KxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch_interval: float = Field(default=1.0, ge=0)  # seconds between pushes (the vendor: 60)
    batch_max: int = Field(default=500, ge=1)  # items per push
    retry_delays: list[float] = Field(default_factory=lambda: [10.0, 60.0, 300.0, 900.0, 3600.0])
    report_retention: float = Field(default=72 * 3600, gt=0)  # pull mode: kept this long unpolled
    mo_retention: float = Field(default=72 * 3600, gt=0)
    validity: float = Field(default=48 * 3600, gt=0)  # EXPIRED after this long on the simulated clock


class KxVendor(Vendor):
    key = "kx"
    title = "全网短信业务云平台 API v3.4"
    AccountOptions = KxAccountOptions
    Settings = KxSettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    push_ok_body = b"SUCCESS"
    settings: KxSettings

    def __init__(self, settings: BaseModel | None = None) -> None:
        super().__init__(settings)
        self.validity_seconds = self.settings.validity
        self.report_retention = self.settings.report_retention
        self.mo_retention = self.settings.mo_retention

    def routes(self) -> list[web.RouteDef]:
        return routes.setup(self)

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        return json_answer(wire.error(*error_for(err)))

    # ids and submissions -----------------------------------------------------------------------------
    def new_taskid(self) -> str:
        """22 digits like the document's 1222015900000109761867: MMddHHmmss + a 12-digit sequence."""
        seq = self.sim.store.next_number("kx.task")
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
        engine.accept(account, subs, decisions, request.get(REQUEST_ID))

    # pushes ------------------------------------------------------------------------------------------
    def srcid(self, account: Account, mo: MoRecord) -> str:
        return push.srcid_for(account.options.srcid, mo)

    def new_mo_id(self, mo: MoRecord) -> str:
        if not mo.extension and mo.message_sim_id:
            msg = self.sim.store.get_message(mo.message_sim_id)
            if msg is not None:
                mo.extension = msg.extra.get("extnum", "")
        return self.sim.uuid().hex

    def push_policy(self, account: Account, stream: str) -> PushPolicy:
        s = self.settings
        return PushPolicy(s.batch_interval, s.batch_max, list(s.retry_delays), self.sim.callback_timeout)

    def build_push(
        self, account: Account, target: Push, items: list[Report | MoRecord], attempt: int
    ) -> OutboundRequest:
        return push.build(target, items, account.options.srcid)
