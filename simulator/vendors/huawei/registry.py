"""Huawei's apps, signatures, templates and uploaded files: the shared records of both API halves.

Records live in the store's collections (so reset and a future durable store cover them).  The demo
account's approved channels and templates come from its ``options`` and are loaded at bind and reset;
the management API adds its own, which start ``pending`` until the scenario's review decides.

Apps are Huawei accounts: every huawei :class:`~simulator.core.accounts.Account` has an :class:`App`
record (its management view), and an app created through the management API adds a real account, so
its app_key/app_secret work on the send API at once.

Internal status values (the management API renders them in the vendor's own words):

- Signature: ``pending`` (PENDING_REVIEW) | ``approved`` (REVIEW_PROCESSING_COMPLETED) | ``rejected``
  (REVIEW_NOT_PASS) | ``disabled`` (TO_BE_ACTIVATED) | ``activating`` (PENDING_ACTIVATE).
- Template: ``pending`` (Reviewing, or SignReviewing while its signature is under review) | ``approved``
  (Adopted) | ``rejected`` (Reject) | ``disabled`` (Disable) | ``draft`` (Pending: saved, not submitted).

Only ``approved`` signatures and templates may be used to send.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...core.sim import Sim

APPS = "huawei.apps"
SIGNATURES = "huawei.signatures"
TEMPLATES = "huawei.templates"
FILES = "huawei.files"
VARIABLE_RE = re.compile(r"\$\{(\d+)\}")


@functools.lru_cache(maxsize=1024)  # every send asks for its template's: a lookup instead of a scan
def variable_indexes(content: str) -> tuple[int, ...]:
    """The variable numbers a template's content uses (``${1}`` …), each once, in order."""
    return tuple(sorted({int(i) for i in VARIABLE_RE.findall(content)}))


_NS = uuid.UUID("6f1f0c4e-2b7a-4c55-9a51-8d1c2e0b7a10")  # stable ids for configured records

# Default maximum length of each variable type (the "variables" operation's variable_length).
DEFAULT_VARIABLE_LENGTHS: dict[str, int] = {
    "PHONE": 15,
    "CHARDIGIT": 20,
    "DATETIME": 20,
    "MONEY": 20,
    "TEXT": 20,
    "URL": 99,
}


def stable_id(kind: str, key: str) -> str:
    """A UUID string that is the same on every run and after reset (for configured records)."""
    return str(uuid.uuid5(_NS, f"{kind}:{key}"))


@dataclass
class App:
    id: str  # primary key (the management API's `id`)
    app_key: str  # = the account id
    app_secret: str
    name: str
    project_id: str
    region: str = "cn"  # cn | intl
    up_link_addr: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    enterprise_project_id: str = "0"
    enterprise_project_name: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Signature:
    id: str  # primary key (the management API's `id`)
    signature_id: str  # the vendor's signature id
    name: str  # the signature text, without 【】
    type: str  # VERIFY_CODE_TYPE | NOTIFY_TYPE | PROMOTION_TYPE
    app_key: str  # the app (account) it belongs to
    channel: str  # the channel number sent as `from`
    status: str = "pending"
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # every other management field
    project_id: str = ""
    updated_at: float = 0.0
    review_desc: str = ""
    review_seq: int = 0  # a review answer is applied only if no newer submission superseded it


@dataclass
class Variable:
    index: int  # 1-based, the n of ${n}
    type: str  # PHONE | CHARDIGIT | DATETIME | MONEY | TEXT (| URL)
    length: int  # maximum length of a value
    desc: str = ""
    id: int = 0  # the vendor's numeric variable id


@dataclass
class Template:
    id: str  # the template id used by the send API (`template_id`)
    name: str
    type: str  # VERIFY_CODE_TYPE | NOTIFY_TYPE | PROMOTION_TYPE | UNIVERSAL_TYPE
    content: str  # with ${1}, ${2}… variables
    app_key: str | None  # the app it belongs to (None: any app of the project)
    max_lengths: list[int] = field(default_factory=list)  # per variable, in order
    status: str = "pending"
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    pk: str = ""  # the management API's primary key `id`
    project_id: str = ""
    sign_id: str = ""  # the bound Signature.id ("" for universal templates)
    universal: bool = False
    region: str = "cn"
    variables: list[Variable] = field(default_factory=list)
    updated_at: float = 0.0
    review_desc: str = ""
    review_seq: int = 0
    waiting_signature: bool = False  # submitted while its signature was under review

    @property
    def variable_count(self) -> int:
        return len(VARIABLE_RE.findall(self.content))

    def render(self, values: list[str]) -> str:
        return VARIABLE_RE.sub(
            lambda m: values[int(m.group(1)) - 1] if int(m.group(1)) <= len(values) else "", self.content
        )

    def set_variables(self, variables: list[Variable]) -> None:
        self.variables = sorted(variables, key=lambda v: v.index)
        self.max_lengths = [v.length for v in self.variables]


