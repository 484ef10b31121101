// The sandbox web chat: polls /api/state and /api/calls, and sends what the visitor does.
// Plain JavaScript, no build step. Message HTML comes from the server already sanitised
// (re-serialised from Telegram entities); everything else is inserted as text.
"use strict";

const POLL_MS = 700;
const state = { actor: null, data: null, lastRender: "", callsNext: 0, answersSeen: new Set(), busy: 0 };
const $ = (sel) => document.querySelector(sel);
// Matches the stylesheet's phone breakpoint: one panel at a time, behind tabs.
const NARROW = window.matchMedia("(max-width: 760px)");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function toast(text, kind = "info") {
  const node = el("div", { class: `toast ${kind}` }, text);
  $("#toasts").append(node);
  setTimeout(() => node.classList.add("hide"), kind === "alert" ? 6000 : 3500);
  setTimeout(() => node.remove(), kind === "alert" ? 6600 : 4100);
}

// An action: mark the page busy, run it, refresh at once, report errors as toasts.
async function act(fn) {
  state.busy += 1;
  document.body.classList.add("busy");
  try {
    const result = await fn();
    await refresh();
    return result;
  } catch (error) {
    toast(error.message, "error");
    return null;
  } finally {
    state.busy -= 1;
    if (!state.busy) document.body.classList.remove("busy");
  }
}

function fmtTime(iso, withDate = true) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (!withDate) return time;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time} UTC`;
}

// -- rendering -----------------------------------------------------------------------------

// A small button that copies `value` (a Telegram id, for the prompts that ask for one).
const COPY_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="8" y="8" width="12" height="12" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

function copyButton(value, what) {
  const button = el("button", { type: "button", class: "copy", title: `Copy ${what}`,
    "aria-label": `Copy ${what}`, dataset: { copy: String(value) },
    onclick: (event) => { event.stopPropagation(); copyText(String(value), what); } });
  button.innerHTML = COPY_ICON; // a constant of this file, not data
  return button;
}

async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API (a page not served from localhost): the old way, a selected field.
    const field = el("textarea", { class: "offscreen", readonly: "" });
    field.value = text;
    document.body.append(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    if (!copied) { toast(`Could not copy: ${text}`, "error"); return; }
  }
  toast(`Copied ${what}: ${text}`);
}

function renderActors(data) {
  const list = $("#actors");
  list.replaceChildren(...data.actors.map((a) => {
    const badges = [];
    if (a.admin) badges.push(el("span", { class: "badge admin" }, "admin"));
    if (a.vip) badges.push(el("span", { class: "badge vip" }, "VIP"));
    badges.push(el("span", { class: "badge lang" }, a.language));
    // The Telegram id is shown and copyable: the admins' prompts ask for one.
    return el("li", { class: "person" },
      el("button", {
        class: `actor${a.id === state.actor ? " selected" : ""}`,
        dataset: { actorId: String(a.id) },
        onclick: () => selectActor(a.id),
      },
      el("span", { class: `avatar small ${a.kind}` }, a.name.slice(0, 1).toUpperCase()),
      el("span", { class: "actor-main" }, el("span", { class: "actor-name" }, a.name),
        el("span", { class: "uid" }, `id ${a.id}`)),
      el("span", { class: "badges" }, badges)),
      copyButton(a.id, `${a.name}'s Telegram id`));
  }));
}

// `channel` is the channel's key for a post's buttons (anyone who sees a post may press them).
function buttonRow(message, row, r, channel) {
  return el("div", { class: "kb-row" }, row.map((b, c) => {
    if (b.kind === "url") {
      return el("a", {
        class: "kb-btn url", href: b.url, target: "_blank", rel: "noopener noreferrer",
        onclick: (event) => openLink(event, b.url),
      }, b.text, el("span", { class: "arrow" }, " ↗"));
    }
    if (b.kind !== "callback") {
      return el("button", { class: "kb-btn", disabled: true, title: `${b.kind} button` }, b.text);
    }
    return el("button", {
      class: "kb-btn", dataset: { label: b.text, messageId: String(message.id) },
      onclick: () => act(async () => {
        // The button's place, not only its label: a list may repeat "Decline" per row.
        const body = { actor: state.actor, message_id: message.id, label: b.text, row: r, col: c };
        if (channel) body.channel = channel;
        const answer = await api("/api/click", body);
        if (answer.answer) state.answersSeen.add(`click:${answer.answer}`);
        if (answer.answer) toast(answer.answer, answer.alert ? "alert" : "info");
      }),
    }, b.text);
  }));
}

