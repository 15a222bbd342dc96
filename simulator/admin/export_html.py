"""The run export as one self-contained HTML page: the JSON document embedded, rendered by a small
inline script (no network, no CDN), so the file can be mailed and opened anywhere."""

from __future__ import annotations

import json
from typing import Any

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sms-simulator run</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}
ol{margin:.25em 0;padding-left:1.5em}
pre{white-space:pre-wrap;word-break:break-all;margin:0;max-height:12em;overflow:auto}
.bad{color:#b00}
</style></head>
<body>
<h1>sms-simulator run</h1>
<p id="summary"></p>
<h2>Messages</h2><table id="messages"></table>
<h2>Replies (MO)</h2><table id="mo"></table>
<h2>Callback attempts</h2><table id="callbacks"></table>
<h2>Requests</h2><table id="requests"></table>
<h2>Unsubscribes</h2><table id="unsubscribes"></table>
<h2>Quota counts</h2><table id="quotas"></table>
<script type="application/json" id="run">__DATA__</script>
<script>
"use strict";
const run = JSON.parse(document.getElementById("run").textContent);
const iso = (t) =>
  t === null || t === undefined ? "" : new Date(t * 1000).toISOString().replace(".000", "");
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function table(id, head, rows) {
  const t = document.getElementById(id);
  const tr = el("tr");
  head.forEach((h) => tr.append(el("th", h)));
  t.append(tr);
  if (!rows.length) {
    const c = el("td", "none");
    c.colSpan = head.length;
    t.append(el("tr"));
    t.lastChild.append(c);
    return;
  }
  rows.forEach((cells) => {
    const r = el("tr");
    cells.forEach((c) => r.append(c instanceof Node ? wrap(c) : el("td", c)));
    t.append(r);
  });
}
function wrap(node) { const td = el("td"); td.append(node); return td; }
function timeline(m) {
  const ol = el("ol");
  m.timeline.forEach((e) => ol.append(el("li", `${iso(e.at)} ${e.status}${e.note ? ": " + e.note : ""}`)));
  return ol;
}
document.getElementById("summary").textContent =
  `version ${run.version} · scenario "${run.scenario.name}" · clock ${run.clock.iso} · ` +
  `${run.messages.length} messages, ${run.mo.length} replies, ${run.callbacks.length} callback attempts, ` +
  `${run.requests.length} requests`;
table("messages", ["created", "vendor", "account", "mobile", "status", "code", "content", "timeline"],
  run.messages.map((m) => [
    iso(m.created_at), m.vendor, m.account, m.mobile, m.status, m.code, m.content, timeline(m),
  ]));
table("mo", ["at", "vendor", "account", "mobile", "content", "id"],
  run.mo.map((m) => [iso(m.at), m.vendor, m.account, m.mobile, m.content, m.id]));
table("callbacks", ["at", "vendor", "account", "stream", "attempt", "url", "status", "result", "body"],
  run.callbacks.map((c) => [iso(c.at), c.vendor, c.account, c.stream, c.attempt, c.url, c.status,
    (c.ok ? "ok" : (c.diagnosis || c.error || "failed")) +
      (c.held_back ? ` (held back ${c.held_back} s)` : ""), el("pre", c.request_body)]));
table("requests", ["at", "vendor", "method", "path", "status", "diagnosis", "latency ms", "body", "answer"],
  run.requests.map((q) => [iso(q.at), q.vendor, q.method, q.path, q.status, q.diagnosis || "", q.latency_ms,
    el("pre", q.decoded_body || q.request_body || q.query),
    el("pre", q.decoded_response || q.response_body)]));
table("unsubscribes", ["at", "vendor", "account", "mobile", "reply"],
  run.unsubscribes.map((u) => [iso(u.at), u.vendor, u.account, u.mobile, u.content]));
table("quotas", ["vendor", "account", "mobile", "last 24 h", "last sent", "month", "this month"],
  (run.quotas || []).map((q) => [q.vendor, q.account, q.mobile, q.last_24h, iso(q.last_sent_at), q.month,
    q.this_month]));
</script>
</body></html>
"""


def render(doc: dict[str, Any]) -> str:
    """The page for a run export document.  ``<``, ``>`` and ``&`` are escaped inside the JSON (as
    ``\\u003c`` …), so no recorded text can end the script element."""
    data = json.dumps(doc, ensure_ascii=False, default=str)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _PAGE.replace("__DATA__", data)
