// Shared helpers of the sandbox pages: admin API calls, formatting, the live feed, the header clock.
"use strict";
const SIM = (() => {
  const base = document.body.dataset.base;

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: { Accept: "application/json" } };
    if (options.body !== undefined) {
      // every state-changing call sends JSON (the admin API may refuse anything else)
      init.headers["Content-Type"] = "application/json";
      init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const resp = await fetch(path, init);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      const err = new Error((data && data.error) || `${resp.status} ${resp.statusText}`);
      err.status = resp.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const pad = (n) => String(n).padStart(2, "0");
  function time(epoch, withDate) {
    if (epoch === null || epoch === undefined) return "";
    const d = new Date(epoch * 1000);
    const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (!withDate) return t;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}`;
  }
  function timeCell(epoch) {
    return el("time", { datetime: new Date(epoch * 1000).toISOString(), title: time(epoch, true) }, time(epoch));
  }

  function badge(status) {
    return el("span", { class: `status s-${status}` }, status);
  }

  function showError(err) {
    const box = document.getElementById("error");
    if (!box) return;
    if (!err) { box.hidden = true; return; }
    box.textContent = err.message || String(err);
    box.hidden = false;
  }

  function pre(text) {
    return el("pre", { class: "raw", tabindex: "0" }, text === "" || text == null ? "(empty)" : String(text));
  }

  function pretty(text) {
    if (typeof text !== "string") return JSON.stringify(text, null, 2);
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  // a form body (or query string) as decoded "name = value" lines, else the body (pretty when JSON)
  function decoded(heads, body, plain) {
    if (plain) return pretty(plain);  // the admin API decoded it (emay: decrypted)
    const type = Object.entries(heads || {}).find(([k]) => k.toLowerCase() === "content-type");
    if (body && type && type[1].includes("application/x-www-form-urlencoded")) {
      try {
        return [...new URLSearchParams(body)].map(([k, v]) => `${k} = ${v}`).join("\n");
      } catch (e) { return body; }
    }
    return pretty(body);
  }

  function headers(obj) {
    return Object.entries(obj || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  }

  // the query string of the page as an object, and building URLs from it
  function query() { return Object.fromEntries(new URLSearchParams(location.search)); }
  function qs(obj) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
    const s = p.toString();
    return s ? `?${s}` : "";
  }
  function fillForm(form, values) {
    for (const field of form.elements) {
      if (!field.name || !(field.name in values)) continue;
      if (field.type === "checkbox") field.checked = values[field.name] === field.value;
      else field.value = values[field.name];
    }
  }

  // a filtered, paged list page: the #filters form and the page's URL hold the filters, the URL the
  // cursor; #newest and #older link the pages.  Returns {filters, cursor, older(next)}.
  function listPage(names, path) {
    const params = query();
    const filters = Object.fromEntries(names.map((k) => [k, params[k] || ""]));
    const form = document.getElementById("filters");
    fillForm(form, filters);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      location.search = qs(Object.fromEntries(names.map((k) => [k, (values[k] || "").trim()])));
    });
    document.getElementById("newest").href = `${base}${path}${qs(filters)}`;
    const older = (next) => {
      const link = document.getElementById("older");
      if (next) link.href = `${base}${path}${qs({ ...filters, cursor: next })}`;
      else { link.removeAttribute("href"); link.setAttribute("aria-disabled", "true"); }
    };
    return { filters, cursor: params.cursor || "", older };
  }

  // a "Details" button that shows and hides a detail row
  function toggler(detail) {
    const button = el("button", { type: "button", "aria-expanded": "false", onclick: () => {
      detail.hidden = !detail.hidden;
      button.setAttribute("aria-expanded", String(!detail.hidden));
    } }, "Details");
    return button;
  }

  // live events: one EventSource per page, handlers per event type
  const handlers = {};
  let source = null;
  function on(type, fn) {
    (handlers[type] = handlers[type] || []).push(fn);
    if (!source) connect();
    else source.addEventListener(type, dispatch);
  }
  function dispatch(ev) {
    let data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    for (const fn of handlers[ev.type] || []) fn(data);
  }
  function connect() {
    const live = document.getElementById("live");
    source = new EventSource("/_sim/events");
    for (const type of Object.keys(handlers)) source.addEventListener(type, dispatch);
    source.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
    source.onerror = () => { live.textContent = "reconnecting"; live.classList.remove("on"); };
  }

  // the simulated clock in the header
  const clock = { now: null, frozen: true, at: 0 };
  async function refreshClock() {
    try {
      const c = await api("/_sim/clock");
      Object.assign(clock, { now: c.now, frozen: c.frozen, at: performance.now(), state: c });
      paintClock();
      document.dispatchEvent(new CustomEvent("sim-clock", { detail: c }));
    } catch (e) { /* shown on the next try */ }
  }
  function paintClock() {
    const node = document.getElementById("clock");
    if (clock.now === null) return;
    const now = clock.frozen ? clock.now : clock.now + (performance.now() - clock.at) / 1000;
    node.textContent = `${time(now, true)}${clock.frozen ? " ❄ frozen" : ""}`;
  }
  refreshClock();
  setInterval(paintClock, 1000);
  setInterval(refreshClock, 15000);

  return { base, api, el, time, timeCell, badge, showError, pre, pretty, decoded, headers, query, qs, fillForm, listPage, toggler, on,
    refreshClock, clock };
})();

// the clock moves on its own only when it runs; a status change often means it was advanced elsewhere
(() => {
  let pending = null;
  const soon = () => { clearTimeout(pending); pending = setTimeout(SIM.refreshClock, 300); };
  SIM.on("reset", soon);
  SIM.on("status", soon);
})();
