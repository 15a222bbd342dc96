"""Huawei's signatures and templates: the shared records of the send API and the management API.

Records live in the store's collections (so reset and a future durable store cover them).  The demo
account's approved channels and templates come from its ``options`` and are loaded at bind and reset;
the management API adds its own, which start ``pending`` until the scenario's review decides.

Internal status values: ``pending`` | ``approved`` | ``rejected`` | ``disabled``.  The management API
renders them in the vendor's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...core.sim import Sim

SIGNATURES = "huawei.signatures"
TEMPLATES = "huawei.templates"
VARIABLE_RE = re.compile(r"\$\{(\d+)\}")


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


@dataclass
class Template:
    id: str  # the template id used by the send API
    name: str
    type: str  # VERIFY_CODE_TYPE | NOTIFY_TYPE | PROMOTION_TYPE | UNIVERSAL_TYPE
    content: str  # with ${1}, ${2}… variables
    app_key: str | None  # the app it belongs to (None: any app of the project)
    max_lengths: list[int] = field(default_factory=list)  # per variable, in order
    status: str = "pending"
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def variable_count(self) -> int:
        return len(VARIABLE_RE.findall(self.content))

    def render(self, values: list[str]) -> str:
        return VARIABLE_RE.sub(
            lambda m: values[int(m.group(1)) - 1] if int(m.group(1)) <= len(values) else "", self.content
        )


def signatures(sim: Sim) -> dict[str, Signature]:
    return sim.store.collection(SIGNATURES)


def templates(sim: Sim) -> dict[str, Template]:
    return sim.store.collection(TEMPLATES)


def signature_by_channel(sim: Sim, app_key: str, channel: str) -> Signature | None:
    for s in signatures(sim).values():
        if s.channel == channel and s.app_key == app_key:
            return s
    return None


def template(sim: Sim, template_id: str) -> Template | None:
    return templates(sim).get(template_id)


def load_configured(sim: Sim) -> None:
    """Approved channels and templates from each huawei account's options."""
    now = sim.clock.now()
    for account in sim.accounts.list("huawei"):
        opts = account.options
        for ch in opts.channels:
            sid = f"cfg-{ch.channel}"
            signatures(sim)[sid] = Signature(
                id=sid,
                signature_id=ch.channel,
                name=ch.signature,
                type=ch.type,
                app_key=account.id,
                channel=ch.channel,
                status="approved",
                created_at=now,
            )
        for t in opts.templates:
            templates(sim)[t.id] = Template(
                id=t.id,
                name=t.id,
                type=t.type,
                content=t.content,
                app_key=account.id,
                max_lengths=list(t.max_lengths),
                status="approved",
                created_at=now,
            )
