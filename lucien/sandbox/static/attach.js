// The web chat's attachments: a photo or a video the chosen person sends, with the
// composer's text as its caption. Loaded after app.js, whose helpers (state, act, api,
// toast, el, $) it uses; app.js's setup wires the 📎 button and the file input to it.
"use strict";

const MAX_UPLOAD = 20 * 1024 * 1024;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];

function attachmentKind(file) {
  if (PHOTO_TYPES.includes(file.type)) return "photo";
  if (file.type.startsWith("video/")) return "video";
  return null;
}

function showAttachment() {
  const box = $("#attachment");
  const file = state.attachment;
  box.hidden = !file;
  if (!file) { box.replaceChildren(); return; }
  box.replaceChildren(
    el("span", { class: "file-icon" }, attachmentKind(file) === "photo" ? "🖼" : "🎬"),
    el("span", { class: "attachment-name" }, file.name),
    el("span", { class: "muted" }, `${(file.size / 1024).toFixed(0)} KB · the text becomes its caption`),
    el("button", { type: "button", class: "btn small", title: "Remove the attachment",
      onclick: () => { state.attachment = null; showAttachment(); } }, "✕"));
}

function chooseAttachment(file) {
  if (!file) return;
  if (!attachmentKind(file)) {
    toast("Attach a photo (JPEG, PNG, GIF, WebP) or a video", "error");
  } else if (file.size > MAX_UPLOAD) {
    toast("Files up to 20 MB, please", "error");
  } else {
    state.attachment = file;
  }
  showAttachment();
}

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

async function sendAttachment(caption) {
  const file = state.attachment;
  if (!state.actor || !file) return false;
  state.scrollNext = true;
  const done = await act(async () => {
    const data = await base64Of(file);
    return api("/api/send_media", {
      actor: state.actor, kind: attachmentKind(file), name: file.name, data, caption,
    });
  });
  if (done) { state.attachment = null; showAttachment(); }
  return Boolean(done);
}
