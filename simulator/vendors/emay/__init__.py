"""emay: 亿美软通 EUCP (seed 004).  See docs/vendors/emay.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..base import Vendor


class EmayAccountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    push_format: Literal["encrypted", "plain"] = "encrypted"  # how reports and MO are pushed


class EmayVendor(Vendor):
    key = "emay"
    title = "亿美软通 EUCP"
    AccountOptions = EmayAccountOptions
