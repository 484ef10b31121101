// The composer: a text box that takes several lines and grows with them. On a keyboard,
// Enter sends and Shift+Enter starts a new line, as in Telegram's desktop apps; on a touch
// screen Enter is a new line and the Send button sends, as in its phone apps. Loaded after
// app.js, whose helpers (state, $, send) it uses; app.js's setup calls setupComposer.
"use strict";

// A finger-driven device: its on-screen keyboard's Enter key writes a new line.
const TOUCH = window.matchMedia("(pointer: coarse)");

// Fit the box to its lines (the stylesheet caps it; past the cap it scrolls).
function fitComposer() {
  const box = $("#text");
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight + (box.offsetHeight - box.clientHeight)}px`;
  box.style.overflowY = box.scrollHeight > box.clientHeight ? "auto" : "hidden";
}

async function submitComposer() {
  const box = $("#text");
  const text = box.value;
  if (state.attachment) {
    if (await sendAttachment(text.trim())) box.value = "";
  } else {
    if (!text.trim()) return;
    box.value = "";
    fitComposer();
    await send(text);
  }
  fitComposer();
  box.focus();
}

function setupComposer() {
  const box = $("#text");
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  box.addEventListener("input", fitComposer);
  box.addEventListener("keydown", (event) => {
    // An input method still composing a word uses Enter to confirm it.
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
    if (event.shiftKey || event.altKey || TOUCH.matches) return; // a new line
    event.preventDefault();
    submitComposer();
  });
  fitComposer();
}
