"""mobset: 广州首易 短信易 HTTP V3.0 (seed 003).  See docs/vendors/mobset.md."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..base import Vendor


class MobsetAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login_name: str = ""  # LoginName
    signature: str = ""  # added as 【signature】 when the content lacks it


class MobsetVendor(Vendor):
    key = "mobset"
    title = "广州首易 短信易 HTTP V3.0"
    AccountOptions = MobsetAccountOptions
