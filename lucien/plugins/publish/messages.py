"""Message keys of the publish plugin: the composer shared by broadcasts and channel posts,
the broadcasts' screens and progress, the scheduled list. The channel posts' and reaction
buttons' keys are in `messages_posts.py`.

Each key carries its plain default (shown when the voice plugin is disabled) and the
context names the caller passes.
"""

from __future__ import annotations

from lucien.core.plugin import MessageKey
from lucien.plugins.publish.messages_posts import POST_MESSAGES

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


_COUNTS = ("audience", "sent", "total", "blocked", "failed", "left")

BROADCAST_MESSAGES: list[MessageKey] = [
    # --- the composer (broadcasts and posts)
    M(
        "publish.compose.prompt",
        "Send me what to broadcast, as you want it to arrive: text with formatting, a photo, "
        "a video, a document, a voice note or an album.",
    ),
    M(
        "publish.compose.unsupported",
        "I cannot carry that kind of message. Send text, a "
        "photo, a video, a document, a voice note or an album.",
    ),
    M("publish.compose.album", "An album: all its items go together, as you sent them."),
    M("publish.compose.cancelled", "Cancelled; nothing was sent."),
    M("publish.compose.stale", "This draft is no longer open."),
    M("publish.forbidden", "This option is only available to administrators."),
    # --- broadcasts
    M("publish.broadcast.audience", "Who should receive it?"),
    M(
        "publish.broadcast.days_prompt",
        "Users active in the last how many days? Send a number from 1 to 365.",
    ),
    M("publish.broadcast.days_invalid", "That is not a number of days from 1 to 365."),
    M("publish.broadcast.empty", "There is nobody in that audience to send it to."),
    M(
        "publish.broadcast.preview",
        "Above is exactly what they will receive. It goes to "
        "{count:plural:one=# person|other=# people} ({audience}).",
        ("count", "audience"),
    ),
    M("publish.audience.all", "everyone"),
    M("publish.audience.role", "role {role}", ("role",)),
    # a role's own words, when the catalogue has them (the button's audience, in a sentence)
    M("publish.audience.vip", "VIP members"),
    M("publish.audience.free", "everyone outside the circle"),
    M("publish.audience.admin", "the custodians of the house"),
    M(
        "publish.audience.active",
        "{audience}, active in the last {days:plural:one=# day|other=# days}",
        ("audience", "days"),
    ),
    M(
        "publish.broadcast.progress",
        "Broadcast to {audience} under way: {sent} of {total} sent, {blocked} blocked, {failed} failed, "
        "{left} to go.",
        _COUNTS,
    ),
    M(
        "publish.broadcast.paused",
        "Broadcast to {audience} paused: {sent} of {total} sent, {blocked} blocked, {failed} failed, "
        "{left} waiting.",
        _COUNTS,
    ),
    M(
        "publish.broadcast.done",
        "Broadcast to {audience} finished: {sent} of {total} sent, {blocked} blocked, {failed} failed.",
        _COUNTS[:5],
    ),
    M(
        "publish.broadcast.cancelled",
        "Broadcast to {audience} cancelled: {sent} of {total} sent, {blocked} blocked, {failed} failed, "
        "{left} not sent.",
        _COUNTS,
    ),
    M("publish.broadcast.not_now", "That broadcast can no longer do that."),
    M(
        "publish.schedule.prompt",
        "When? Send a time in {zone}: 21:00, 24/12 21:00 or 2026-12-24 21:00.",
        ("zone",),
    ),
    M(
        "publish.schedule.invalid",
        "That is not a time I understand. Send, for example, 21:00 or 24/12 21:00 ({zone}).",
        ("zone",),
    ),
    M(
        "publish.schedule.past",
        "That time has already passed. Send a later one ({zone}).",
        ("zone",),
    ),
    M(
        "publish.broadcast.scheduled",
        "Scheduled for {when:datetime} ({zone}), to {audience}.",
        ("when", "zone", "audience"),
    ),
    # --- the scheduled list
    M("publish.scheduled.title", "Scheduled items:"),
    M("publish.scheduled.empty", "Nothing is scheduled."),
    M(
        "publish.scheduled.broadcast",
        "Broadcast to {audience}: {when:datetime} ({zone})",
        ("audience", "when", "zone"),
    ),
    M("publish.scheduled.cancelled", "Cancelled: it will not go out."),
    M("publish.scheduled.gone", "That item already went out or was cancelled."),
    M(
        "publish.scheduled.moved",
        "Moved to {when:datetime} ({zone}).",
        ("when", "zone"),
    ),
    # --- buttons
    _button("button.publish.broadcast", "Broadcast"),
    _button("button.publish.post", "Post to a channel"),
    _button("button.publish.scheduled", "Scheduled"),
    _button("button.publish.audience.all", "Everyone"),
    _button("button.publish.audience.role", "Role: {role}", ("role",)),
    _button("button.publish.audience.vip", "VIP members"),
    _button("button.publish.audience.free", "Outside the circle (not VIP)"),
    _button("button.publish.audience.admin", "Administrators"),
    _button("button.publish.audience.active", "Active in the last N days"),
    _button("button.publish.send_now", "Send now"),
    _button("button.publish.schedule", "Schedule"),
    _button("button.publish.cancel", "Cancel"),
    _button("button.publish.pause", "Pause"),
    _button("button.publish.resume", "Resume"),
    _button("button.publish.stop", "Cancel the broadcast"),
    _button("button.publish.scheduled.item", "{when} · {what}", ("when", "what")),
    _button("button.publish.scheduled.move", "Change the time"),
    _button("button.publish.scheduled.drop", "Cancel it"),
    _button("button.publish.back", "Back"),
]

MESSAGES: list[MessageKey] = BROADCAST_MESSAGES + POST_MESSAGES
