"""Realistic traffic on demand: ``sms-simulator traffic`` and ``POST /_sim/traffic``.

- :mod:`.content`: the seeded plan (vendors, recipients, faker-made texts, who replies with what).
- :mod:`.clients`: one send per vendor through its real wire protocol, signed by the vendor package.
- :mod:`.runner`: options, rate control on the real clock, counters, progress and summary.
"""

from .clients import Credentials, Result
from .content import Item, Planner
from .runner import OptionError, Options, Traffic, parse_options, pick_credentials, planner_for

__all__ = [
    "Credentials",
    "Item",
    "OptionError",
    "Options",
    "Planner",
    "Result",
    "Traffic",
    "parse_options",
    "pick_credentials",
    "planner_for",
]
