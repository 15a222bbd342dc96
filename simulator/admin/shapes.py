"""The admin API's request bodies and answers, defined once as pydantic models.

* Request bodies are validated with these models (``parse_body``): a 400 names the field and what it
  must be — the field's ``description``, which is also what the OpenAPI document says about it.
* Answers are still built as plain dicts by the records (``Message.summary()``, ``Account.public()``…)
  and serialized with orjson: validating and dumping a page of 1,000 messages through its model takes
  ~8 ms where orjson takes 0.4 ms (a whole page is 5-13 ms in bench/pages.py).  The answer models
  describe those dicts for the OpenAPI document (``openapi.py`` generates it from them, GET
  /_sim/openapi.json), and tests validate real answers against it, so a field added to a record
  without its model fails a test.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ..config import AccountConfig, parse_window
from ..core.models import OUTCOMES, Status
from ..core.quotas import Quotas
from ..core.scenarios import Scenario
from ..traffic.runner import OptionsIn

Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]
TEN_YEARS = 10 * 365 * 86400


def _no_defaults(schema: dict[str, Any]) -> None:
    """A PATCH field's absence means "unchanged", not a default value: leave defaults out."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class Body(BaseModel):
    """A request body: unknown keys are ignored (as they always were), numbers taken as text."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


class Answer(BaseModel):
    """An answer's shape: exactly these keys (additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid")


# -- reading a body ------------------------------------------------------------------------------------
def body_problem(model: type[BaseModel], err: Any) -> str:
    """One line for a validation error: a validator's own words, else ``<field> must be <description>``."""
    loc = err["loc"]
    field = str(loc[0]) if loc else ""
    if err["type"] == "value_error" or field not in model.model_fields:
        return err["msg"].removeprefix("Value error, ")
    what = model.model_fields[field].description or "valid"
    if err["type"] == "missing":
        return f"{field} is required ({what})"
    return f"{field} must be {what}"


def body_problems(model: type[BaseModel], body: dict[str, Any]) -> tuple[BaseModel | None, list[str]]:
    try:
        return model.model_validate(body), []
    except ValidationError as e:
        problems = list(dict.fromkeys(body_problem(model, x) for x in e.errors()))  # one line per field
        return None, problems


# -- request bodies ------------------------------------------------------------------------------------
def _instant(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise PydanticCustomError("instant", "not an instant") from None
        return (dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)).timestamp()
    raise PydanticCustomError("instant", "not an instant")


Instant = Annotated[Any, AfterValidator(_instant), WithJsonSchema({"type": ["number", "string"]})]


def _networks(values: list[str]) -> list[str]:
    for a in values:
        try:
            ipaddress.ip_network(a, strict=False)
        except ValueError as e:
            raise ValueError(f"ip_allowlist: {e}") from None
    return values


def _window(value: str | None) -> str | None:
    if value:
        parse_window(value)  # ValueError: "send_window must look like 08:00-22:00, not 'x'"
    return value


