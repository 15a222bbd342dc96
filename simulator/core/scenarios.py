"""Scenarios: YAML rules that decide what the carrier does with each message.

A scenario has ``rules`` matched in order (first match wins) by vendor, account, recipient and
content; a rule sets the outcome (or weighted ``outcomes``), a raw vendor ``code``, a ``delay``, ``mo``
replies and API ``fault``s.  ``reviews`` decide signature/template review results.  ``seed`` makes
random choices repeatable.  See docs/scenarios.md for the reference.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .errors import REASONS
from .models import OUTCOMES
from .yamlfile import load_yaml_file, parse_yaml, unknown

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "scenarios"

# The vendor keys a scenario may name.  The core imports no vendor: simulator.vendors fills this when it
# is imported (every entry point imports it); left empty, vendor names are not checked.
VENDOR_KEYS: list[str] = []


def register_vendors(keys: Iterable[str]) -> None:
    VENDOR_KEYS[:] = list(keys)


def _vendor_key(v: str) -> str:
    if VENDOR_KEYS and v not in VENDOR_KEYS:
        raise ValueError(unknown("vendor", v, VENDOR_KEYS))
    return v


def _outcome_name(v: str) -> str:
    if v not in OUTCOMES:
        raise ValueError(unknown("outcome", v, OUTCOMES))
    return v


VendorKey = Annotated[str, AfterValidator(_vendor_key)]
OutcomeName = Annotated[str, AfterValidator(_outcome_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_list(v: Any) -> Any:
    if v is None or isinstance(v, list):
        return v
    return [v]


class Match(_Strict):
    vendor: list[VendorKey] | None = None  # one key or a list
    account: list[str] | None = None  # account ids
    mobile: list[str] | None = None  # exact recipients
    mobile_prefix: list[str] | None = None  # recipient starts with one of these
    mobile_regex: str | None = None  # recipient matches (re.fullmatch)
    content: list[str] | None = None  # content contains one of these substrings
    content_regex: str | None = None  # content matches (re.search)
    template: list[str] | None = None  # template id used (vendors with templates)

    _v = field_validator(
        "vendor", "account", "mobile", "mobile_prefix", "content", "template", mode="before"
    )(lambda v: [str(x) for x in _as_list(v)] if v is not None else None)

    @field_validator("mobile_regex", "content_regex")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class DelayRange(_Strict):
    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> DelayRange:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class DelayNormal(_Strict):
    mean: float = Field(ge=0)
    stddev: float = Field(ge=0)


class LognormalParams(_Strict):
    median: float = Field(gt=0)  # half the values are below it
    sigma: float = Field(ge=0, le=5)  # spread of log(value); 0.5 gives a realistic long tail


class DelayLognormal(_Strict):
    lognormal: LognormalParams


# Union members are told apart by the value's shape (a callable discriminator), so a wrong delay gets
# one problem from the form it resembles, not one per form.  Tags start with "~": validation errors
# carry them in their location and yamlfile leaves them out of the field it prints.
DELAY_FORMS = "seconds (a number ≥ 0), {min, max}, {mean, stddev} or {lognormal: {median, sigma}}"


def _delay_form(v: Any, validity: bool) -> str | None:
    """The form a delay value has: a tag, or None for no known form (also called when dumping, with
    the validated value)."""
    if isinstance(v, BaseModel):
        return _FORM_TAGS.get(type(v))
    if isinstance(v, bool):  # YAML's yes/true is not a number of seconds
        return None
    if isinstance(v, dict):
        if "lognormal" in v:
            return "~lognormal"
        if "mean" in v or "stddev" in v:
            return "~normal"
        if "min" in v or "max" in v:
            return "~range"
        return None
    if isinstance(v, str):
        if v == "validity":
            return "~validity" if validity else None
        try:
            float(v)
        except ValueError:
            return None
    return "~seconds" if isinstance(v, int | float | str) else None


_FORM_TAGS: dict[type, str] = {DelayRange: "~range", DelayNormal: "~normal", DelayLognormal: "~lognormal"}


def _delay(seconds: Any, validity: bool = False) -> Any:
    """The delay forms a field takes, told apart by the value's shape."""
    forms = [
        Annotated[seconds, Tag("~seconds")],
        Annotated[DelayRange, Tag("~range")],
        Annotated[DelayNormal, Tag("~normal")],
        Annotated[DelayLognormal, Tag("~lognormal")],
    ]
    if validity:
        forms.insert(1, Annotated[Literal["validity"], Tag("~validity")])
    message = "a delay is " + ("'validity', " if validity else "") + DELAY_FORMS
    return Annotated[
        Union[tuple(forms)],  # noqa: UP007 (built from a list)
        Discriminator(
            lambda v: _delay_form(v, validity), custom_error_type="delay", custom_error_message=message
        ),
    ]


