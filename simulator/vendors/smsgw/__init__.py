"""smsgw: the generic /sms?action= gateway (seed 002).  See docs/vendors/smsgw.md."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ...core import redact
from ...core.accounts import Account
from ...core.errors import SimError
from ...core.models import Message, MoRecord, Report
from ...core.plugin import Destination, OutboundRequest, Pull, Push
from ...core.quotas import LIMITS as QUOTA_LIMITS
from ..base import DeliverySettings, Vendor, json_answer
from . import push, routes, wire
from .codes import REPORT_CODES, STATUS, SmsgwError, status_for
from .routes import ACCOUNT_KEY, ACTION_KEY

ChargeType = Literal["PRECHARGE", "POSTCHARGE"]
DIGITS = re.compile(r"[0-9]+")


class SmsgwAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extno: str = ""  # the account's access number; requests must use it (result 10)
    max_extension_digits: int = Field(default=6, ge=0)  # digits a client may append to extno (0: exact)
    price_per_segment: int = Field(default=60, ge=0)  # 厘 taken per billed segment
    charge_type: ChargeType | None = None  # None: POSTCHARGE when the account's allow_negative, else PRE
    require_signature: bool = False  # content must start or end with 【signature】 (result 17)
    signatures: list[str] = Field(default_factory=list)  # registered signatures; empty: any 【…】
    max_connections: int = Field(default=0, ge=0)  # concurrent requests per account (status 21); 0: no limit
    http_enabled: bool = True  # false: the account is opened for another access point (status 6)


class SmsgwSettings(DeliverySettings):
    """``vendors.smsgw``: the shared delivery settings (push answer must be ``OK``)."""


class SmsgwVendor(Vendor):
    key = "smsgw"
    secret_params = ("password",)  # plain for some actions, an MD5 (kept: a signature) for others
    title = "generic HTTP SMS gateway"
    AccountOptions = SmsgwAccountOptions
    Settings = SmsgwSettings
    report_codes: ClassVar[dict[str, str]] = REPORT_CODES
    # MA:0022 号码超过半小时下发次数限制: the document's only frequency code, for every limit
    quota_codes: ClassVar[dict[str, str]] = dict.fromkeys(QUOTA_LIMITS, "MA:0022")
    quota_defaults: ClassVar[dict[str, Any]] = {"window": 1800.0}  # 半小时
    unsubscribe_code = "MA:0023"  # 客户黑名单号码: the account's own list
    push_ok_body = push.OK_BODY
    settings: SmsgwSettings

    def __init__(self, settings: BaseModel | None = None) -> None:
        super().__init__(settings)
        self._inflight: dict[str, int] = {}

    def keep_param(self, value: str) -> bool:
        return redact.is_digest(value)

    def routes(self) -> list[web.RouteDef]:
        return routes.setup(self)

    def reset(self) -> None:
        self._inflight.clear()

    def error_label(self, err: SimError) -> str:
        status = status_for(err)
        return f"status {status} ({err.message if isinstance(err, SmsgwError) else STATUS[status]})"

    def render_error(self, request: web.Request, err: SimError) -> web.StreamResponse:
        status = status_for(err)
        account = request.get(ACCOUNT_KEY)
        balance = account.balance if account is not None else 0
        if request.get(ACTION_KEY) == "balance":
            return json_answer(wire.balance_answer(status, balance, None))
        return json_answer(wire.list_answer(status, balance, []))

    # accounts ----------------------------------------------------------------------------------------
    @staticmethod
    def options(account: Account) -> SmsgwAccountOptions:
        opts = account.options
        return opts if isinstance(opts, SmsgwAccountOptions) else SmsgwAccountOptions()

    def charge_type(self, account: Account) -> ChargeType:
        """PRECHARGE refuses a message the balance does not cover (result 15); POSTCHARGE goes negative."""
        explicit = self.options(account).charge_type
        if explicit is not None:
            return explicit
        return "POSTCHARGE" if account.allow_negative else "PRECHARGE"

    def extno_ok(self, account: Account, extno: str) -> bool:
        """The account's access number, optionally followed by up to ``max_extension_digits`` digits."""
        opts = self.options(account)
        if not opts.extno:
            return True
        if extno == opts.extno:
            return True
        suffix = extno[len(opts.extno) :]
        return (
            extno.startswith(opts.extno)
            and DIGITS.fullmatch(suffix) is not None
            and len(suffix) <= opts.max_extension_digits
        )

    def signature_ok(self, account: Account, content: str) -> bool:
        opts = self.options(account)
        if not opts.require_signature:
            return True
        sig = wire.signature_of(content)
        return sig is not None and (not opts.signatures or sig in opts.signatures)

    @contextlib.contextmanager
    def connection(self, account: Account) -> Iterator[None]:
        """Count the account's in-flight requests; one over ``max_connections`` is refused (status 21)."""
        limit = self.options(account).max_connections
        n = self._inflight.get(account.id, 0)
        if limit and n >= limit:
            raise SmsgwError(21).because(
                f"account {account.id} already has {n} requests in flight; options.max_connections is {limit}"
            )
        self._inflight[account.id] = n + 1
        try:
            yield
        finally:
            left = self._inflight.get(account.id, 1) - 1
            if left > 0:
                self._inflight[account.id] = left
            else:
                self._inflight.pop(account.id, None)

    def inflight(self, account_id: str) -> int:
        return self._inflight.get(account_id, 0)

    # ids ---------------------------------------------------------------------------------------------
    def new_mids(self, n: int) -> list[str]:
        """16 uppercase hex like the document's 4C2CA88382720003: a random 48-bit prefix per request and
        a 16-bit sequence, so the ids of one request are consecutive as in the examples."""
        base = self.sim.rng.getrandbits(48)
        return [f"{base:012X}{self.sim.store.next_number('smsgw.mid') & 0xFFFF:04X}" for _ in range(n)]

    def new_mo_id(self, mo: MoRecord) -> str:
        """Also fixes the MO's accessCode: the account's extno plus the extension replied to."""
        account = self.account(mo.account)
        base = self.options(account).extno if account is not None else ""
        if not mo.extension and mo.message_sim_id:
            msg = self.sim.store.get_message(mo.message_sim_id)
            sent_with = msg.extra.get("extno", "") if msg is not None else ""
            if base and sent_with.startswith(base):
                mo.extension = sent_with[len(base) :]
            elif not base:
                mo.extension = sent_with
        mo.extra["accessCode"] = base + mo.extension
        return self.new_mids(1)[0]

    # destinations and pushes -------------------------------------------------------------------------
    def report_destination(self, account: Account, message: Message) -> Destination | None:
        url = account.report_url or account.mo_url
        if account.mode == "push" and url:
            return Push(url, push.STREAM)
        return Pull("report", self.report_retention)

    def mo_destination(self, account: Account, mo: MoRecord) -> Destination | None:
        url = account.mo_url or account.report_url
        if account.mode == "push" and url:
            return Push(url, push.STREAM)
        return Pull("mo", self.mo_retention)

    def build_push(
        self, account: Account, target: Push, items: list[Report | MoRecord], attempt: int
    ) -> OutboundRequest:
        return push.build(target, items)


__all__ = ["SmsgwAccountOptions", "SmsgwSettings", "SmsgwVendor"]
