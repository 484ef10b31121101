"""Messages as a Telegram client shows them, as safe HTML for the web chat.

The emulator stores each message's plain text and the entities it parsed from the bot's
HTML (offsets in UTF-16 code units). Re-serialising from those, rather than passing the
bot's HTML through, means the page only ever receives tags this module wrote: every
character of text is escaped, links keep only http(s)/tg schemes, and nothing the bot or
a user typed can become markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# entity type -> (opening tag, closing tag)
_TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "bot_command": ('<span class="cmd">', "</span>"),
}
_SAFE_SCHEMES = ("http", "https", "tg")
# Telegram clients turn bare URLs into links; the emulator records no "url" entities.
_BARE_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def safe_href(url: str) -> str | None:
    """The URL if its scheme is one a chat link may have, else None."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in _SAFE_SCHEMES else None


def _link(url: str, inner: str) -> str:
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" '
        f'rel="noopener noreferrer">{inner}</a>'
    )


def _plain(text: str, linkify: bool) -> str:
    if not linkify:
        return html.escape(text, quote=False)
    out: list[str] = []
    pos = 0
    for match in _BARE_URL.finditer(text):
        out.append(html.escape(text[pos : match.start()], quote=False))
        out.append(_link(match.group(), html.escape(match.group(), quote=False)))
        pos = match.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _open_close(entity: dict[str, Any]) -> tuple[str, str, bool]:
    """Tags for one entity, and whether it is a link (no linkify inside it)."""
    kind = entity.get("type", "")
    if kind == "text_link":
        url = safe_href(str(entity.get("url", "")))
        if url is None:
            return "<span>", "</span>", False
        return _link(url, "").removesuffix("</a>"), "</a>", True
    if kind == "text_mention":
        return '<span class="mention">', "</span>", True
    if kind == "pre" and entity.get("language"):
        lang = html.escape(str(entity["language"]), quote=True)
        return f'<pre><code class="language-{lang}">', "</code></pre>", False
    opening, closing = _TAGS.get(kind, ("<span>", "</span>"))
    return opening, closing, False


@dataclass
class _Open:
    end: int
    closing: str
    is_link: bool


def entities_to_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Safe HTML for `text` with its Bot API `entities` (UTF-16 offsets, properly nested)."""
    index: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        index[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    index[units] = len(text)

    def at(offset: int) -> int:
        # An offset inside a surrogate pair cannot come from a valid parse; clamp it.
        while offset not in index and offset > 0:
            offset -= 1
        return index.get(offset, 0)

    out: list[str] = []
    stack: list[_Open] = []
    pos = 0

    def in_link() -> bool:
        return any(item.is_link for item in stack)

    def close_until(limit: int) -> None:
        nonlocal pos
        while stack and stack[-1].end <= limit:
            top = stack.pop()
            out.append(_plain(text[pos : top.end], not in_link() and not top.is_link))
            pos = max(pos, top.end)
            out.append(top.closing)

    ordered = sorted(entities, key=lambda e: (int(e.get("offset", 0)), -int(e.get("length", 0))))
    for entity in ordered:
        start = at(int(entity.get("offset", 0)))
        end = at(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if end <= start or (start < pos and not stack):
            continue
        close_until(start)
        if stack and end > stack[-1].end:  # overlapping rather than nested: clip it
            end = stack[-1].end
        out.append(_plain(text[pos:start], not in_link()))
        pos = max(pos, start)
        opening, closing, is_link = _open_close(entity)
        out.append(opening)
        stack.append(_Open(end, closing, is_link))
    close_until(len(text))
    out.append(_plain(text[pos:], True))
    return "".join(out)


def buttons_of(reply_markup: dict[str, Any] | None) -> list[list[dict[str, str]]]:
    """Inline keyboard rows as {text, kind, url?} (url buttons keep safe URLs only)."""
    rows = (reply_markup or {}).get("inline_keyboard") or []
    rendered: list[list[dict[str, str]]] = []
    for row in rows:
        out_row: list[dict[str, str]] = []
        for button in row:
            item = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                item["kind"] = "callback"
            elif button.get("url") and safe_href(str(button["url"])):
                item.update(kind="url", url=str(button["url"]))
            else:
                item["kind"] = next((k for k in button if k != "text"), "unknown")
            out_row.append(item)
        rendered.append(out_row)
    return rendered