class AccountPatch(Body):
    """PATCH /_sim/accounts/{vendor}/{id}: only the fields given change.  A vendor option may also be
    given at the top level (``{"push_format": "plain"}``) or under ``options``."""

    model_config = ConfigDict(coerce_numbers_to_str=True, json_schema_extra=_no_defaults)

    report_url: str | None = Field(None, description="an http(s) URL or null")
    mo_url: str | None = Field(None, description="an http(s) URL or null")
    mode: Literal["push", "pull"] = Field(None, description="push or pull")  # type: ignore[assignment]
    balance: StrictInt = Field(None, description="an integer")  # type: ignore[assignment]
    allow_negative: StrictBool = Field(None, description="true or false")  # type: ignore[assignment]
    enabled: StrictBool = Field(None, description="true or false")  # type: ignore[assignment]
    ip_allowlist: Annotated[list[str], AfterValidator(_networks)] = Field(  # type: ignore[assignment]
        None, description="a list of IP addresses or networks"
    )
    send_window: Annotated[str | None, AfterValidator(_window)] = Field(
        None, description='a Beijing-time window like "08:00-22:00", or null'
    )
    sensitive_words: list[str] = Field(None, description="a list of strings")  # type: ignore[assignment]
    unsubscribe_keywords: list[str] = Field(None, description="a list of strings")  # type: ignore[assignment]
    quotas: Quotas | None = Field(
        None, description="an object of per-number limits ({}: the vendor's documented defaults), or null"
    )
    name: str = Field(None, description="a string")  # type: ignore[assignment]
    options: dict[str, Any] = Field(  # type: ignore[assignment]
        None, description="an object of the vendor's account options (docs/vendors/<vendor>.md)"
    )

    @field_validator("quotas", mode="before")
    @classmethod
    def _quotas(cls, v: Any) -> Any:
        """Name the limit that is wrong (the field's description alone would not)."""
        if v is None or isinstance(v, Quotas):
            return v
        if not isinstance(v, dict):
            raise ValueError(
                "quotas must be an object of per-number limits ({}: the vendor's defaults), or null"
            )
        try:
            return Quotas.model_validate(v)
        except ValidationError as e:
            detail = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
            raise ValueError(f"invalid quotas: {detail}") from None

    @field_validator("report_url", "mo_url")
    @classmethod
    def _http(cls, v: str | None, info: Any) -> str | None:
        if v is not None and v != "" and not v.startswith(("http://", "https://")):
            raise ValueError(f"{info.field_name} must be an http(s) URL or null")
        return v or None


class ForceOutcome(Body):
    outcome: Outcome = Field(description=f"one of {', '.join(OUTCOMES)}")
    code: str | None = Field(None, description="a string (the vendor's report code to use instead)")


class MoIn(Body):
    vendor: str = Field(min_length=1, description="a non-empty string")
    mobile: str = Field(min_length=1, description="a non-empty string")
    content: str = Field(min_length=1, description="a non-empty string")
    account: str | None = Field(
        None, description="a string (the account id; default: the last to send to the number)"
    )
    extension: str | None = Field(None, description="a string (the extension the reply was addressed to)")