const MEDIA_ICONS = { photo: "🖼", video: "🎬", animation: "🎞", voice: "🎤", document: "📄" };

// A message's file: a photo shown in place, a video or voice note with the browser's player
// (loaded only when played), and for every kind a line to download it.
function mediaParts(m) {
  const parts = [];
  for (const kind of Object.keys(MEDIA_ICONS)) {
    const file = m[kind];
    if (!file) continue;
    const inline = `${file.url}&inline=1`;
    if (kind === "photo") {
      parts.push(el("img", { class: "media", src: inline, alt: file.name, loading: "lazy",
        onerror: (event) => event.target.remove() }));
    } else if (kind === "video" || kind === "animation") {
      parts.push(el("video", { class: "media", src: inline, controls: "", preload: "none",
        playsinline: "", loop: kind === "animation" ? "" : null }));
    } else if (kind === "voice") {
      parts.push(el("audio", { class: "media-audio", src: inline, controls: "", preload: "none" }));
    }
    parts.push(el("a", { class: "file", href: file.url, download: file.name },
      el("span", { class: "file-icon" }, MEDIA_ICONS[kind]),
      el("span", {}, el("strong", {}, file.name), el("br"),
        el("span", { class: "muted" }, `${(file.size / 1024).toFixed(1)} KB · download`))));
  }
  return parts;
}

function renderMessage(m, channel) {
  const body = el("div", { class: "text" });
  body.innerHTML = m.html; // sanitised on the server: only Telegram's formatting tags
  const meta = el("div", { class: "meta" }, m.edited ? "edited " : "", fmtTime(m.date, false));
  const bubble = el("div", { class: `bubble ${m.out ? "out" : "in"}`, dataset: { messageId: String(m.id) } },
    mediaParts(m), m.html ? body : null, meta);
  const wrap = el("div", { class: `msg ${m.out ? "out" : "in"}` }, bubble);
  if (m.buttons && m.buttons.length) {
    wrap.append(el("div", { class: "keyboard" }, m.buttons.map((row, r) => buttonRow(m, row, r, channel))));
  }
  return wrap;
}

function renderMessages(data) {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  if (!state.actor) {
    box.replaceChildren(el("div", { class: "empty" }, "Choose who you are, then say /start.",
      el("br"), el("button", { class: "btn primary narrow-only", onclick: () => showPanel("people") },
        "Choose who you are")));
    return;
  }
  const messages = data.messages || [];
  if (!messages.length) {
    box.replaceChildren(el("div", { class: "empty" }, "No messages yet. Say /start to meet Lucien."));
    return;
  }
  box.replaceChildren(...messages.map((m) => renderMessage(m)));
  if (atBottom || state.scrollNext) box.scrollTop = box.scrollHeight;
  state.scrollNext = false;
}

function renderHeader(data) {
  $("#now").textContent = fmtTime(data.now);
  $("#bot-username").textContent = `@${data.bot.username}`;
  const actor = data.actors.find((a) => a.id === state.actor);
  $("#chat-sub").textContent = actor
    ? `you are ${actor.name} · id ${actor.id} · Telegram language ${actor.language}`
    : "choose who you are first";
  document.body.classList.toggle("is-admin", Boolean(actor && actor.admin));
  // Shortcuts of a plugin that is off (LUCIEN_DISABLED_PLUGINS) are not offered.
  for (const chip of document.querySelectorAll("[data-plugin]")) {
    chip.hidden = !(data.plugins || []).includes(chip.dataset.plugin);
  }
  $("#text").disabled = !actor;
  $("#send").disabled = !actor;
  $("#attach").disabled = !actor;
}

function render(data) {
  renderHeader(data);
  renderActors(data);
  renderChannels(data);
  renderMessages(data);
  for (const answer of data.answers || []) {
    if (state.answersSeen.has(answer.id)) continue;
    state.answersSeen.add(answer.id);
    if (!state.answersSeen.has(`click:${answer.text}`)) toast(answer.text, answer.alert ? "alert" : "info");
  }
}

