"""The vendor registry: key → vendor class.  One package per vendor, the same modules in each."""

from __future__ import annotations

from ..core.scenarios import register_vendors
from .base import Vendor
from .emay import EmayVendor
from .huawei import HuaweiVendor
from .kx import KxVendor
from .mobset import MobsetVendor
from .smsgw import SmsgwVendor

VENDORS: dict[str, type[Vendor]] = {
    "kx": KxVendor,
    "huawei": HuaweiVendor,
    "smsgw": SmsgwVendor,
    "mobset": MobsetVendor,
    "emay": EmayVendor,
}
register_vendors(VENDORS)  # scenarios refuse other vendor names