Seconds = Annotated[float, Field(ge=0)]
Delay = _delay(Seconds, validity=True)

LATENCY_CAP = 60.0  # real seconds: a sampled response latency never exceeds it
LatencyDelay = _delay(Annotated[float, Field(ge=0, le=LATENCY_CAP)])


class Latency(_Strict):
    """Real time added before a vendor endpoint answers (first matching entry wins)."""

    vendor: list[VendorKey] | None = None  # one key or a list; none: every vendor
    path: list[str] | None = None  # exact request path(s); none: every endpoint of the vendor(s)
    delay: LatencyDelay

    _v = field_validator("vendor", "path", mode="before")(
        lambda v: [str(x) for x in _as_list(v)] if v is not None else None
    )

    @field_validator("path")
    @classmethod
    def _paths(cls, v: list[str] | None) -> list[str] | None:
        for p in v or ():
            if not p.startswith("/"):
                raise ValueError(f"a path starts with '/': {p!r}")
        return v


class MoReply(_Strict):
    content: str  # what the phone replies
    delay: float = Field(default=5, ge=0)  # seconds after the delivery report


class Fault(_Strict):
    error: str | None = None  # a vendor-neutral reason (system_error, rate_limited, …) → vendor code
    http_status: int | None = Field(default=None, ge=400, le=599)  # answer a bare HTTP error instead
    latency: float = Field(default=0, ge=0, le=60)  # real seconds added before answering
    drop: bool = False  # close the connection without an answer
    probability: float = Field(default=1.0, ge=0, le=1)

    @field_validator("error")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        if v is not None and v not in REASONS:
            raise ValueError(unknown("error", v, sorted(REASONS)))
        return v


Probability = Annotated[float, Field(ge=0, le=1)]
ReportDelay = _delay(Seconds)

# a rule's raw report code: one for every vendor, or one per vendor key
Code = Annotated[
    Union[Annotated[str, Tag("~one")], Annotated[dict[VendorKey, str], Tag("~each")]],  # noqa: UP007
    Discriminator(lambda v: "~each" if isinstance(v, dict) else "~one"),
]


class Late(_Strict):
    probability: Probability = 1.0
    delay: ReportDelay  # simulated seconds the report is held back


class MoChaos(_Strict):
    """What goes wrong with an item on its way to the customer: the replies (MO) a rule's ``mo:`` makes,
    and (with :class:`Chaos`'s own keys) a message's report."""

    drop: Probability = 0.0  # the item is made but never delivered (no push, never in a poll)
    duplicate: Probability = 0.0  # the item is delivered a second time ...
    duplicate_after: float = Field(default=5.0, ge=0)  # ... this many simulated seconds after the first
    late: Late | None = None  # the item is delivered (pushed, or queued for polling) only after a delay


class Chaos(MoChaos):
    """What goes wrong with a message's report between the carrier and the customer (each drawn per
    message with the scenario's seed)."""

    fail_first: Probability = 0.0  # push: the first attempt of the push carrying it fails (a retry follows)
    lose_segment: Probability = 0.0  # per-segment vendors (huawei): one segment's report of a long message
    before_answer: Probability = 0.0  # the report is made at once and delivered before the send is answered
    after_expiry: Late | None = None  # marked expired at the validity; the report comes `delay` s after it
    slow_push: Late | None = None  # push: the attempt carrying the report is held back `delay` s
    mo: MoChaos | None = None  # the replies' chaos


