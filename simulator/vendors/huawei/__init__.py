"""huawei: Huawei Cloud MSGSMS (seed 001).  See docs/vendors/huawei.md."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..base import Vendor


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


class HuaweiVendor(Vendor):
    key = "huawei"
    title = "Huawei Cloud MSGSMS"
    AccountOptions = HuaweiAccountOptions

    def bind(self, sim) -> None:
        super().bind(sim)
        from . import registry

        registry.load_configured(sim)

    def reset(self) -> None:
        from . import registry

        registry.load_configured(self.sim)
