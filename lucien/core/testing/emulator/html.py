"""Telegram's HTML parse mode: validate, strip to plain text, and compute entities.

Telegram accepts a small tag set and refuses anything else with
``Bad Request: can't parse entities: ...``; a bot that builds HTML by hand must
see that refusal in tests, not in production. Offsets in entities are in UTF-16
code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

# tag -> entity type; the simple tags only need their name.
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
ALLOWED_TAGS = frozenset({*_SIMPLE, "span", "a", "tg-emoji"})

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR = re.compile(r"""([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


@dataclass
class _Open:
    tag: str
    offset: int
    attrs: dict[str, str] = field(default_factory=dict)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def unescape(text: str) -> str:
    """Decode the character references Telegram understands (4 named ones and numeric)."""

    def repl(match: re.Match[str]) -> str:
        ref = match.group(1)
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if ref in named:
            return named[ref]
        number = int(ref[2:], 16) if ref[1:2] in ("x", "X") else int(ref[1:])
        return chr(number)

    return _CHAR_REF.sub(repl, text)


def _fail(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _entity_for(open_tag: _Open, length: int) -> dict[str, Any] | None:
    tag, attrs = open_tag.tag, open_tag.attrs
    entity: dict[str, Any] = {"offset": open_tag.offset, "length": length}
    if tag == "a":
        href = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            entity.update(
                type="text_mention",
                user={"id": int(user.group(1)), "is_bot": False, "first_name": "User"},
            )
        else:
            entity.update(type="text_link", url=href)
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=attrs.get("emoji-id", ""))
    elif tag == "pre" and attrs.get("language"):
        entity.update(type="pre", language=attrs["language"])
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    else:
        entity["type"] = _SIMPLE[tag]
    return entity


def _parse_attrs(tag: str, raw: str, byte_offset: int) -> dict[str, str]:
    attrs = {
        m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) or ""
        for m in _ATTR.finditer(raw)
    }
    # Bare attributes such as <blockquote expandable>.
    for bare in re.findall(r"(?:^|\s)([a-zA-Z_-]+)(?=\s|$)", _ATTR.sub(" ", raw)):
        attrs.setdefault(bare.lower(), "")
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise _fail(f'Unsupported start tag "span" at byte offset {byte_offset}')
    if tag == "a" and "href" not in attrs:
        # Telegram keeps the text and drops the link; an entity without url would be invalid.
        attrs["href"] = ""
    return {k: unescape(v) for k, v in attrs.items()}


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` for an HTML-formatted message, or raise 400."""
    plain: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    offset = 0  # UTF-16 position in the plain text
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        chunk = source[pos:] if lt < 0 else source[pos:lt]
        if chunk:
            text = unescape(chunk)
            plain.append(text)
            offset += _utf16_len(text)
        if lt < 0:
            break
        byte_offset = len(source[:lt].encode("utf-8"))
        match = _TAG.match(source, lt)
        if match is None:
            raise _fail(f"Unclosed start tag at byte offset {byte_offset}")
        closing, tag, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        pos = match.end()
        if closing:
            if not stack:
                raise _fail(f"Unexpected end tag at byte offset {byte_offset}")
            top = stack.pop()
            if top.tag != tag:
                raise _fail(
                    f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.tag}>", '
                    f'found "</{tag}>"'
                )
            length = offset - top.offset
            language = top.attrs.get("class", "")
            if (
                tag == "code"
                and stack
                and stack[-1].tag == "pre"
                and language.startswith("language-")
            ):
                # <pre><code class="language-x"> is one pre entity with a language.
                stack[-1].attrs["language"] = language.removeprefix("language-")
                continue
            entity = _entity_for(top, length)
            if entity and length > 0 and not (tag == "a" and not top.attrs.get("href")):
                entities.append(entity)
            continue
        if tag not in ALLOWED_TAGS:
            raise _fail(f'Unsupported start tag "{tag}" at byte offset {byte_offset}')
        stack.append(_Open(tag, offset, _parse_attrs(tag, raw_attrs, byte_offset)))
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities
