// Requests: the raw vendor request journal, refused requests highlighted with the vendor's code and the
// simulator's diagnosis (why it was refused, in plain words).
"use strict";
(() => {
  const { api, el, timeCell, pre, pretty, decoded, headers, qs, listPage, toggler, on, showError, base } = SIM;
  const FILTERS = ["vendor", "failed"];
  const { filters, cursor, older } = listPage(FILTERS, "/requests");
  const tbody = document.querySelector("#rows tbody");

  // the vendor's own result code in an answer: kx code, huawei code/result, smsgw status, mobset Code;
  // emay's secure answer is encrypted and its code travels in the `result` header
  function vendorCode(r) {
    const h = r.response_headers || {};
    const header = h.result || h.Result;
    return header !== undefined ? String(header) : bodyCode(r.response_body);
  }

  function bodyCode(body) {
    let data;
    try { data = JSON.parse(body); } catch (e) { return ""; }
    if (!data || typeof data !== "object") return "";
    for (const k of ["code", "Code", "status", "result", "returnstatus", "resultCode"]) {
      if (k in data && typeof data[k] !== "object") return String(data[k]);
    }
    return "";
  }

  // the vendors answer most refusals with HTTP 200 and their own code: these codes mean success
  const SUCCESS = { kx: (c) => c === "0", huawei: (c) => c === "000000", smsgw: (c) => c === "0",
    mobset: (c) => Number(c) > 0, emay: (c) => c === "SUCCESS" };
  function refusedCode(vendor, code) {
    return code !== "" && SUCCESS[vendor] !== undefined && !SUCCESS[vendor](code);
  }

  function rows(r) {
    const code = vendorCode(r);
    const refused = r.status >= 400 || refusedCode(r.vendor, code) || Boolean(r.diagnosis);
    const url = r.path + (r.query ? `?${r.query}` : "");
    const detail = el("tr", { class: "detail", hidden: true }, el("td", { colspan: 7 },
      r.diagnosis ? [el("h4", {}, "Why it was refused"), el("p", { class: "diagnosis" }, r.diagnosis)] : null,
      el("h4", {}, "Request"), pre(`${r.method} ${url}\n${headers(r.request_headers)}`),
      pre(decoded(r.request_headers, r.request_body, r.decoded_body)),
      el("h4", {}, `Answer: HTTP ${r.status}`), pre(pretty(r.decoded_response || r.response_body)),
      r.warnings.length ? el("ul", { class: "problems" }, r.warnings.map((w) => el("li", {}, w))) : null));
    const toggle = toggler(detail);
    return [el("tr", { class: refused ? "failed" : "", dataset: { id: r.id } },
      el("td", {}, timeCell(r.at)), el("td", {}, r.vendor || "—"),
      el("td", { class: "url" }, `${r.method} ${r.path}`,
        r.diagnosis ? el("div", { class: "diagnosis short", title: r.diagnosis }, r.diagnosis) : null),
      el("td", {}, el("span", { class: r.status >= 400 ? "bad" : "" }, r.status)),
      el("td", { class: "mono" }, el("span", { class: refused ? "bad" : "" }, code), r.warnings.length ? el("span", { class: "hint", title: r.warnings.join("\n"), "aria-label": `warnings: ${r.warnings.join("; ")}` }, " ⚠") : ""),
      el("td", { class: "num" }, r.latency_ms === null ? "" : `${r.latency_ms} ms`), el("td", {}, toggle)), detail];
  }

  async function load() {
    try {
      const page = await api(`/_sim/requests${qs({ ...filters, limit: 50, cursor })}`);
      tbody.replaceChildren(...page.requests.flatMap(rows));
      if (!page.requests.length) tbody.append(el("tr", {}, el("td", { colspan: 7 }, "No vendor requests yet.")));
      document.getElementById("total").textContent = `${page.total} request${page.total === 1 ? "" : "s"}`;
      older(page.next);
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) { showError(e); }
  }
  let pending = null;
  const soon = () => { if (!cursor) { clearTimeout(pending); pending = setTimeout(load, 300); } };
  on("message", soon);
  on("refused", soon);
  on("reset", load);
  load();
})();
