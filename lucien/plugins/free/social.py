"""The creator's social links: how an admin may write them, which are accepted, and the
name each one's button carries.

Accepted forms, one link or several separated by new lines, commas or spaces:

- an `https://` address (`http://` is refused: a link that the visitor's phone may warn
  about, or that a network in between may alter, is no door to offer on the creator's
  behalf);
- an `@handle`, which means a **Telegram** username, as Telegram itself reads it (its
  clients turn `@name` into a link to `t.me/name`). A handle on another network is
  written as that network's address (`https://instagram.com/name`), which names the
  network on the button; a bare handle cannot.

A button is named by its network (Instagram, TikTok, X, YouTube, OnlyFans, Telegram,
Facebook), any other address by its domain ("example.org"). Two links of one network
carry their handle too ("Instagram · diana"), so the visitor can tell them apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: What separates links in one value: new lines, commas, semicolons, spaces (none of them
#: is ever part of a link an admin would paste; a space in a URL is written %20).
SEPARATORS = re.compile(r"[\s,;]+")
#: A Telegram-style handle (the length bounds of the stored values before this module).
HANDLE = re.compile(r"^@([A-Za-z0-9_]{3,64})$")
_HOST = re.compile(r"^[A-Za-z0-9\-._~%\u00a1-\uffff]+\.[A-Za-z\u00a1-\uffff0-9\-]{2,}$")
#: At most this many buttons under a message: more is a wall, not an invitation (and
#: Telegram caps a keyboard at 100 buttons).
MAX_BUTTONS = 12

#: Known networks by their domains (any subdomain too: www., m., vm.).
NETWORKS: dict[str, str] = {
    "instagram.com": "Instagram",
    "instagr.am": "Instagram",
    "tiktok.com": "TikTok",
    "x.com": "X",
    "twitter.com": "X",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "onlyfans.com": "OnlyFans",
    "t.me": "Telegram",
    "telegram.me": "Telegram",
    "telegram.dog": "Telegram",
    "facebook.com": "Facebook",
    "fb.com": "Facebook",
    "fb.me": "Facebook",
}


class LinkProblem(ValueError):
    """Why one link is refused; `problem` is "insecure" (http://) or "invalid"."""

    def __init__(self, link: str, problem: str) -> None:
        self.link, self.problem = link, problem
        if problem == "insecure":
            reason = f"{link!r} starts with http://; only https:// links are accepted"
        else:
            reason = f"{link!r} is neither an https:// link nor an @handle"
        super().__init__(reason)


def split_links(raw: str | Iterable[str] | None) -> list[str]:
    """The links of a value as typed or stored: a string (one per line, or separated by
    commas or spaces; a JSON list, as the environment may hold one) or a list of such
    strings. Empty parts dropped, repeats kept once, order kept."""
    if raw is None:
        return []
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.startswith("["):
            try:
                decoded = json.loads(stripped)
            except ValueError:
                decoded = None
            if isinstance(decoded, list):
                return split_links(str(item) for item in decoded)
        parts = [stripped]
    else:
        parts = [str(item) for item in raw]
    found: list[str] = []
    for part in parts:
        for link in SEPARATORS.split(part):
            if link and link not in found:
                found.append(link)
    return found


def check_link(link: str) -> str:
    """`link` as stored, or LinkProblem saying why it is refused."""
    if HANDLE.match(link):
        return link
    lowered = link.lower()
    if lowered.startswith("http://"):
        raise LinkProblem(link, "insecure")
    if not lowered.startswith("https://"):
        raise LinkProblem(link, "invalid")
    try:
        host = urlsplit(link).hostname
    except ValueError:
        host = None
    if not host or not _HOST.match(host):
        raise LinkProblem(link, "invalid")
    return link


@dataclass(frozen=True)
class SocialLink:
    """One button: its label and where it leads."""

    label: str
    url: str


def _network(host: str) -> str | None:
    for domain, name in NETWORKS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return None


def _handle(url: str) -> str:
    """The first path segment ("diana" of instagram.com/diana, "@diana" of tiktok)."""
    path = urlsplit(url).path.strip("/")
    return path.split("/", 1)[0] if path else ""


def describe(link: str) -> SocialLink:
    """The button of one accepted link."""
    handle = HANDLE.match(link)
    if handle:
        return SocialLink("Telegram", f"https://t.me/{handle.group(1)}")
    host = (urlsplit(link).hostname or "").lower()
    label = _network(host) or host.removeprefix("www.")
    return SocialLink(label, link)


def buttons(links: Iterable[str]) -> list[SocialLink]:
    """The buttons of the accepted links (at most MAX_BUTTONS); a network named twice
    carries each link's handle as well."""
    shown = [describe(link) for link in links][:MAX_BUTTONS]
    counts: dict[str, int] = {}
    for item in shown:
        counts[item.label] = counts.get(item.label, 0) + 1
    named = []
    for item in shown:
        handle = _handle(item.url) if counts[item.label] > 1 else ""
        named.append(SocialLink(f"{item.label} · {handle}" if handle else item.label, item.url))
    return named
