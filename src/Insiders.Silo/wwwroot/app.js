// Insiders page: plain JS, no build step, no external resources.
"use strict";
const $ = (s) => document.querySelector(s);
const fmt = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const num = (x) => (Math.abs(x) < 1 && x !== 0 ? x.toFixed(3) : fmt.format(x));
const pct = (x) => (100 * x).toFixed(1) + "%";
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const KEY = "insidersAdminKey";
let page = 1;

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) { const p = await r.json().catch(() => ({})); throw Object.assign(new Error(p.detail || r.statusText), { status: r.status }); }
  return r.json();
}

async function loadModel() {
  try {
    const m = await getJson("api/model");
    $("#model-card").innerHTML = [
      ["Version", `<span id="model-version">${m.version}</span>`], ["Trained at", new Date(m.trainedAt).toLocaleString()],
      ["As of", m.asOf], ["Segments (K)", m.k], ["Silhouette", m.silhouette.toFixed(3)], ["Customers", money.format(m.customers)],
      ["Insiders", `${money.format(m.insiderCustomers)} in ${m.insiderSegments} segments`],
      ["Backtest capture", m.backtestCapture == null ? "–" : pct(m.backtestCapture)], ["Rule", esc(m.insiderRule)],
    ].map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  } catch (e) {
    $("#model-card").innerHTML = `<dt>Status</dt><dd id="model-status">${esc(e.message)}</dd>`;
  }
}

function barChart(el, items, opts) {
  // items: [{label, value, insider}] → an inline SVG bar chart.
  const w = 640, h = 160, pad = 24, n = Math.max(items.length, 1), bw = (w - pad) / n;
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const bars = items.map((it, i) => {
    const bh = (h - pad) * (it.value / max), x = pad + i * bw, y = h - pad - bh;
    return `<rect class="${it.insider ? "bar-insider" : "bar-other"}" x="${x + 1}" y="${y}" width="${Math.max(1, bw - 2)}" height="${bh}"><title>${esc(it.label)}: ${esc(opts.format(it.value))}</title></rect>` +
      (opts.labels ? `<text x="${x + bw / 2}" y="${h - 8}" text-anchor="middle">${esc(it.label)}</text>` : "");
  }).join("");
  el.innerHTML = `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(opts.title)}"><text x="0" y="10">${esc(opts.title)}</text>${bars}</svg>`;
}

async function loadSegments() {
  const s = await getJson("api/segments");
  $("#segments-table tbody").innerHTML = s.segments.map((g) => `<tr class="${g.isInsider ? "insider" : ""}">
    <td>${g.segmentId}</td><td>${g.isInsider ? "yes" : ""}</td><td>${money.format(g.customers)}</td><td>${pct(g.shareOfCustomers)}</td>
    <td>${pct(g.shareOfRevenue)}</td><td>${money.format(g.meanGrossRevenue)}</td><td>${fmt.format(g.meanRecencyDays)}</td>
    <td>${g.meanFrequency.toFixed(3)}</td><td>${fmt.format(g.meanQtyInvoices)}</td><td>${fmt.format(g.meanQtyProducts)}</td>
    <td>${pct(g.meanReturnRate)}</td><td>${money.format(g.meanAvgTicket)}</td></tr>`).join("") ||
    `<tr><td colspan="12">No model yet: post transactions and retrain.</td></tr>`;
  barChart($("#segments-chart"), s.segments.map((g) => ({ label: "seg " + g.segmentId, value: g.shareOfRevenue, insider: g.isInsider })),
    { title: "share of revenue per segment (Insider segments highlighted)", format: pct });
}

async function loadInsights() {
  const i = await getJson("api/insights");
  $("#kpis").innerHTML = [
    [money.format(i.insiders), "Insiders"], [pct(i.shareOfCustomers), "of customers"],
    [pct(i.insidersShareOfRevenue), "of revenue"], [money.format(i.customers), "customers"],
  ].map(([v, k]) => `<div class="kpi"><b>${v}</b><span>${k}</span></div>`).join("");
  const months = i.revenueByMonth.flatMap((m) => [
    { label: m.month, value: Number(m.revenue), insider: false }, { label: "", value: Number(m.insidersRevenue), insider: true }]);
  barChart($("#months-chart"), months, { title: "gross revenue per month: everyone (grey), Insiders (orange)", format: (v) => money.format(v), labels: true });
  $("#entry-rule").textContent = i.entry.explanation;
  $("#characteristics tbody").innerHTML = i.characteristics.map((c) => `<tr><td>${c.feature}</td><td>${num(c.insidersMean)}</td>
    <td>${num(c.everyoneMean)}</td><td>${num(c.insidersMedian)}</td><td>${num(c.everyoneMedian)}</td><td>${c.ratio.toFixed(2)}</td></tr>`).join("");
}

