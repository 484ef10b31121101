// The dashboard page: fetches /dashboard/data.json every few seconds and draws it.
// Plain DOM and inline SVG: nothing is loaded from anywhere else (the CSP forbids it),
// and every figure is written with textContent (names come from plugins and Telegram).
"use strict";

const REFRESH_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";
let range = "hour";
let last = null;

function $(id) { return document.getElementById(id); }

// Numbers and times in the page's language, times on a 24 h clock in the house's zone.
const LANG = document.documentElement.lang || "en";
let zone = "UTC";
function clockAt(t, withSeconds) {
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
  if (withSeconds) options.second = "2-digit";
  try { return new Date(t).toLocaleTimeString(LANG, options); }
  catch (e) { delete options.timeZone; return new Date(t).toLocaleTimeString(LANG, options); }
}

function fmt(value, unit) {
  if (value === null || value === undefined) return "–";
  const n = Number(value);
  const text = Number.isInteger(n) ? n.toLocaleString(LANG) : n.toLocaleString(LANG, { maximumFractionDigits: 2 });
  return unit ? text + " " + unit : text;
}

function seconds(value) {
  if (value === null || value === undefined) return "–";
  if (value < 90) return Math.round(value) + " s";
  if (value < 5400) return Math.round(value / 60) + " min";
  return (value / 3600).toLocaleString(LANG, { maximumFractionDigits: 1 }) + " h";
}

function fillRows(table, rows, strings) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (!rows.length) rows = [[strings.none, ""]];
  for (const cells of rows) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement("td");
      if (cell && typeof cell === "object") {
        td.textContent = cell.text;
        if (cell.cls) td.className = cell.cls;
        if (cell.key) tr.dataset.key = cell.key;
      } else {
        td.textContent = cell;
      }
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

function el(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// One line per series (dots too while there are few points, so a lone sample shows);
// the y axis starts at 0 and is labelled with its top value, the x axis with its ends.
function chart(box, points, series, strings) {
  const w = Math.max(200, Math.round(box.getBoundingClientRect().width) || 600), h = 160, pad = 30;
  const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img" });
  const values = points.flatMap((p) => series.map((s) => p[s.key])).filter((v) => v !== null && v !== undefined);
  if (!points.length || !values.length) {
    const t = el("text", { x: w / 2, y: h / 2, "text-anchor": "middle", class: "empty" });
    t.textContent = strings.no_data;
    svg.appendChild(t);
    box.replaceChildren(svg);
    return;
  }
  const top = Math.max(...values) || 1;
  const t0 = points[0].t, t1 = points[points.length - 1].t;
  const x = (t) => pad + (t1 > t0 ? ((t - t0) / (t1 - t0)) * (w - pad - 8) : (w - pad) / 2);
  const y = (v) => h - 22 - (v / top) * (h - 36);
  svg.appendChild(el("line", { x1: pad, y1: y(0), x2: w - 4, y2: y(0), class: "axis" }));
  const label = el("text", { x: 2, y: 12, class: "tick" });
  label.textContent = fmt(Math.round(top * 100) / 100);
  svg.appendChild(label);
  const clock = (t) => clockAt(t, false);
  const left = el("text", { x: pad, y: h - 4, class: "tick" });
  left.textContent = clock(t0);
  const right = el("text", { x: w - 4, y: h - 4, "text-anchor": "end", class: "tick" });
  right.textContent = clock(t1);
  svg.append(left, right);
  for (const s of series) {
    const shown = points.filter((p) => p[s.key] !== null && p[s.key] !== undefined);
    const d = shown.map((p) => `${x(p.t).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(" ");
    if (d) svg.appendChild(el("polyline", { points: d, class: "line " + s.cls }));
    if (shown.length <= 60) {
      for (const p of shown) svg.appendChild(el("circle", { cx: x(p.t), cy: y(p[s.key]), r: 3, class: "dot " + s.cls }));
    }
  }
  box.replaceChildren(svg);
}

function render(data) {
  const s = data.strings;
  zone = data.tz || "UTC";
  $("live-rate").textContent = fmt(data.live.rate);
  $("live-p50").textContent = fmt(data.live.p50, "ms");
  $("live-p99").textContent = fmt(data.live.p99, "ms");
  const day = data.day;
  $("day-updates").textContent = fmt(day.updates);
  $("day-p99").textContent = fmt(day.p99, "ms");
  $("day-failures").textContent = fmt(Object.values(day.failures).reduce((a, b) => a + b, 0));
  $("day-api-errors").textContent = fmt(Object.values(day.api_errors).reduce((a, b) => a + b, 0));
  $("day-429").textContent = fmt(day.r429);

  fillRows($("failures"), Object.entries(day.failures).map(([plugin, n]) => [{ text: plugin, key: plugin }, fmt(n)]), s);
  fillRows($("api-errors"), Object.entries(day.api_errors).map(([k, n]) => [{ text: k.replace(":", " · "), key: k }, fmt(n)]), s);
  const queues = data.gauges.filter((g) => g.kind === "queue");
  fillRows($("queues"), queues.map((g) => [{ text: g.label, key: g.name }, fmt(g.value), seconds(g.lag)]), s);
  const business = data.gauges.filter((g) => g.kind !== "queue");
  fillRows($("business"), business.map((g) => [{ text: g.label, key: g.name }, fmt(g.value)]), s);
  fillRows($("health"), data.health.checks.map((c) => [{ text: c.name, key: c.name }, { text: s["st_" + c.status] || c.status, cls: "st-" + c.status }, c.detail]), s);

  const points = data.series[range];
  chart($("chart-rate"), points, [{ key: "rate", cls: "a" }], s);
  chart($("chart-latency"), points, [{ key: "p50", cls: "a" }, { key: "p99", cls: "b" }], s);
  chart($("chart-errors"), points, [{ key: "failures", cls: "b" }, { key: "api_errors", cls: "c" }], s);
  $("status").textContent = s.updated + " " + clockAt(Date.now(), true);
  $("status").className = "muted st-" + data.health.status;
}

async function refresh() {
  try {
    const response = await fetch("/dashboard/data.json", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 403) {
      $("status").textContent = last ? last.strings.session_over : "403";
      return; // the session is over: stop asking
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    last = await response.json();
    render(last);
  } catch (e) {
    if (last) $("status").textContent = last.strings.offline;
  }
  setTimeout(refresh, REFRESH_MS);
}

function pick(which) {
  range = which;
  $("range-hour").classList.toggle("on", which === "hour");
  $("range-day").classList.toggle("on", which === "day");
  if (last) render(last);
}

document.addEventListener("DOMContentLoaded", () => {
  $("range-hour").addEventListener("click", () => pick("hour"));
  $("range-day").addEventListener("click", () => pick("day"));
  refresh();
});