class Rule(_Strict):
    name: str = ""
    match: Match = Field(default_factory=Match)
    outcome: OutcomeName | None = None
    outcomes: dict[OutcomeName, float] | None = None  # weights, normalised
    code: Code | None = None  # raw vendor report code, or one per vendor key
    delay: Delay | None = None
    mo: list[MoReply] = Field(default_factory=list)
    fault: Fault | None = None
    chaos: Chaos | None = None

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return v

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        if self.outcome is not None and self.outcomes is not None:
            raise ValueError("give either outcome or outcomes, not both")
        return self


class Defaults(_Strict):
    outcome: OutcomeName = "delivered"
    delay: Delay = 2.0


class ReviewMatch(_Strict):
    kind: list[Literal["signature", "template"]] | None = None
    vendor: list[VendorKey] | None = None
    name_contains: str | None = None
    content_contains: str | None = None

    _v = field_validator("kind", "vendor", mode="before")(lambda v: _as_list(v))


class Review(_Strict):
    match: ReviewMatch = Field(default_factory=ReviewMatch)
    result: Literal["approved", "rejected"] = "approved"
    delay: float = Field(default=5, ge=0)
    reason: str = ""


class Scenario(_Strict):
    name: str = "unnamed"
    description: str = ""
    seed: int | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    rules: list[Rule] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)
    latency: list[Latency] = Field(default_factory=list)  # response latency per vendor and endpoint


@dataclass
class Decision:
    """What the carrier will do with one message."""

    outcome: str = "delivered"
    delay: float = 0.0
    use_validity: bool = False  # delay is the vendor's validity period
    code: str | None = None  # raw vendor code override
    mo: list[MoReply] = field(default_factory=list)
    fault: Fault | None = None  # a fault that fired for this request
    rule: str = "defaults"
    chaos: dict[str, Any] | None = None  # the report chaos drawn for it (see ScenarioRunner._chaos)


@dataclass
class ReviewDecision:
    result: str
    delay: float
    reason: str


def load_scenario(path: str | Path) -> Scenario:
    return load_yaml_file(path, Scenario)


def parse_scenario(text: str | bytes, source: str = "<scenario>") -> Scenario:
    return parse_yaml(text, Scenario, source)


def builtin_scenario(name: str = "default") -> Scenario:
    return load_scenario(BUILTIN_DIR / f"{name}.yaml")


class _CompiledRule:
    __slots__ = (
        "accounts",
        "content",
        "content_re",
        "mobile_re",
        "mobiles",
        "prefixes",
        "rule",
        "templates",
        "vendors",
    )

    def __init__(self, rule: Rule) -> None:
        m = rule.match
        self.rule = rule
        self.vendors = frozenset(m.vendor) if m.vendor else None
        self.accounts = frozenset(m.account) if m.account else None
        self.mobiles = frozenset(m.mobile) if m.mobile else None
        self.prefixes = tuple(m.mobile_prefix) if m.mobile_prefix else None
        self.mobile_re = re.compile(m.mobile_regex) if m.mobile_regex else None
        self.content = tuple(m.content) if m.content else None
        self.content_re = re.compile(m.content_regex) if m.content_regex else None
        self.templates = frozenset(m.template) if m.template else None

    def matches(self, vendor: str, account: str, mobile: str, content: str, template: str | None) -> bool:
        return (
            (self.vendors is None or vendor in self.vendors)
            and (self.accounts is None or account in self.accounts)
            and (self.mobiles is None or mobile in self.mobiles)
            and (self.prefixes is None or mobile.startswith(self.prefixes))
            and (self.mobile_re is None or self.mobile_re.fullmatch(mobile) is not None)
            and (self.content is None or any(c in content for c in self.content))
            and (self.content_re is None or self.content_re.search(content) is not None)
            and (self.templates is None or (template is not None and template in self.templates))
        )


def _sample(rng: random.Random, d: Any) -> float:
    """A value from a delay distribution: a number, uniform, normal (clipped at 0) or lognormal."""
    if isinstance(d, int | float):  # the usual fixed delay: no isinstance against pydantic's metaclass
        return float(d)
    if isinstance(d, DelayRange):
        return rng.uniform(d.min, d.max)
    if isinstance(d, DelayNormal):
        return max(0.0, rng.gauss(d.mean, d.stddev))
    if isinstance(d, DelayLognormal):
        return rng.lognormvariate(math.log(d.lognormal.median), d.lognormal.sigma)
    return float(d)


