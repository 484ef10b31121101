// The channels view: each channel the running plugins use, with its id (the admins'
// channel prompt asks for one), its members and join requests, and its newest posts, which
// the chosen person can press the buttons of or forward to the bot (the prompt's first way
// to name a channel). Loaded after app.js, whose helpers (state, act, api, el, toast,
// renderMessage, copyButton, showPanel, NARROW, fmtTime) it uses.
"use strict";

function memberRow(member) {
  const me = member.id === state.actor;
  return el("li", { class: `member${me ? " me" : ""}`, dataset: { userId: String(member.id) } },
    el("span", {}, member.name), el("span", { class: `status ${member.status}` }, member.status));
}

// Forward a post (or, with no message id, the newest one) to the bot as the chosen person;
// their chat is where the answer comes, so a phone goes there.
function forwardPost(channel, messageId) {
  return act(async () => {
    const body = { actor: state.actor, channel };
    if (messageId !== undefined) body.message_id = messageId;
    const result = await api("/api/forward", body);
    toast(result.message);
    state.scrollNext = true;
    if (NARROW.matches) showPanel("chat");
  });
}

function channelActions(c) {
  const actions = el("div", { class: "channel-actions" });
  if (!state.actor) return actions;
  const mine = c.members.find((m) => m.id === state.actor);
  const pending = c.requests.some((r) => r.id === state.actor);
  if (mine && (mine.status === "creator" || mine.status === "administrator")) {
    actions.append(el("span", { class: "muted" }, mine.status === "creator" ? "you own this channel" : "you are an admin here"));
  } else if (mine) {
    actions.append(el("button", { class: "btn small", dataset: { leave: c.key },
      onclick: () => act(() => api("/api/leave", { actor: state.actor, channel: c.key })) }, "Leave"));
  } else if (pending) {
    actions.append(el("span", { class: "muted" }, "request pending…"));
  } else {
    actions.append(el("button", { class: "btn small primary", dataset: { join: c.key },
      onclick: () => act(async () => {
        const result = await api("/api/join", { actor: state.actor, channel: c.key });
        toast(result.message, result.ok ? "info" : "error");
      }) }, c.key === "free" ? "Ask to join" : "Join with my link"));
  }
  if (!c.posts.length) {
    // Nothing posted yet: the sandbox writes a short post and forwards it.
    actions.append(el("button", { class: "btn small", dataset: { forwardChannel: c.key },
      title: "The channel has no post yet: one is written, then forwarded",
      onclick: () => forwardPost(c.key) }, "Forward a post to the bot"));
  }
  return actions;
}

// A post as a member's client shows it; its buttons are pressed as the chosen person
// (member or not: the bot decides what a stranger's press does).
function renderPost(post, key) {
  const node = renderMessage(post, key);
  if (state.actor) {
    node.append(el("div", { class: "post-actions" },
      el("button", { type: "button", class: "link-btn", dataset: { forward: String(post.id) },
        title: "Forward this post to the bot, as the chosen person",
        onclick: () => forwardPost(key, post.id) }, "Forward to the bot ›")));
  }
  return node;
}

function renderChannels(data) {
  const box = $("#channels");
  if (!data.channels.length) {
    box.replaceChildren(el("p", { class: "hint" }, "No channel: the plugins that set them are off."));
    return;
  }
  box.replaceChildren(...data.channels.map((c) => {
    const requests = c.requests.length ? el("div", { class: "requests" },
      el("div", { class: "sub" }, `Join requests (${c.requests.length})`),
      el("ul", { class: "members" }, c.requests.map((r) => el("li", { class: "member pending", dataset: { userId: String(r.id) } },
        el("span", {}, r.name), el("span", { class: "status pending" }, `since ${fmtTime(r.since, false)}`))))) : null;
    const posts = c.posts.length ? el("div", { class: "posts" },
      el("div", { class: "sub" }, `Posts (${c.posts.length})`),
      el("div", { class: "post-list", dataset: { channelPosts: c.key } },
        c.posts.map((p) => renderPost(p, c.key)))) : null;
    const people = c.members.filter((m) => m.status === "member" || m.status === "restricted").length;
    return el("div", { class: `channel ${c.key}`, dataset: { channel: c.key } },
      el("div", { class: "channel-head" },
        el("span", { class: `tag ${c.key}` }, c.key === "vip" ? "VIP" : "Free"),
        el("strong", { class: "channel-title" }, c.title)),
      el("div", { class: "channel-meta muted" },
        el("span", { class: "uid channel-id" }, `id ${c.id}`), copyButton(c.id, `the id of ${c.title}`)),
      el("div", { class: "channel-meta muted" },
        `${people} member${people === 1 ? "" : "s"} · ${c.links} invite link${c.links === 1 ? "" : "s"}`),
      channelActions(c),
      el("ul", { class: "members" }, c.members.map(memberRow)),
      requests, posts);
  }));
}
