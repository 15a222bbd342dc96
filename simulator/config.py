"""The config file: listen address, clock, scenario, vendor settings and accounts (pydantic models).

``load_config(None)`` gives the built-in default config (``simulator/defaults.yaml``: one demo account
per vendor).  A user's config file has the same shape; its accounts come in addition to the demo
accounts unless ``demo_accounts: false``.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .core.accounts import Account
from .core.quotas import Quotas
from .core.unsubscribes import DEFAULT_KEYWORDS
from .core.yamlfile import FileError, load_yaml_file, unknown, validate_data
from .vendors import VENDORS

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _validate_part(model: type[BaseModel], data: Any, prefix: str = "") -> dict[str, Any]:
    """Validate a vendor's own part of the config, naming the nested field in the message."""
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as e:
        problems = "; ".join(f"{prefix}{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise ValueError(problems) from None


def parse_window(text: str) -> tuple[time, time]:
    try:
        a, b = text.split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError:
        raise ValueError(f"send_window must look like 08:00-22:00, not {text!r}") from None


class AccountConfig(_Strict):
    """An account in a config file, and its shape in the admin API's answers (docs/admin-api.md)."""

    # every field is in an answer: the OpenAPI document (generated from this model) says so
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    vendor: str  # kx | huawei | smsgw | mobset | emay
    id: str  # userid / app_key / account / CorpID / appId
    secret: str  # apikey / app_secret / password / Password / secretKey
    name: str = ""
    balance: int = 1_000_000  # in the vendor's unit (messages; 厘 for smsgw)
    allow_negative: bool = False
    mode: Literal["push", "pull"] = "pull"
    report_url: str | None = None
    mo_url: str | None = None
    ip_allowlist: list[str] = Field(default_factory=list)
    enabled: bool = True
    send_window: str | None = None  # "08:00-22:00", Beijing time
    sensitive_words: list[str] = Field(default_factory=list)
    unsubscribe_keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    quotas: Quotas | None = None  # per-number limits; {}: the vendor's documented defaults
    options: dict[str, Any] = Field(default_factory=dict)  # the vendor's own account options

    @field_validator("id", "secret", mode="before")
    @classmethod
    def _str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @field_validator("vendor")
    @classmethod
    def _vendor(cls, v: str) -> str:
        if v not in VENDORS:
            raise ValueError(unknown("vendor", v, VENDORS))
        return v

    @field_validator("ip_allowlist")
    @classmethod
    def _ips(cls, v: list[str]) -> list[str]:
        for a in v:
            try:
                ipaddress.ip_network(a, strict=False)
            except ValueError:
                raise ValueError(f"{a!r} is not an IP address or network") from None
        return v

    @field_validator("send_window")
    @classmethod
    def _window(cls, v: str | None) -> str | None:
        if v is not None:
            parse_window(v)
        return v

    @field_validator("options")
    @classmethod
    def _options(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        vendor = info.data.get("vendor")
        if vendor not in VENDORS:
            return v
        return _validate_part(VENDORS[vendor].AccountOptions, v)

    def build(self) -> Account:
        return Account(
            vendor=self.vendor,
            id=self.id,
            secret=self.secret,
            name=self.name,
            balance=self.balance,
            allow_negative=self.allow_negative,
            mode=self.mode,
            report_url=self.report_url,
            mo_url=self.mo_url,
            ip_allowlist=list(self.ip_allowlist),
            enabled=self.enabled,
            send_window=parse_window(self.send_window) if self.send_window else None,
            sensitive_words=list(self.sensitive_words),
            unsubscribe_keywords=list(self.unsubscribe_keywords),
            quotas=self.quotas.model_copy() if self.quotas is not None else None,
            options=VENDORS[self.vendor].AccountOptions.model_validate(self.options),
        )


class ClockConfig(_Strict):
    start: datetime | None = None  # simulated start instant (ISO 8601); default: now
    frozen: bool = False  # start frozen: time moves only when advanced
    auth: Literal["wall", "simulated"] = "wall"  # which clock auth freshness windows use


class StoreConfig(_Strict):
    db: str | None = None  # SQLite file keeping all state across restarts; default: memory only
    sync: Literal["normal", "full"] = "normal"  # full: fsync every commit (survives power loss)
    redis: str | None = None  # redis://host:port/db: state shared by every process using it (--workers)
    redis_prefix: str = Field(default="sms-simulator", min_length=1)  # key prefix: one simulator per prefix
    max_messages: int = Field(default=100_000, ge=1)  # oldest finished messages are evicted past this
    max_callbacks: int = Field(default=20_000, ge=1)  # callback attempts kept
    request_log_bytes: int = Field(default=64 << 20, ge=0)  # raw request log bound in bytes
    body_limit: int = Field(default=64 << 10, ge=0)  # bytes of each request/answer body kept


class ServerConfig(_Strict):
    keepalive_timeout: float = Field(default=75.0, gt=0)  # idle connection closed after (seconds)
    header_timeout: float = Field(default=10.0, gt=0)  # a started request head must be complete within
    read_timeout: float = Field(default=30.0, gt=0)  # a request body must have arrived within
    max_connections: int = Field(default=1000, ge=1)  # open connections; past it new ones are closed


class Config(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    extra_ports: list[int] = Field(default_factory=list)  # more plain-HTTP ports serving the same app
    https_port: int | None = Field(default=None, ge=0, le=65535)  # also serve HTTPS here
    tls_cert: str | None = None  # PEM certificate for HTTPS; default: a self-signed one made at start
    tls_key: str | None = None  # its PEM private key
    seed: int | None = None  # overrides the scenario's seed
    scenario: str | None = None  # path of a scenario file; default: the built-in default scenario
    clock: ClockConfig = Field(default_factory=ClockConfig)
    record_requests: int = Field(default=5000, ge=0)  # raw API requests kept for the UI (ring buffer)
    store: StoreConfig = Field(default_factory=StoreConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    callback_timeout: float = Field(default=5.0, gt=0, le=120)  # seconds to wait for a receiver
    log_requests: bool = False  # one log line per vendor request
    admin_token: str | None = None  # /_sim/* needs it (Bearer or login cookie); env SMS_SIMULATOR_ADMIN_TOKEN
    admin_origins: list[str] = Field(default_factory=list)  # more Origins allowed to call /_sim/*
    demo_accounts: bool = True  # include the built-in demo accounts
    vendors: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-vendor settings
    accounts: list[AccountConfig] = Field(default_factory=list)

    @field_validator("vendors")
    @classmethod
    def _vendor_settings(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        out = {}
        for key, settings in v.items():
            if key not in VENDORS:
                raise ValueError(unknown("vendor", key, VENDORS))
            out[key] = _validate_part(VENDORS[key].Settings, settings or {}, f"{key}.")
        return out

    @field_validator("extra_ports")
    @classmethod
    def _ports(cls, v: list[int]) -> list[int]:
        if any(not 0 <= p <= 65535 for p in v):
            raise ValueError("ports must be 0..65535")
        return v

    @model_validator(mode="after")
    def _unique(self) -> Config:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("give tls_cert and tls_key together")
        seen = set()
        for a in self.accounts:
            if (a.vendor, a.id) in seen:
                raise ValueError(f"account {a.vendor}/{a.id} is defined twice")
            seen.add((a.vendor, a.id))
        return self

    def vendor_settings(self, key: str) -> BaseModel:
        return VENDORS[key].Settings.model_validate(self.vendors.get(key, {}))

    def all_accounts(self) -> list[AccountConfig]:
        accounts = list(self.accounts)
        if self.demo_accounts:
            own = {(a.vendor, a.id) for a in accounts}
            accounts += [a for a in default_config().accounts if (a.vendor, a.id) not in own]
        return accounts


_DEFAULT: Config | None = None


def default_config() -> Config:
    global _DEFAULT
    if _DEFAULT is None:
        cfg = load_yaml_file(DEFAULTS_FILE, Config)
        cfg.demo_accounts = False
        _DEFAULT = cfg
    return _DEFAULT.model_copy(deep=True)


def load_config(path: str | Path | None = None) -> Config:
    if path is None:
        cfg = default_config()
        cfg.demo_accounts = True
        cfg.accounts = []
        return cfg
    cfg = load_yaml_file(path, Config)
    if cfg.scenario:  # a relative path is the config file's neighbour, wherever the command runs
        beside = Path(path).parent / Path(cfg.scenario).expanduser()
        if beside.is_file():
            cfg.scenario = str(beside)
    return cfg


def packaged_scenarios() -> list[str]:
    from .core.scenarios import BUILTIN_DIR

    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def resolve_scenario(value: str | Path) -> Path:
    """The file of ``--scenario`` or a config's ``scenario:``: a path if there is such a file, else a
    packaged scenario's name (``flaky``, also ``flaky.yaml``); FileError listing the names otherwise."""
    from .core.scenarios import BUILTIN_DIR

    path = Path(value).expanduser()
    if path.is_file():
        return path
    name = str(value)
    if "/" not in name and "\\" not in name:
        for suffix in (".yaml", ".yml"):
            name = name.removesuffix(suffix)
        packaged = BUILTIN_DIR / f"{name}.yaml"
        if packaged.is_file():
            return packaged
    names = ", ".join(packaged_scenarios())
    raise FileError(str(value), [f"{value}: no such scenario file, nor a packaged scenario ({names})"])


def config_from_dict(data: dict[str, Any], source: str = "<config>") -> Config:
    return validate_data(data, Config, source)


__all__ = [
    "AccountConfig",
    "Config",
    "FileError",
    "config_from_dict",
    "default_config",
    "load_config",
    "packaged_scenarios",
    "resolve_scenario",
]
