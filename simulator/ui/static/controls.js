// Controls: the simulated clock (freeze, run, advance), the active scenario (edit, load, problems), reset.
"use strict";
(() => {
  const { api, el, time, showError, refreshClock, on } = SIM;

  function paintClock(c) {
    document.getElementById("clock-facts").replaceChildren(
      el("dt", {}, "Now"), el("dd", { id: "clock-now" }, `${time(c.now, true)} (${c.iso})`),
      el("dt", {}, "State"), el("dd", { id: "clock-state" }, c.frozen ? "frozen" : "running with the wall clock"),
      el("dt", {}, "Offset from the wall clock"), el("dd", {}, `${c.offset} s`),
      el("dt", {}, "Pending timers"), el("dd", {}, c.pending_timers),
      el("dt", {}, "Auth windows measured on"), el("dd", {}, `the ${c.auth_clock} clock`));
    document.getElementById("freeze").disabled = c.frozen;
    document.getElementById("unfreeze").disabled = !c.frozen;
  }
  document.addEventListener("sim-clock", (ev) => paintClock(ev.detail));
  // sim.js fetched the clock as the page loaded, maybe before this listener existed: ask again
  if (SIM.clock.state) paintClock(SIM.clock.state);
  SIM.refreshClock();

  async function clockCall(path, body) {
    try {
      const c = await api(path, { method: "POST", body: body || {} });
      await refreshClock();
      return c;
    } catch (e) { showError(e); return null; }
  }
  document.getElementById("freeze").addEventListener("click", () => clockCall("/_sim/clock/freeze"));
  document.getElementById("unfreeze").addEventListener("click", () => clockCall("/_sim/clock/unfreeze"));
  document.getElementById("advance").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const seconds = Number(document.getElementById("advance-seconds").value);
    const out = document.getElementById("advance-result");
    out.textContent = "…";
    const c = await clockCall("/_sim/clock/advance", { seconds });
    out.textContent = c ? `advanced ${seconds} s: ${c.fired} timer${c.fired === 1 ? "" : "s"} fired` : "";
  });

  const text = document.getElementById("scenario-text");
  const problems = document.getElementById("scenario-problems");
  const result = document.getElementById("scenario-result");
  async function loadScenario() {
    try {
      const { scenario } = await api("/_sim/scenario");
      document.getElementById("scenario-name").textContent = scenario.name ? `“${scenario.name}”` : "";
      text.value = JSON.stringify(scenario, null, 2);
      document.body.dataset.loaded = "1";
    } catch (e) { showError(e); }
  }
  async function apply(source) {
    problems.replaceChildren();
    result.textContent = "…";
    try {
      // JSON (or YAML) text; the body is the scenario itself, declared as JSON for the admin API
      const r = await api("/_sim/scenario", { method: "PUT", body: source });
      result.textContent = `applied “${r.scenario}”: ${r.rules} rules, ${r.reviews} reviews`;
      loadScenario();
    } catch (e) {
      result.textContent = e.message;
      for (const p of (e.data && e.data.problems) || []) problems.append(el("li", {}, p));
    }
  }
  document.getElementById("scenario-apply").addEventListener("click", () => apply(text.value));
  document.getElementById("scenario-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const source = await file.text();
    text.value = source;
    apply(source);
  });

  document.getElementById("reset").addEventListener("click", async () => {
    if (!confirm("Forget every message, reply, callback and timer?")) return;
    try {
      await api("/_sim/reset", { method: "POST", body: {} });
      document.getElementById("reset-result").textContent = "reset done";
      refreshClock();
      loadScenario();
    } catch (e) { showError(e); }
  });
  // demo traffic: start, follow its counters while it runs, stop
  const trafficState = document.getElementById("traffic-state");
  let polling = null;
  function paintTraffic(t) {
    document.getElementById("traffic-start").disabled = t.running;
    document.getElementById("traffic-stop").disabled = !t.running;
    if (!t.options) { trafficState.textContent = "not run yet"; return; }
    trafficState.textContent = `${t.running ? "running" : "stopped"}: ${t.sent} requests, ${t.accepted} messages accepted, `
      + `${t.refused} refused, ${t.replies} replies${t.error ? ` — ${t.error}` : ""}`;
    clearTimeout(polling);
    if (t.running) polling = setTimeout(loadTraffic, 1000);
  }
  async function loadTraffic() {
    try { paintTraffic(await api("/_sim/traffic")); } catch (e) { showError(e); }
  }
  document.getElementById("traffic").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { rate: Number(document.getElementById("traffic-rate").value),
      duration: Number(document.getElementById("traffic-duration").value) };
    try { paintTraffic(await api("/_sim/traffic", { method: "POST", body })); showError(null); }
    catch (e) { showError(e); }
  });
  document.getElementById("traffic-stop").addEventListener("click", async () => {
    try { paintTraffic(await api("/_sim/traffic", { method: "DELETE", body: {} })); } catch (e) { showError(e); }
  });
  loadTraffic();
  on("scenario", loadScenario);
  loadScenario();
})();
