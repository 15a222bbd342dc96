// Message page: summary, timeline, every callback attempt, the raw request and answer; live.
"use strict";
(() => {
  const { api, el, time, timeCell, badge, pre, pretty, decoded, headers, showError, on, base, qs } = SIM;
  const root = document.getElementById("message");
  const key = root.dataset.id;
  const outcomes = root.dataset.outcomes.split(",");
  const FINAL = new Set(["delivered", "undeliverable", "expired", "rejected", "cancelled"]);
  let simId = null;

  function facts(pairs) {
    return el("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  function forceForm(m) {
    if (FINAL.has(m.status)) return null;
    const select = el("select", { id: "force-outcome", name: "outcome" }, outcomes.map((o) => el("option", {}, o)));
    const code = el("input", { id: "force-code", name: "code", size: 10, placeholder: "vendor default" });
    const result = el("span", { role: "status" });
    return el("form", { class: "row card", "aria-label": "Force an outcome", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { outcome: select.value };
      if (code.value.trim()) body.code = code.value.trim();
      try {
        await api(`/_sim/messages/${encodeURIComponent(m.sim_id)}/outcome`, { method: "POST", body });
        result.textContent = "done";
        load();
      } catch (e) { result.textContent = e.message; }
    } },
    el("strong", {}, "Still pending: "),
    el("label", { for: "force-outcome" }, "end it as "), select,
    el("label", { for: "force-code" }, " with code "), code,
    el("button", { type: "submit" }, "Force outcome"), result);
  }

  function timeline(m) {
    return el("ol", { class: "timeline", id: "timeline" }, m.timeline.map((t) =>
      el("li", { class: `t-${t.status}` }, el("time", { title: time(t.at, true) }, time(t.at)), " ",
        el("strong", {}, t.status), t.note ? el("span", { class: "note" }, ` — ${t.note}`) : null)));
  }

  function attempt(a) {
    const answer = a.status === null ? (a.error || "no answer") : `HTTP ${a.status}${a.error ? ` (${a.error})` : ""}`;
    return el("details", { class: `attempt ${a.ok ? "ok" : "failed"}` },
      el("summary", {}, `${time(a.at)} · ${a.stream} try ${a.attempt} → ${a.url} · `,
        el("span", { class: a.ok ? "good" : "bad" }, a.ok ? "accepted" : answer),
        a.latency_ms !== null ? ` · ${a.latency_ms} ms` : "",
        a.next_retry_at ? ` · next try ${time(a.next_retry_at)}` : "", a.gave_up ? " · gave up" : "",
        a.held_back ? ` · held back ${a.held_back} s (chaos)` : ""),
      a.diagnosis ? el("p", { class: "diagnosis" }, a.diagnosis) : null,
      el("h4", {}, `${a.method} ${a.url}`), pre(headers(a.request_headers)), pre(pretty(a.request_body)),
      el("h4", {}, `Answer: ${answer}`), pre(a.response_body));
  }

  function request(r) {
    if (!r) return el("p", {}, "The request that created this message is no longer kept (see store.max_requests).");
    const url = r.path + (r.query ? `?${r.query}` : "");
    return el("div", {},
      r.diagnosis ? [el("h3", {}, "What the simulator refused, and why"), el("p", { class: "diagnosis" }, r.diagnosis)] : null,
      el("h3", {}, "As the client sent it"),
      pre(`${r.method} ${url}\n${headers(r.request_headers)}`),
      el("h4", {}, r.decoded_body ? "Body (decrypted)" : "Body (decoded)"), pre(decoded(r.request_headers, r.request_body, r.decoded_body)),
      r.query ? [el("h4", {}, "Query (decoded)"), pre(decoded({ "content-type": "application/x-www-form-urlencoded" }, r.query))] : null,
      r.request_size ? el("p", { class: "hint" }, `body truncated; full size ${r.request_size} bytes`) : null,
      el("h3", {}, `The answer: HTTP ${r.status} in ${r.latency_ms} ms`), pre(pretty(r.decoded_response || r.response_body)),
      r.warnings && r.warnings.length ? el("ul", { class: "problems" }, r.warnings.map((w) => el("li", {}, w))) : null);
  }

  function render(m) {
    document.title = `${m.mobile} · ${m.vendor} · sms-simulator`;
    document.querySelector("h1").textContent = `Message to ${m.mobile}`;
    const phone = el("a", { href: `${base}/phone${qs({ mobile: m.mobile })}` }, m.mobile);
    root.replaceChildren(...[
      el("div", { class: "bubble mt big" }, m.content),
      facts([["Status", badge(m.status)], ["Outcome", m.outcome], ["Vendor code", m.code],
        ["Vendor", m.vendor], ["Account", m.account], ["Recipient", phone], ["Vendor id", m.id],
        ["Simulator id", m.sim_id], ["Segments", m.segments], ["Cost", m.cost], ["Batch", m.batch],
        ["Received", time(m.created_at, true)], ["Scheduled for", m.scheduled_at ? time(m.scheduled_at, true) : null],
        ["Sent", m.sent_at ? time(m.sent_at, true) : null], ["Final", m.done_at ? time(m.done_at, true) : null],
        ["Vendor fields", Object.keys(m.extra || {}).length ? JSON.stringify(m.extra) : null]]),
      forceForm(m),
      el("section", { "aria-labelledby": "tl-h" }, el("h2", { id: "tl-h" }, "Timeline"), timeline(m)),
      el("section", { "aria-labelledby": "cb-h" }, el("h2", { id: "cb-h" }, `Callback attempts (${m.callbacks.length})`),
        m.callbacks.length ? m.callbacks.map(attempt) : el("p", {}, "None: the account is in pull mode, or nothing was pushed yet.")),
      m.replies.length ? el("section", { "aria-labelledby": "mo-h" }, el("h2", { id: "mo-h" }, "Replies"),
        m.replies.map((r) => el("div", { class: "bubble mo" }, el("span", { class: "meta" }, time(r.at)), r.content))) : null,
      el("section", { "aria-labelledby": "rq-h" }, el("h2", { id: "rq-h" }, "Raw request"), request(m.request)),
    ].filter(Boolean));
  }

  async function load() {
    try {
      const m = await api(`/_sim/messages/${encodeURIComponent(key)}`);
      simId = m.sim_id;
      render(m);
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) {
      showError(e);
      if (e.data && e.data.candidates) {
        root.replaceChildren(el("p", {}, "Several messages share this id:"), el("ul", {}, e.data.candidates.map((c) =>
          el("li", {}, el("a", { href: `${base}/messages/${encodeURIComponent(c.sim_id)}` }, `${c.mobile} (${c.sim_id})`)))));
      } else root.replaceChildren();
    }
  }

  let pending = null;
  const soon = () => { clearTimeout(pending); pending = setTimeout(load, 150); };
  on("status", (ev) => { if (ev.sim_id === simId) soon(); });
  on("callback", ({ attempt: a }) => { if (a.message_ids.includes(simId)) soon(); });
  on("mo", ({ mo }) => { if (mo.message_sim_id === simId) soon(); });
  load();
})();