class ScenarioRunner:
    """A scenario compiled for matching, with its own seeded random generator."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = seed if seed is not None else (scenario.seed if scenario.seed is not None else 0)
        self.rng = random.Random(self.seed)
        # its own generator: adding latency to a scenario does not change the outcomes it draws
        self.latency_rng = random.Random(f"latency:{self.seed}")
        self._rules = [_CompiledRule(r) for r in scenario.rules]
        self._latency = [
            (frozenset(e.vendor) if e.vendor else None, frozenset(e.path) if e.path else None, e.delay)
            for e in scenario.latency
        ]

    def _delay(self, d: Any) -> tuple[float, bool]:
        if d == "validity":
            return 0.0, True
        return _sample(self.rng, d), False

    def latency(self, vendor: str, path: str) -> float:
        """Real seconds to wait before a vendor's endpoint answers (0: none), capped at LATENCY_CAP."""
        for vendors, paths, delay in self._latency:
            if (vendors is None or vendor in vendors) and (paths is None or path in paths):
                return min(LATENCY_CAP, _sample(self.latency_rng, delay))
        return 0.0

    def decide(
        self, vendor: str, account: str, mobile: str, content: str, template: str | None = None
    ) -> Decision:
        for c in self._rules:
            if c.matches(vendor, account, mobile, content, template):
                return self._apply(c.rule, vendor)
        d = self.scenario.defaults
        delay, validity = self._delay(d.delay)
        return Decision(outcome=d.outcome, delay=delay, use_validity=validity)

    def _apply(self, rule: Rule, vendor: str) -> Decision:
        defaults = self.scenario.defaults
        fault = None
        if rule.fault is not None and (
            rule.fault.probability >= 1.0 or self.rng.random() < rule.fault.probability
        ):
            fault = rule.fault
        if rule.outcomes:
            names = list(rule.outcomes)
            outcome = self.rng.choices(names, weights=[rule.outcomes[n] for n in names])[0]
        else:
            outcome = rule.outcome or defaults.outcome
        delay, validity = self._delay(rule.delay if rule.delay is not None else defaults.delay)
        code = rule.code.get(vendor) if isinstance(rule.code, dict) else rule.code
        chaos = self._chaos(rule.chaos) if rule.chaos is not None else None
        return Decision(outcome, delay, validity, code, list(rule.mo), fault, rule.name or "rule", chaos)

    def _chance(self, p: float) -> bool:
        return p >= 1.0 or (p > 0 and self.rng.random() < p)

    def _chaos(self, c: Chaos) -> dict[str, Any] | None:
        """Draw what happens to one message's report: plain data for the engine's plan."""
        out = self._delivery(c)
        if self._chance(c.fail_first):
            out["fail_first"] = True
        if self._chance(c.lose_segment):
            out["lose_segment"] = self.rng.random()  # which segment: a fraction of the message's segments
        if self._chance(c.before_answer):
            out["before_answer"] = True
        if c.after_expiry is not None and self._chance(c.after_expiry.probability):
            out["after_expiry"] = _sample(self.rng, c.after_expiry.delay)
        if c.slow_push is not None and self._chance(c.slow_push.probability):
            out["slow_push"] = _sample(self.rng, c.slow_push.delay)
        if c.mo is not None:
            mo = self._delivery(c.mo)
            if mo:
                out["mo"] = mo
        return out or None

    def _delivery(self, c: MoChaos) -> dict[str, Any]:
        """Draw drop, duplicate and late (a report's or a reply's)."""
        out: dict[str, Any] = {}
        if self._chance(c.drop):
            out["drop"] = True
        if self._chance(c.duplicate):
            out["duplicate"] = c.duplicate_after
        if c.late is not None and self._chance(c.late.probability):
            out["late"] = _sample(self.rng, c.late.delay)
        return out

    def review(self, kind: str, vendor: str, name: str, content: str) -> ReviewDecision:
        for r in self.scenario.reviews:
            m = r.match
            if (
                (m.kind is None or kind in m.kind)
                and (m.vendor is None or vendor in m.vendor)
                and (m.name_contains is None or m.name_contains in name)
                and (m.content_contains is None or m.content_contains in content)
            ):
                return ReviewDecision(r.result, r.delay, r.reason)
        return ReviewDecision("approved", 5.0, "")
