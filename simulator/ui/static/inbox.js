// Inbox: messages across vendors, newest first, filtered and paged by the admin API, live from /_sim/events.
"use strict";
(() => {
  const { api, el, timeCell, badge, qs, listPage, on, showError, base } = SIM;
  const LIMIT = 50;
  const FILTERS = ["vendor", "account", "status", "mobile", "text"];
  const { filters, cursor, older } = listPage(FILTERS, "/");
  const tbody = document.querySelector("#messages tbody");
  const totalNode = document.getElementById("total");
  let total = 0;

  function row(m) {
    const href = `${base}/messages/${encodeURIComponent(m.sim_id)}`;
    return el("tr", { dataset: { sim: m.sim_id }, class: m.status ? `r-${m.status}` : "" },
      el("td", {}, timeCell(m.created_at)),
      el("td", {}, el("span", { class: `vendor v-${m.vendor}` }, m.vendor)),
      el("td", {}, m.account),
      el("td", {}, el("a", { href: `${base}/phone${qs({ mobile: m.mobile })}`, title: "open this phone" }, m.mobile)),
      el("td", { class: "text" }, el("a", { href }, m.content)),
      el("td", { class: "num" }, m.segments),
      el("td", { class: "st" }, badge(m.status)),
      el("td", { class: "mono" }, el("a", { href }, m.id)));
  }

  function paintTotal() {
    totalNode.textContent = `${total.toLocaleString()} message${total === 1 ? "" : "s"}`;
  }

  function matches(m) {
    if (filters.vendor && m.vendor !== filters.vendor) return false;
    if (filters.account && m.account !== filters.account) return false;
    if (filters.status && m.status !== filters.status) return false;
    if (filters.mobile && m.mobile !== filters.mobile) return false;
    if (filters.text && !(m.content || "").includes(filters.text)) return false;
    return true;
  }

  async function load() {
    try {
      const page = await api(`/_sim/messages${qs({ ...filters, limit: LIMIT, cursor })}`);
      tbody.replaceChildren(...page.messages.map(row));
      if (!page.messages.length) {
        tbody.append(el("tr", { class: "empty" }, el("td", { colspan: 8 },
          "No messages yet. Send one to any vendor's API and it appears here at once.")));
      }
      total = page.total;
      paintTotal();
      document.getElementById("pageinfo").textContent = cursor ? "(an older page: live rows are added on the newest page)" : "";
      older(page.next);
      document.body.dataset.loaded = "1";
      showError(null);
    } catch (e) { showError(e); }
  }

  on("message", ({ message }) => {
    if (cursor || !matches(message)) return;
    tbody.querySelector("tr.empty")?.remove();
    tbody.prepend(row(message));
    while (tbody.rows.length > LIMIT) tbody.deleteRow(tbody.rows.length - 1);
    total += 1;
    paintTotal();
  });
  on("status", (ev) => {
    const tr = tbody.querySelector(`tr[data-sim="${CSS.escape(ev.sim_id)}"]`);
    if (!tr) return;
    if (filters.status && ev.status !== filters.status) { tr.classList.add("stale"); }
    tr.className = tr.className.replace(/\br-\S+/, "") + ` r-${ev.status}`;
    tr.querySelector("td.st").replaceChildren(badge(ev.status));
  });
  on("reset", load);
  load();
})();