@dataclass
class File:
    file_id: str
    name: str
    data: bytes
    content_type: str
    project_id: str
    desc: str = ""
    operator: str = ""
    updated_at: float = 0.0

    @property
    def size(self) -> int:
        return len(self.data)


# -- collections and lookups ----------------------------------------------------------------------------
def apps(sim: Sim) -> dict[str, App]:
    return sim.store.collection(APPS)


def signatures(sim: Sim) -> dict[str, Signature]:
    return sim.store.collection(SIGNATURES)


def templates(sim: Sim) -> dict[str, Template]:
    return sim.store.collection(TEMPLATES)


def files(sim: Sim) -> dict[str, File]:
    return sim.store.collection(FILES)


def app_by_key(sim: Sim, app_key: str) -> App | None:
    for a in apps(sim).values():
        if a.app_key == app_key:
            return a
    return None


def signature_by_channel(sim: Sim, app_key: str, channel: str) -> Signature | None:
    """The signature a send names (read only: a durable store's ``values()`` would mark every signature
    to be written again with each send)."""
    for s in dict.values(signatures(sim)):
        if s.channel == channel and s.app_key == app_key:
            return s
    return None


def template(sim: Sim, template_id: str) -> Template | None:
    return templates(sim).get(template_id)


def template_by_pk(sim: Sim, pk: str) -> Template | None:
    for t in templates(sim).values():
        if t.pk == pk:
            return t
    return None


def deactivate_signature(sim: Sim, signature_pk: str) -> Signature | None:
    """Put an approved signature in TO_BE_ACTIVATED (as the vendor does to long-unused signatures)."""
    sig = signatures(sim).get(signature_pk)
    if sig is not None:
        sig.status = "disabled"
        sig.review_seq += 1
        sig.updated_at = sim.clock.now()
    return sig


def disable_template(sim: Sim, template_pk: str) -> Template | None:
    """Stop (停用) a template: flow_status Disable, no longer usable to send until edited and approved."""
    t = template_by_pk(sim, template_pk)
    if t is not None:
        t.status = "disabled"
        t.waiting_signature = False
        t.review_seq += 1
        t.updated_at = sim.clock.now()
    return t


def sync_apps(sim: Sim) -> None:
    """Give every huawei account (configured, or added at run time) its App record."""
    known = {a.app_key for a in apps(sim).values()}
    now = sim.clock.now()
    for account in sim.accounts.list("huawei"):
        if account.id in known:
            continue
        opts = account.options
        app_id = stable_id("app", account.id)
        apps(sim)[app_id] = App(
            id=app_id,
            app_key=account.id,
            app_secret=account.secret,
            name=getattr(opts, "app_name", "") or account.name or account.id,
            project_id=getattr(opts, "project_id", ""),
            up_link_addr=account.mo_url or "",
            created_at=now,
            updated_at=now,
        )


def load_configured(sim: Sim) -> None:
    """Apps for the huawei accounts; approved channels and templates from each account's options."""
    sync_apps(sim)
    now = sim.clock.now()
    for account in sim.accounts.list("huawei"):
        opts = account.options
        project_id = getattr(opts, "project_id", "")
        for ch in opts.channels:
            sid = stable_id("signature", ch.channel)
            signatures(sim)[sid] = Signature(
                id=sid,
                signature_id=stable_id("signature_id", ch.channel),
                name=ch.signature,
                type=ch.type,
                app_key=account.id,
                channel=ch.channel,
                status="approved",
                created_at=now,
                project_id=project_id,
                updated_at=now,
                extra={"signature_source": 0, "is_involved_third": "No"},
            )
        for t in opts.templates:
            tpl = Template(
                id=t.id,
                name=t.id,
                type=t.type,
                content=t.content,
                app_key=account.id,
                status="approved",
                created_at=now,
                pk=stable_id("template", t.id),
                project_id=project_id,
                universal=t.type == "UNIVERSAL_TYPE",
                updated_at=now,
            )
            indexes = variable_indexes(t.content)
            lengths = list(t.max_lengths)
            tpl.set_variables(
                [
                    Variable(
                        index=i,
                        type="CHARDIGIT",
                        length=lengths[n] if n < len(lengths) else DEFAULT_VARIABLE_LENGTHS["CHARDIGIT"],
                        id=sim.store.next_number("huawei.variable"),
                    )
                    for n, i in enumerate(indexes)
                ]
            )
            templates(sim)[t.id] = tpl
