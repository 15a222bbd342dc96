"""emay templates (§2.1.6-2.1.10): created pending, reviewed by the scenario, owned by one appId.

Variables are written ``${name}`` (the vendor's own Java demo creates
``"ssssssssss${参数1}dddddddddddddd${参数2}dddddddddd"``) or ``{#name#}`` (the platform's placeholder
syntax, as in the short-link interface's ``{#短网址#}``), and filled from the ``content`` object of
sendTemplateVariableSMS by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .codes import EmayError

if TYPE_CHECKING:
    from ...core.sim import Sim

COLLECTION = "emay.templates"
VARIABLE_RE = re.compile(r"\$\{([^{}]+)\}|\{#([^#{}]+)#\}")
STATUS_CODES = {"pending": "0", "approved": "1", "rejected": "2"}  # queryTemplateSMS; missing: -1


@dataclass
class Template:
    id: str
    app_id: str
    content: str
    status: str = "pending"  # pending | approved | rejected
    reason: str = ""
    created_at: float = 0.0
    reviewed_at: float | None = None

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(a or b for a, b in VARIABLE_RE.findall(self.content)))

    def render(self, values: dict[str, Any]) -> str:
        missing = [v for v in self.variables if values.get(v) is None]
        if missing:
            raise EmayError("ERROR_PARAMS", f"no value for template variable(s) {', '.join(missing)}")

        def fill(m: re.Match[str]) -> str:
            v = values[m.group(1) or m.group(2)]
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return str(v)

        return VARIABLE_RE.sub(fill, self.content)


def all_templates(sim: Sim) -> dict[str, Template]:
    return sim.store.collection(COLLECTION)


def create(sim: Sim, app_id: str, content: str) -> Template:
    tid = str(1_300_000 + sim.store.next_number("emay.template", spread=10**5))
    tpl = Template(tid, app_id, content, created_at=sim.clock.now())
    all_templates(sim)[tid] = tpl
    sim.engine.review("template", "emay", tid, content, REVIEWED, tid)
    return tpl


REVIEWED = "emay.template_reviewed"  # timer kind: (template id, result, reason)


def reviewed(sim: Sim, tid: str, result: str, reason: str) -> None:
    """The scenario's review result falls due (a template deleted meanwhile is left alone)."""
    tpl = all_templates(sim).get(tid)
    if tpl is None or tpl.status != "pending":
        return
    tpl.status = "approved" if result == "approved" else "rejected"
    tpl.reason = reason
    tpl.reviewed_at = sim.clock.now()
    sim.bus.publish("template", vendor="emay", id=tid, status=tpl.status, reason=reason)


def find(sim: Sim, app_id: str, template_id: str) -> Template | None:
    tpl = all_templates(sim).get(template_id)
    return tpl if tpl is not None and tpl.app_id == app_id else None


def usable(sim: Sim, app_id: str, template_id: str) -> Template:
    """An approved template of this appId, or ERROR_PARAMS (missing, pending or rejected)."""
    if not template_id:
        raise EmayError("ERROR_PARAMS", "templateId is required")
    tpl = find(sim, app_id, template_id)
    if tpl is None:
        raise EmayError("ERROR_PARAMS", f"template {template_id} does not exist")
    if tpl.status != "approved":
        raise EmayError("ERROR_PARAMS", f"template {template_id} is {tpl.status}")
    return tpl