async function refresh() {
  const query = state.actor ? `?actor=${state.actor}` : "";
  let data;
  try {
    data = await api(`/api/state${query}`);
  } catch (error) {
    if (!state.actor || !/no such person/.test(error.message)) throw error;
    state.actor = null; // e.g. a page left open across a --reset
    data = await api("/api/state");
  }
  const key = JSON.stringify(data);
  if (key !== state.lastRender) {
    state.lastRender = key;
    state.data = data;
    render(data);
  }
  await refreshCalls();
}

async function refreshCalls() {
  const data = await api(`/api/calls?since=${state.callsNext}`);
  state.callsNext = data.next;
  $("#calls-count").textContent = `(${data.next})`;
  const list = $("#calls");
  for (const call of data.calls) {
    list.prepend(el("li", { class: `call${call.status === 200 ? "" : " failed"}` },
      el("details", {},
        el("summary", {}, el("span", { class: "n" }, `#${call.n}`), " ",
          el("span", { class: "method" }, call.method), " ",
          el("span", { class: "code" }, String(call.status))),
        el("pre", {}, call.params))));
  }
  while (list.children.length > 300) list.lastChild.remove();
}

// -- actions -------------------------------------------------------------------------------

// On a phone one panel shows at a time (the stylesheet reads body[data-panel]); on wide
// screens every panel shows and this only keeps the tabs' state for when the window narrows.
function showPanel(name) {
  document.body.dataset.panel = name;
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
}

function selectActor(id) {
  state.actor = id;
  state.answersSeen = new Set((state.data && state.data.answers || []).map((a) => a.id));
  state.scrollNext = true;
  history.replaceState(null, "", `#actor=${id}`);
  state.lastRender = "";
  act(async () => {
    const data = await api(`/api/state?actor=${id}`);
    for (const a of data.answers || []) state.answersSeen.add(a.id);
  });
  // On a phone, picking someone opens their chat; the keyboard waits for a tap on the box.
  if (NARROW.matches) showPanel("chat");
  else $("#text").focus();
}

// Links the sandbox can follow itself: invitation links join a channel, links to the bot
// (t.me/<bot>?start=...) open it with /start; other links open in a new tab.
function openLink(event, href) {
  const internal = /^https:\/\/t\.me\/(\+|[A-Za-z0-9_]+\?start=)/.test(href);
  if (!internal || !state.actor) return;
  event.preventDefault();
  act(async () => {
    const result = await api("/api/join", { actor: state.actor, link: href });
    toast(result.message, result.ok ? "info" : "error");
    state.scrollNext = true;
  });
}

async function send(text) {
  if (!state.actor || !text.trim()) return;
  state.scrollNext = true;
  await act(() => api("/api/send", { actor: state.actor, text }));
}

function setup() {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => showPanel(tab.dataset.tab));
  }
  setupComposer();
  $("#attach").addEventListener("click", () => $("#file").click());
  $("#file").addEventListener("change", (event) => {
    chooseAttachment(event.target.files[0]);
    event.target.value = ""; // the same file may be chosen again
  });
  for (const chip of document.querySelectorAll(".chip")) {
    chip.addEventListener("click", () => send(chip.dataset.text));
  }
  for (const button of document.querySelectorAll("[data-clock]")) {
    button.addEventListener("click", () => act(async () => {
      const amount = Number(button.dataset.amount);
      const result = await api("/api/clock", { [button.dataset.clock]: amount });
      toast(`Clock moved to ${fmtTime(result.now)}`);
    }));
  }
  $("#new-actor").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("#new-name").value.trim();
    if (!name) return;
    act(async () => {
      const actor = await api("/api/actors", { name, language: $("#new-lang").value });
      $("#new-name").value = "";
      selectActor(actor.id);
    });
  });
  $("#messages").addEventListener("click", (event) => {
    const link = event.target.closest(".text a");
    if (link) openLink(event, link.getAttribute("href"));
    const spoiler = event.target.closest(".tg-spoiler");
    if (spoiler) spoiler.classList.add("revealed");
  });
  const fromHash = /actor=(\d+)/.exec(location.hash);
  if (fromHash) state.actor = Number(fromHash[1]);
  refresh().catch((error) => toast(error.message, "error"));
  setInterval(() => { if (!state.busy) refresh().catch(() => {}); }, POLL_MS);
}

document.addEventListener("DOMContentLoaded", setup);
