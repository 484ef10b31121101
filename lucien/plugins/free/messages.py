"""Message keys of the free plugin: join requests, the wait, approval and social links."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


MESSAGES: list[MessageKey] = [
    M(
        "free.request.received",
        "Your request to join the free channel was received, {name}. "
        "It will be approved in about {wait_minutes:minutes}.\nMeanwhile:\n{links}",
        ("name", "wait_minutes", "links"),
    ),
    M(
        "free.request.received_no_links",
        "Your request to join the free channel was received, {name}. "
        "It will be approved in about {wait_minutes:minutes}.",
        ("name", "wait_minutes"),
    ),
    M(
        "free.request.pending",
        "Your request is already pending. About {minutes_left:minutes} left.",
        ("minutes_left",),
    ),
    M(
        "free.approved",
        "Your request was approved. Welcome to the free channel, {name}.",
        ("name",),
    ),
    M(
        "free.menu",
        "Free channel: {link}\nRequests to join are approved after {wait_minutes:minutes}.",
        ("link", "wait_minutes"),
    ),
    M("free.links", "Meanwhile, you can also find us here:\n{links}", ("links",)),
    M("free.channel_unset", "The free channel is not configured yet."),
    M(
        "free.vip_info",
        "VIP membership gives access to the private VIP channel with exclusive content. "
        "Ask an administrator for a token, then send it here.",
    ),
    M(
        "free.admin.rights_lost",
        "The bot lost its rights in the free channel {channel}: "
        "join requests cannot be approved until they are restored.",
        ("channel",),
    ),
    _button("button.free.channel", "Free channel"),
    _button("button.free.vip_info", "About VIP"),
]
