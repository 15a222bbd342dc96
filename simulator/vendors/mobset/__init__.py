"""mobset: 广州首易 短信易 HTTP V3.0 (seed 003).  See docs/vendors/mobset.md.

The platform is poll-only: status reports and replies wait in pull queues (48 hours and 10 days) for
SmsGetReport and SmsGetRecv, whatever the account's ``mode`` says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from ...core.accounts import Account
from ...core.errors import SimError
from ...core.models import Message, MoRecord
from ...core.plugin import Destination, Pull
from ..base import BEIJING, DeliverySettings, TimestampSettings, TimestampZone, Vendor, json_answer
from . import routes, wire
from .codes import REPORT_CODES, error_for
from .wire import METHOD_KEY


class MobsetAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login_name: str = ""  # LoginName; empty: any LoginName is accepted
    signature: str = ""  # added as 【signature】 when the content lacks it; empty: SmsSend gets -132
    signature_position: Literal["prefix", "suffix"] = "prefix"  # where the platform adds it (前置/后置)
    signature_approved: bool = True  # false: SmsSend gets -133 (签名未报备或签名未审核通过)
    status: Literal["active", "disabled", "expired", "closed"] = "active"  # the enterprise's state
    expires_at: datetime | None = None  # on the simulated clock; naive = Beijing; after it SmsSend: -125
    user_status: Literal["active", "disabled"] = "active"  # disabled: SmsSend gets -112 (用户状态异常)
    sdk_enabled: bool = True  # false: every method gets -104 (SDK permission not opened)
    sms_permission: bool = True  # false: SmsSend gets -111
    daily_limit: int | None = Field(default=None, ge=0)  # billed messages per Beijing day (→ -126)
    user_quota: int | None = Field(default=None, ge=0)  # the user's own allowance (sub-account) (→ -129)
    access_number: str = "1069117916"  # the number MO is addressed to (RecvNumber = this + AddNum)
    max_addnum: int = Field(default=6, ge=0, le=12)  # longest AddNum accepted (→ -102)

    @field_validator("expires_at")
    @classmethod
    def _beijing(cls, v: datetime | None) -> datetime | None:
        return v.replace(tzinfo=BEIJING) if v is not None and v.tzinfo is None else v


class MobsetSettings(TimestampSettings, DeliverySettings):
    """Poll-only: the push fields of DeliverySettings are unused."""

    report_retention: float = Field(default=48 * 3600, gt=0)  # §4.3: reports kept 48 hours
    mo_retention: float = Field(default=10 * 86400, gt=0)  # §4.2: replies kept 10 days
    # §3.2: TimeStamp is Beijing time within 20 minutes; `time_window` is the key's earlier name
    timestamp_zones: list[TimestampZone] = Field(default_factory=lambda: ["beijing"])
    timestamp_window: float = Field(
        default=20 * 60, gt=0, validation_alias=AliasChoices("timestamp_window", "time_window")
    )
    max_content: int = Field(default=500, ge=1)  # characters including the signature (→ -110)
    sms_id_start: int = Field(default=500000000, ge=1)  # SmsIds are this + 1, + 2, … (§4.6.3: 500004690)


class MobsetVendor(Vendor):
    key = "mobset"
    secret_params = ("Password",)  # the document sends SecretKey (an MD5); a plain Password is masked
    title = "广州首易 短信易 HTTP V3.0"
    AccountOptions = MobsetAccountOptions
    Settings = MobsetSettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    settings: MobsetSettings
    mo_extension_key = "add_num"

    def routes(self) -> list[web.RouteDef]:
        return routes.setup(self)

    def error_label(self, err: SimError) -> str:
        return "Code {} ({})".format(*error_for(err, None))

    def render_error(self, request: web.Request, err) -> web.StreamResponse:
        return json_answer(wire.error(*error_for(err, request.get(METHOD_KEY))))

    # ids ---------------------------------------------------------------------------------------------
    def new_sms_id(self) -> str:
        return str(self.settings.sms_id_start + self.sim.store.next_number("mobset.sms", spread=10**9))

    def new_mo_id(self, mo: MoRecord) -> str:
        """MO carries the AddNum it was addressed to: given, or the one of the message it answers."""
        self.reply_extension(mo)
        return str(self.sim.store.next_number("mobset.mo", spread=10**9))

    # poll-only: reports and replies always wait for SmsGetReport / SmsGetRecv ----------------------------
    def report_destination(self, account: Account, message: Message) -> Destination | None:
        return Pull("report", self.report_retention)

    def mo_destination(self, account: Account, mo: MoRecord) -> Destination | None:
        return Pull("mo", self.mo_retention)

    # account state -----------------------------------------------------------------------------------
    def expired(self, account: Account) -> bool:
        opts: Any = account.options
        if opts.status == "expired":
            return True
        return opts.expires_at is not None and self.sim.clock.now() >= opts.expires_at.timestamp()