class ClockAdvance(Body):
    seconds: float = Field(ge=0, le=TEN_YEARS, description="a number of seconds from 0 to ten years")

    @field_validator("seconds", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise PydanticCustomError("number", "not a number")
        return v


class ClockFreeze(Body):
    at: Instant | None = Field(None, description="epoch seconds or an ISO 8601 time")


class Reset(Body):
    keep_clock: StrictBool = Field(False, description="true or false")


class Empty(Body):
    """No fields (any JSON object is accepted and ignored)."""


TrafficOptions = OptionsIn  # POST /_sim/traffic: the generator's own options model


# -- answers -------------------------------------------------------------------------------------------
class Error(BaseModel):
    """Every 4xx/5xx: ``error`` in words, sometimes more (``problems``, ``allowed``, ``candidates``…)."""

    model_config = ConfigDict(extra="allow")

    error: str
    problems: list[str] | None = None


class Clock(Answer):
    now: float
    iso: str
    wall: float
    offset: float
    frozen: bool
    auth_clock: Literal["wall", "simulated"]
    pending_timers: int


class ClockFired(Clock):
    fired: int  # timers that fired


class Health(Answer):
    """With an admin token set and not given, only ``status``."""

    status: Literal["ok"]
    version: str | None = None
    uptime: float | None = None
    vendors: list[str] | None = None
    scenario: str | None = None
    clock: Clock | None = None
    messages: int | None = None
    callbacks_queued: int | None = None
    process: int | None = None  # the process id that answered (with --workers, one of several)
    warnings: list[str] | None = None  # what the store noticed, e.g. Redis came back without its state


Account = AccountConfig  # an account is shown as a config file writes it (its model's serialization)


class Accounts(Answer):
    accounts: list[Account]


class AccountExample(Answer):
    curl: str | None  # null when the account cannot send (a note says why)
    note: str


class Text(Answer):
    """What a message and a reply have in common: who, to or from whom, what."""

    id: str  # the vendor's id
    sim_id: str  # the simulator's
    vendor: str
    account: str
    mobile: str
    content: str


class MessageSummary(Text):
    segments: int
    status: Status
    outcome: str | None
    code: str | None
    created_at: float
    scheduled_at: float | None
    done_at: float | None
    batch: str | None
    extra: dict[str, Any]


class TimelineEntry(Answer):
    at: float
    status: str
    note: str


class Message(MessageSummary):
    cost: int
    sent_at: float | None
    request_id: str | None
    timeline: list[TimelineEntry]
    callbacks: list[str]  # callback attempt ids


class Mo(Text):
    at: float
    extension: str
    message_sim_id: str | None
    extra: dict[str, Any]


class MoCreated(Answer):
    mo: Mo


class CallbackAttempt(Answer):
    id: str
    vendor: str
    account: str
    stream: str
    url: str
    attempt: int
    at: float
    method: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_body: str
    latency_ms: float | None
    error: str | None
    ok: bool
    diagnosis: str | None  # not acknowledged: what came back and what the vendor expects
    gave_up: bool
    next_retry_at: float | None
    held_back: float  # simulated seconds the attempt waited (scenario chaos slow_push)
    items: int
    message_ids: list[str]


class RequestEntry(Answer):
    id: str
    vendor: str
    method: str
    path: str
    at: float
    remote: str | None
    query: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_body: str
    response_headers: dict[str, str]
    latency_ms: float | None
    request_size: int | None
    response_size: int | None
    warnings: list[str]
    diagnosis: str | None
    decoded_body: str | None  # emay: the body decrypted
    decoded_response: str | None


class MessageDetail(Message):
    callbacks: list[CallbackAttempt]  # type: ignore[assignment]  # the attempts themselves
    request: RequestEntry | None
    replies: list[Mo]


class Page(Answer):
    next: str | None = Field(description="cursor of the next page; null on the last")
    total: int = Field(description="records that pass the filters")


class MessagesPage(Page):
    messages: list[MessageSummary]


class MoPage(Page):
    mo: list[Mo]


class CallbacksPage(Page):
    callbacks: list[CallbackAttempt]
    queued: int  # items waiting to be pushed


class RequestsPage(Page):
    requests: list[RequestEntry]


class Retried(Answer):
    retried: str
    attempt: CallbackAttempt | None


class Unsubscribe(Answer):
    vendor: str
    account: str
    mobile: str
    at: float
    content: str
    mo_id: str
    message_sim_id: str | None


class Unsubscribes(Answer):
    unsubscribes: list[Unsubscribe]


class QuotaCount(Answer):
    vendor: str
    account: str
    mobile: str
    last_24h: int
    last_sent_at: float | None
    month: str  # YYYY-MM, Beijing time
    this_month: int
    recent_contents: int


class QuotaCounts(Answer):
    quotas: list[QuotaCount]


class Removed(Answer):
    removed: int


class CurrentScenario(Answer):
    scenario: Scenario


class ScenarioReplaced(Answer):
    scenario: str  # its name
    rules: int
    reviews: int


class ResetDone(Answer):
    status: Literal["reset"]
    clock: Clock


class Export(Answer):
    format: Literal["sms-simulator-run/1"]
    version: str
    clock: Clock
    scenario: Scenario
    accounts: list[Account]
    messages: list[Message]
    mo: list[Mo]
    callbacks: list[CallbackAttempt]
    requests: list[RequestEntry]
    unsubscribes: list[Unsubscribe]
    quotas: list[QuotaCount]


class VendorTraffic(Answer):
    requests: int
    accepted: int
    refused: int
    errors: int


class TrafficRun(Answer):
    """The options a run uses, with the defaults filled in."""

    url: str
    vendors: list[str]
    rate: float
    duration: float | None
    count: int | None
    seed: int
    reply_share: float
    magic_share: float
    concurrency: int
    accounts: dict[str, str]
    wait: float


class TrafficState(Answer):
    """Before the first run only ``running`` and ``options`` (null)."""

    running: bool
    options: TrafficRun | None
    started_at: float | None = None
    elapsed: float | None = None
    sent: int | None = None
    answered: int | None = None
    accepted: int | None = None
    refused: int | None = None
    refused_by_code: dict[str, int] | None = None
    errors: int | None = None
    replies: int | None = None
    reply_errors: int | None = None
    rate: float | None = None
    vendors: dict[str, VendorTraffic] | None = None
    error: str | None = None
    recent: list[str] | None = None
