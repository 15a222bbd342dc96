// Phone: one recipient's conversation (MT and MO) like a phone screen, a reply box, forced outcomes.
"use strict";
(() => {
  const { api, el, time, badge, qs, query, on, showError, base } = SIM;
  const FINAL = new Set(["delivered", "undeliverable", "expired", "rejected", "cancelled"]);
  const outcomes = document.getElementById("outcomes").content;
  const mobile = (query().mobile || "").trim();
  const input = document.getElementById("mobile");
  input.value = mobile;
  document.getElementById("pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.search = qs({ mobile: input.value.trim() });
  });

  async function recent() {
    // recipients of the latest messages, as shortcuts
    const box = document.getElementById("recent");
    try {
      const page = await api("/_sim/messages?limit=100");
      const seen = [...new Set(page.messages.map((m) => m.mobile))].slice(0, 12);
      box.replaceChildren(...(seen.length ? [el("span", {}, "Recent: ")] : []),
        ...seen.map((n) => el("a", { class: "chip", href: `${base}/phone${qs({ mobile: n })}` }, n)));
    } catch (e) { showError(e); }
  }

  function forceControls(m) {
    const select = el("select", { "aria-label": `outcome for ${m.id}` }, outcomes.cloneNode(true));
    return el("form", { class: "force", onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api(`/_sim/messages/${encodeURIComponent(m.sim_id)}/outcome`, { method: "POST", body: { outcome: select.value } });
        load();
      } catch (e) { showError(e); }
    } }, select, el("button", { type: "submit" }, "Force"));
  }

  async function load() {
    if (!mobile) return;
    try {
      const [mt, mo] = await Promise.all([
        api(`/_sim/messages${qs({ mobile, limit: 200 })}`),
        api(`/_sim/mo${qs({ mobile, limit: 200 })}`),
      ]);
      const items = [
        ...mt.messages.map((m) => ({ at: m.created_at, kind: "mt", m })),
        ...mo.mo.map((m) => ({ at: m.at, kind: "mo", m })),
      ].sort((a, b) => a.at - b.at);
      document.getElementById("phone").hidden = false;
      document.getElementById("phone-number").textContent = mobile;
      document.getElementById("phone-count").textContent = `${mt.total} received · ${mo.total} sent`;
      const list = document.getElementById("bubbles");
      list.replaceChildren(...items.map(({ kind, m }) => kind === "mt"
        ? el("li", { class: "bubble mt", dataset: { sim: m.sim_id } },
          el("span", { class: "meta" }, `${time(m.created_at)} · ${m.vendor}/${m.account} · `, badge(m.status)),
          el("a", { href: `${base}/messages/${encodeURIComponent(m.sim_id)}` }, m.content),
          FINAL.has(m.status) ? null : forceControls(m))
        : el("li", { class: "bubble mo" }, el("span", { class: "meta" }, `${time(m.at)} · to ${m.vendor}/${m.account}`), m.content)));
      if (!items.length) list.append(el("li", { class: "hint" }, "Nothing sent to this number yet."));
      list.scrollTop = list.scrollHeight;
      if (mt.messages.length) document.getElementById("reply-vendor").value = mt.messages[0].vendor;
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) { showError(e); }
  }

  document.getElementById("reply").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = document.getElementById("reply-text");
    const vendor = document.getElementById("reply-vendor").value;
    try {
      await api("/_sim/mo", { method: "POST", body: { vendor, mobile, content: text.value } });
      text.value = "";
      load();
    } catch (e) { showError(e); }
  });

  let pending = null;
  const soon = () => { clearTimeout(pending); pending = setTimeout(load, 150); };
  on("message", ({ message }) => { if (message.mobile === mobile) soon(); });
  on("status", (ev) => { if (document.querySelector(`[data-sim="${CSS.escape(ev.sim_id)}"]`)) soon(); });
  on("mo", ({ mo }) => { if (mo.mobile === mobile) soon(); });
  on("reset", () => { load(); recent(); });
  recent();
  load();
})();