async function loadInsiders() {
  const q = $("#search").value.trim();
  const p = await getJson(`api/insiders?page=${page}&pageSize=25&search=${encodeURIComponent(q)}`);
  $("#insiders-count").textContent = `${money.format(p.total)} (model v${p.modelVersion}, as of ${p.asOf})`;
  $("#page").textContent = ` page ${p.page} of ${Math.max(1, Math.ceil(p.total / p.pageSize))} `;
  $("#export").href = `api/insiders?format=csv&search=${encodeURIComponent(q)}`;
  $("#insiders-table tbody").innerHTML = p.items.map((c) => `<tr><td><a href="#" data-id="${esc(c.customerId)}">${esc(c.customerId)}</a></td>
    <td>${c.segmentId ?? ""}</td><td>${money.format(c.grossRevenue)}</td><td>${money.format(c.netRevenue)}</td><td>${c.qtyInvoices}</td>
    <td>${c.qtyProducts}</td><td>${c.recencyDays}</td><td>${money.format(c.avgTicket)}</td></tr>`).join("") || `<tr><td colspan="8">No Insiders.</td></tr>`;
}

async function lookup(id) {
  const out = $("#lookup-result");
  try {
    const c = await getJson("api/customers/" + encodeURIComponent(id));
    const f = c.features || {};
    out.innerHTML = `<p><b>${esc(c.customerId)}</b>: ${c.isInsider ? "<b>Insider</b>" + (c.insiderSince ? " since " + new Date(c.insiderSince).toLocaleString() : "") : "not an Insider"},
      segment ${c.segmentId ?? "–"}, model v${c.modelVersion}, as of ${c.asOf}</p>
      <p>gross ${money.format(f.grossRevenue ?? 0)}, ${f.qtyInvoices ?? 0} invoices, last purchase ${f.recencyDays ?? "–"} days ago</p>
      <p class="hint">${esc(c.why?.explanation ?? "")}</p>`;
  } catch (e) { out.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

function adminKey() {
  const stored = sessionStorage.getItem(KEY);
  if (stored) return Promise.resolve(stored);
  const dialog = $("#key-dialog");
  $("#admin-key").value = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => {
    const key = dialog.returnValue === "ok" ? $("#admin-key").value.trim() : "";
    if (key) sessionStorage.setItem(KEY, key);
    resolve(key || null);
  }, { once: true }));
}

async function retrain() {
  const key = await adminKey();
  if (!key) return;
  const status = $("#retrain-status");
  status.textContent = "retraining…";
  $("#retrain").disabled = true;
  try {
    const r = await fetch("api/model/retrain", { method: "POST", headers: { "X-Api-Key": key } });
    const body = await r.json().catch(() => ({}));
    if (r.status === 401 || r.status === 403) { sessionStorage.removeItem(KEY); throw new Error(body.detail || "key refused"); }
    if (!r.ok) throw new Error(body.detail || r.statusText);
    status.textContent = body.skipped ? `skipped: ${body.skipped}` : `v${body.version}: K=${body.k}, ${body.entered} entered, ${body.left} left`;
    await refresh();
  } catch (e) { status.innerHTML = `<span class="error">${esc(e.message)}</span>`; }
  finally { $("#retrain").disabled = false; }
}

function connectFeed() {
  const source = new EventSource("api/insiders/changes/stream");
  const state = $("#feed-state");
  source.onopen = () => { state.textContent = "live"; state.classList.add("on"); };
  source.onerror = () => { state.textContent = "reconnecting"; state.classList.remove("on"); };
  const add = (e) => {
    const t = JSON.parse(e.data);
    const li = document.createElement("li");
    li.className = e.type;
    li.dataset.customer = t.customerId;
    li.textContent = `${new Date(t.at).toLocaleTimeString()} ${t.customerId} ${e.type === "entered" ? "entered" : "left"} (segment ${t.fromSegment ?? "–"} → ${t.toSegment ?? "–"}, model v${t.modelVersion})`;
    const feed = $("#feed");
    feed.prepend(li);
    while (feed.children.length > 200) feed.lastChild.remove();
  };
  source.addEventListener("entered", add);
  source.addEventListener("left", add);
}

async function refresh() {
  await Promise.allSettled([loadModel(), loadSegments(), loadInsights(), loadInsiders()]);
}

$("#retrain").addEventListener("click", retrain);
$("#search").addEventListener("input", () => { page = 1; loadInsiders(); });
$("#prev").addEventListener("click", () => { if (page > 1) { page--; loadInsiders(); } });
$("#next").addEventListener("click", () => { page++; loadInsiders(); });
$("#lookup-form").addEventListener("submit", (e) => { e.preventDefault(); lookup($("#lookup-id").value.trim()); });
$("#insiders-table").addEventListener("click", (e) => { const id = e.target.dataset?.id; if (id) { e.preventDefault(); $("#lookup-id").value = id; lookup(id); } });
connectFeed();
refresh();
setInterval(refresh, 30000);
