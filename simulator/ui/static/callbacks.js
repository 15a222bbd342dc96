// Callbacks: every push attempt across vendors, failures highlighted, with the request and answer.
"use strict";
(() => {
  const { api, el, timeCell, pre, pretty, headers, qs, listPage, toggler, on, showError, base } = SIM;
  const FILTERS = ["vendor", "account", "stream", "message", "failed"];
  const { filters, cursor, older } = listPage(FILTERS, "/callbacks");
  const tbody = document.querySelector("#rows tbody");

  function rows(a) {
    const answer = a.status === null ? (a.error || "no answer") : `${a.status}${a.error ? ` ${a.error}` : ""}`;
    const detail = el("tr", { class: "detail", hidden: true }, el("td", { colspan: 10 },
      a.diagnosis ? el("p", { class: "diagnosis" }, a.diagnosis) : null,
      el("h4", {}, `${a.method} ${a.url}`), pre(headers(a.request_headers)), pre(pretty(a.request_body)),
      el("h4", {}, `Answer: ${answer}`), pre(a.response_body)));
    const toggle = toggler(detail);
    const retry = el("button", { type: "button", class: "retry", onclick: async () => {
      retry.disabled = true;
      try {
        const r = await api(`/_sim/callbacks/${encodeURIComponent(a.id)}/retry`, { method: "POST", body: {} });
        retry.textContent = r.attempt && r.attempt.ok ? "sent: ok" : "sent: failed again";
        showError(null);
      } catch (e) { showError(e); retry.disabled = false; }
    } }, "Retry now");
    return [el("tr", { class: a.ok ? "" : "failed", dataset: { id: a.id } },
      el("td", {}, timeCell(a.at)), el("td", {}, a.vendor), el("td", {}, a.account), el("td", {}, a.stream),
      el("td", { class: "url" }, a.url), el("td", { class: "num" }, a.attempt),
      el("td", {}, el("span", { class: a.ok ? "good" : "bad" }, a.ok ? `${a.status} ok` : answer),
        a.gave_up ? " (gave up)" : "", a.next_retry_at ? ` · retry at ${SIM.time(a.next_retry_at)}` : "",
        a.held_back ? ` · held back ${a.held_back} s` : "",
        a.diagnosis ? el("div", { class: "diagnosis short", title: a.diagnosis }, a.diagnosis) : null),
      el("td", { class: "num" }, a.latency_ms === null ? "" : `${a.latency_ms} ms`),
      el("td", {}, a.message_ids.slice(0, 3).map((id) => [el("a", { href: `${base}/messages/${encodeURIComponent(id)}` }, id), " "]),
        a.message_ids.length > 3 ? `+${a.message_ids.length - 3}` : ""),
      el("td", { class: "actions" }, toggle, a.ok ? null : retry)), detail];
  }

  async function load() {
    try {
      const page = await api(`/_sim/callbacks${qs({ ...filters, limit: 50, cursor })}`);
      tbody.replaceChildren(...page.callbacks.flatMap(rows));
      if (!page.callbacks.length) tbody.append(el("tr", {}, el("td", { colspan: 10 },
        "No callback attempts. Accounts push only in push mode with a report_url or mo_url (see Accounts).")));
      document.getElementById("total").textContent = `${page.total} attempt${page.total === 1 ? "" : "s"}`;
      document.getElementById("queued").textContent = page.queued ? `· ${page.queued} items waiting for their batch` : "";
      older(page.next);
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) { showError(e); }
  }
  let pending = null;
  on("callback", () => { if (!cursor) { clearTimeout(pending); pending = setTimeout(load, 200); } });
  on("reset", load);
  load();
})();
