"""smsgw: the generic /sms?action= gateway (seed 002).  See docs/vendors/smsgw.md."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..base import Vendor


class SmsgwAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extno: str = ""  # the account's access number; requests must use it (result 10)


class SmsgwVendor(Vendor):
    key = "smsgw"
    title = "generic HTTP SMS gateway"
    AccountOptions = SmsgwAccountOptions
