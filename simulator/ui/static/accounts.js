// Accounts: credentials, balance, mode and callback URLs, editable through PATCH /_sim/accounts/{vendor}/{id}.
"use strict";
(() => {
  const { api, el, showError, on, base, qs } = SIM;
  const root = document.getElementById("accounts");

  function field(a, name, label, input) {
    const id = `f-${a.vendor}-${a.id}-${name}`.replace(/[^\w-]/g, "_");
    input.id = id;
    input.name = name;
    return el("div", { class: "field" }, el("label", { for: id }, label), input);
  }

  function card(a) {
    const result = el("span", { role: "status", class: "saved" });
    const mode = el("select", {}, el("option", {}, "pull"), el("option", {}, "push"));
    mode.value = a.mode;
    const enabled = el("input", { type: "checkbox" });
    enabled.checked = a.enabled;
    const form = el("form", { class: "card account", dataset: { account: `${a.vendor}/${a.id}` }, "aria-label": `${a.vendor} account ${a.id}`,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = form.elements;
        const body = {
          mode: f.mode.value,
          report_url: f.report_url.value.trim() || null,
          mo_url: f.mo_url.value.trim() || null,
          balance: Number.parseInt(f.balance.value, 10),
          enabled: f.enabled.checked,
        };
        try {
          await api(`/_sim/accounts/${encodeURIComponent(a.vendor)}/${encodeURIComponent(a.id)}`, { method: "PATCH", body });
          result.textContent = "saved";
        } catch (e) { result.textContent = e.message; }
      } },
      el("h2", {}, `${a.vendor} · ${a.id}`, a.name ? el("span", { class: "hint" }, ` ${a.name}`) : null),
      el("dl", { class: "facts" }, el("dt", {}, "Id"), el("dd", { class: "mono" }, a.id),
        el("dt", {}, "Secret"), el("dd", { class: "mono" }, a.secret),
        ...Object.entries(a.options || {}).filter(([, v]) => v !== null && typeof v !== "object")
          .map(([k, v]) => [el("dt", {}, k), el("dd", { class: "mono" }, String(v))])),
      el("div", { class: "grid" },
        field(a, "mode", "Mode", mode),
        field(a, "balance", "Balance", el("input", { type: "number", step: 1, value: a.balance })),
        field(a, "report_url", "Report URL", el("input", { type: "url", value: a.report_url || "", placeholder: "http://127.0.0.1:9000/report", size: 34 })),
        field(a, "mo_url", "MO URL", el("input", { type: "url", value: a.mo_url || "", placeholder: "http://127.0.0.1:9000/mo", size: 34 })),
        field(a, "enabled", "Enabled", enabled)),
      el("div", { class: "row" }, el("button", { type: "submit" }, "Save"), result,
        el("a", { href: `${base}/${qs({ vendor: a.vendor, account: a.id })}` }, "its messages")),
      example(a));
    return form;
  }

  // a ready-to-copy curl command that sends one valid message from this account (signed now)
  function example(a) {
    const id = `curl-${a.vendor}-${a.id}`.replace(/[^\w-]/g, "_");
    const box = el("textarea", { id, class: "curl", rows: 5, readonly: true, spellcheck: "false" });
    const status = el("span", { role: "status" });
    const refresh = async () => {
      try {
        const ex = await api(`/_sim/accounts/${encodeURIComponent(a.vendor)}/${encodeURIComponent(a.id)}/example`);
        box.value = ex.curl || ex.note;
        status.textContent = ex.curl ? ex.note : "";
      } catch (e) { status.textContent = e.message; }
    };
    const copy = async () => {
      await refresh();  // a fresh signature
      box.select();
      try { await navigator.clipboard.writeText(box.value); status.textContent = "copied"; }
      catch (e) { status.textContent = document.execCommand("copy") ? "copied" : "selected: press Ctrl+C"; }
    };
    refresh();
    return el("div", { class: "example" }, el("label", { for: id }, "Send a message now with curl"), box,
      el("div", { class: "row" }, el("button", { type: "button", onclick: copy }, "Copy (freshly signed)"), status));
  }

  async function load() {
    try {
      const { accounts } = await api("/_sim/accounts");
      root.replaceChildren(...accounts.map(card));
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) { showError(e); }
  }
  on("reset", load);
  load();
})();
