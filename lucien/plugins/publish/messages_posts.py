"""Message keys of the channel posts, their reaction buttons, their statistics, and the
configuration screens' reaction sets (the admin plugin edits the setting; its label and
lines belong to the plugin whose setting it is). Lines in `catalogue/<locale>.posts.json`.

Each key carries its plain default (shown when the voice plugin is disabled) and the
context names the caller passes.
"""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


_DRAFT = ("where", "reactions", "protection")

POST_MESSAGES: list[MessageKey] = [
    # --- composing a post
    M(
        "publish.post.prompt",
        "Send me what to publish in the channel, as it should appear: text with formatting, "
        "a photo, a video, a document, a voice note or an album.",
    ),
    M(
        "publish.post.no_channel",
        "No channel is set yet. Set the VIP or the free channel in Configuration, and I will "
        "publish there.",
    ),
    M("publish.post.target", "Where shall it be published?"),
    M("publish.post.channel_gone", "That channel is no longer set. Choose again."),
    M(
        "publish.post.options",
        "It goes to {where}.\nReaction buttons: {reactions}.\nProtected (no forwarding or "
        "saving): {protection}.\nChange what you wish, then see the preview.",
        _DRAFT,
    ),
    M("publish.post.reactions.off", "none"),
    M("publish.post.reactions.in", "{emoji} in {where}", ("emoji", "where")),
    M("publish.post.protect.on", "yes"),
    M("publish.post.protect.off", "no"),
    M(
        "publish.post.preview",
        "Above is exactly what {where} will show. Reaction buttons: {reactions}. Protected: "
        "{protection}. Publish it?",
        _DRAFT,
    ),
    M("publish.post.choose", "Choose with the buttons above, or Cancel."),
    M(
        "publish.post.queued",
        "On its way to {where}. I will tell you when it is there.",
        ("where",),
    ),
    M(
        "publish.post.scheduled",
        "Scheduled: it will be published in {where} on {when:datetime} ({zone}).",
        ("where", "when", "zone"),
    ),
    M(
        "publish.post.sent",
        "Published in {where} on {when:datetime} ({zone}).",
        ("where", "when", "zone"),
    ),
    M(
        "publish.post.failed",
        "The post for {where} could not be published. Telegram said: {error}. Check that the "
        "bot is an administrator of that channel with the right to post.",
        ("where", "error"),
    ),
    M("publish.post.react_line", "Your reaction:"),
    M("publish.target.vip", "the VIP channel"),
    M("publish.target.free", "the free channel"),
    M("publish.target.other", "the {target} channel", ("target",)),
    M("publish.target.list", "{names} and {last}", ("names", "last")),
    # --- reactions
    M("publish.react.added", "Noted: {emoji}", ("emoji",)),
    M("publish.react.changed", "Changed to {emoji}", ("emoji",)),
    M("publish.react.removed", "Reaction withdrawn", ("emoji",)),
    M(
        "publish.react.members_only",
        "Reactions are for the channel's members.",
        ("emoji",),
    ),
    M("publish.react.gone", "That post no longer takes reactions.", ("emoji",)),
    M(
        "publish.react.unavailable",
        "Your membership cannot be checked right now; try again in a moment.",
        ("emoji",),
    ),
    M("publish.react.preview", "This is the preview: reactions count once it is published."),
    # --- the scheduled list
    M(
        "publish.scheduled.post",
        "Post to {where}: {when:datetime} ({zone})",
        ("where", "when", "zone"),
    ),
    M("publish.scheduled.post_label", "Post to {where}", ("where",)),
    # --- statistics
    M("publish.stats.title", "Channel posts"),
    M(
        "publish.stats.sent",
        "Posts published: {week} in 7 days, {month} in 30",
        ("week", "month"),
    ),
    M("publish.stats.reactions", "Reactions received: {count}", ("count",)),
    M(
        "publish.stats.top",
        "{when:date}, {where}: {count:plural:one=# reaction|other=# reactions}",
        ("when", "where", "count"),
    ),
    # --- the configuration screens' reaction sets (kind "emoji")
    M(
        "config.reactions.prompt",
        "Send the reaction emoji, from 1 to 8, separated by spaces. Now: {current}",
        ("current", "setting"),
    ),
    M("config.reactions.set", "Reactions saved: {value}", ("value", "setting")),
    M("config.reactions.invalid", "'{value}' is not a valid set: {reason}", ("value", "reason")),
    M("config.reactions.empty", "Send at least one emoji."),
    M("config.reactions.not_emoji", "'{value}' is not an emoji.", ("value",)),
    M("config.reactions.repeated", "{value} appears twice; each emoji once.", ("value",)),
    M(
        "config.reactions.too_many",
        "At most {max} emoji; I count {count}.",
        ("max", "count"),
    ),
    # --- buttons
    _button("button.publish.target.vip", "VIP channel"),
    _button("button.publish.target.free", "Free channel"),
    _button("button.publish.target.other", "Channel: {target}", ("target",)),
    _button("button.publish.target.both", "Both"),
    _button("button.publish.target.all", "All of them"),
    _button("button.publish.post.reactions_on", "Reaction buttons: yes"),
    _button("button.publish.post.reactions_off", "Reaction buttons: no"),
    _button("button.publish.post.protect_on", "Protected: yes"),
    _button("button.publish.post.protect_off", "Protected: no"),
    _button("button.publish.post.preview", "See the preview"),
    _button("button.publish.post.publish", "Publish now"),
    _button("button.config.reactions_vip", "Reactions (VIP)"),
    _button("button.config.reactions_free", "Reactions (free)"),
]
