"""Message keys of the free plugin: join requests, the wait, approval and social links; the
admins' Free queue, their part of the user card and of the statistics screen."""

from __future__ import annotations

from lucien.core.plugin import MessageKey
from lucien.core.voice import house_name_keys

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


MESSAGES: list[MessageKey] = [
    # The requester, in private: the wait framed as many requests being attended, the exact
    # time unless the setting withholds it, the creator's networks (buttons) meanwhile.
    M(
        "free.request.received",
        "Your request to join the free channel was received, {name}. Many requests are "
        "being attended; yours will be approved in about {wait_minutes:minutes}.\n"
        "Meanwhile, you can follow the creator here:",
        ("name", "wait_minutes"),
    ),
    M(
        "free.request.received_no_links",
        "Your request to join the free channel was received, {name}. Many requests are "
        "being attended; yours will be approved in about {wait_minutes:minutes}.",
        ("name", "wait_minutes"),
    ),
    M(
        "free.request.received_unhurried",
        "Your request to join the free channel was received, {name}. Many requests are "
        "being attended; yours will be approved soon.\n"
        "Meanwhile, you can follow the creator here:",
        ("name",),
    ),
    M(
        "free.request.received_unhurried_no_links",
        "Your request to join the free channel was received, {name}. Many requests are "
        "being attended; yours will be approved soon.",
        ("name",),
    ),
    M(
        "free.request.pending",
        "Your request is already pending. About {minutes_left:minutes} left.",
        ("minutes_left",),
    ),
    M("free.request.pending_unhurried", "Your request is already pending; it will not be long."),
    M(
        "free.request.refused",
        "The free channel cannot admit you. If you think this is a mistake, the "
        "administrators can help.",
    ),
    M(
        "free.approved",
        "Your request was approved. Welcome to the free channel, {name}.",
        ("name",),
    ),
    M(
        "free.menu",
        "Free channel: ask to join with the button below.\n"
        "Requests to join are approved after {wait_minutes:minutes}.",
        ("wait_minutes",),
    ),
    M(
        "free.menu_unhurried",
        "Free channel: ask to join with the button below.\nRequests to join are approved soon.",
    ),
    M(
        "free.menu_pending",
        "Free channel: your request is pending, about {minutes_left:minutes} left.",
        ("minutes_left",),
    ),
    M("free.menu_pending_unhurried", "Free channel: your request is pending."),
    M("free.menu_member", "Free channel: you are a member."),
    M("free.links", "Follow the creator here:"),
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
    _button("button.free.enter", "Enter the free channel"),
    _button("button.free.request", "Ask to join"),
    # The admins' editor of `show_wait` (the admin plugin names it with these keys).
    _button("button.config.free_show_wait", "Show the wait"),
    M(
        "config.free_show_wait.prompt",
        "Tell requesters how long they wait? Yes to show the time, No to keep it. Now: {current}.",
        ("current",),
    ),
    M(
        "config.free_show_wait.set",
        "{value:plural:0=The wait is no longer shown.|other=The wait is shown.}",
        ("value",),
    ),
    M("config.free_show_wait.invalid", "Answer Yes to show the wait, or No to keep it."),
    # The admins' Free queue.
    M("free.admin.forbidden", "This is for the house's administrators only."),
    M("free.admin.stale", "This confirmation has expired. Please open the screen again."),
    M(
        "free.admin.action_refused",
        "Telegram refused to act on user {user_id} in the free channel (the bot may lack "
        "the right to restrict members). It will be tried again in a few minutes.",
        ("user_id",),
    ),
    M(
        "free.queue.header",
        "Free queue: {count:plural:one=# pending request|other=# pending requests}. "
        "Page {page} of {pages}.",
        ("count", "page", "pages"),
    ),
    M("free.queue.empty", "Free queue: no request is waiting."),
    M(
        "free.queue.line",
        "{position}. {who}: asked {requested:datetime}, due {due:datetime}",
        ("position", "who", "requested", "due"),
    ),
    M("free.queue.approved", "{who} was approved.", ("who",)),
    M(
        "free.queue.approving",
        "{who}'s request is due now; Telegram has not confirmed the approval yet.",
        ("who",),
    ),
    M("free.queue.gone", "That request was already handled."),
    M(
        "free.queue.busy",
        "{who}'s request is being approved right now; look again in a minute.",
        ("who",),
    ),
    M("free.queue.declined", "{who}'s request was declined.", ("who",)),
    M(
        "free.queue.confirm_decline",
        "Decline {who}'s request (asked {requested:datetime}, due {due:datetime})?",
        ("who", "requested", "due"),
    ),
    M(
        "free.queue.confirm_all",
        "Approve {count:plural:one=the # pending request|other=all # pending requests} now?",
        ("count",),
    ),
    M(
        "free.queue.all_done",
        "{count:plural:one=# request approved|other=# requests approved}.",
        ("count",),
    ),
    M(
        "free.queue.all_left",
        "{count:plural:one=# request approved|other=# requests approved}; "
        "{left:plural:one=# more follows|other=# more follow} within moments.",
        ("count", "left"),
    ),
    M("free.queue.nothing", "No request is pending."),
    # The user card.
    M("free.card.title", "Free channel"),
    M("free.card.none", "Never asked to join the free channel."),
    M(
        "free.card.pending",
        "{status}: asked {requested:datetime}, due {due:datetime}",
        ("status", "requested", "due"),
    ),
    M(
        "free.card.handled",
        "{status}: asked {requested:datetime}, handled {handled:datetime}",
        ("status", "requested", "handled"),
    ),
    M("free.card.more", "{count:plural:one=# more request|other=# more requests}", ("count",)),
    M(
        "free.card.requests",
        "Join requests of {who}: {count:plural:one=# request|other=# requests}. "
        "Page {page} of {pages}.",
        ("who", "count", "page", "pages"),
    ),
    M(
        "free.card.confirm_expel",
        "Expel {who} from the free channel? They may ask to join again later.",
        ("who",),
    ),
    M("free.card.expelled", "{who} was expelled from the free channel.", ("who",)),
    M(
        "free.card.expel_waiting",
        "{who}'s expulsion is queued; Telegram has not confirmed it yet.",
        ("who",),
    ),
    M("free.card.expel_repeated", "This expulsion of {who} was already made.", ("who",)),
    M("free.card.expel_unset", "The free channel is not configured.", ("who",)),
    M(
        "free.card.expel_privileged",
        "{who} is an owner or administrator of the free channel and cannot be expelled.",
        ("who",),
    ),
    M("free.status.pending", "Pending"),
    M("free.status.approved", "Approved"),
    M("free.status.declined", "Declined"),
    M("free.status.gone", "Withdrawn"),
    # The statistics screen.
    M("free.stats.title", "Free channel"),
    M(
        "free.stats.approved",
        "Members approved: {week:number} in 7 days, {month:number} in 30 days",
        ("week", "month"),
    ),
    M("free.stats.pending", "Pending join requests: {count:number}", ("count",)),
    M("free.stats.next_due", "Next approval: {when:datetime}", ("when",)),
    # how the admin plugin's card names these actions in its audit list
    _button("audit.free.approve_now", "join request approved now"),
    _button("audit.free.approve_all", "all join requests approved now"),
    _button("audit.free.decline", "join request declined"),
    _button("audit.free.expel", "expelled from the free channel"),
    _button("button.free.queue", "Free queue"),
    _button("button.free.admin.queue", "Free queue"),
    _button("button.free.admin.approve", "Approve {who}", ("who",)),
    _button("button.free.admin.decline", "Decline"),
    _button("button.free.admin.open_card", "Card"),
    _button("button.free.admin.card", "Back to the card"),
    _button("button.free.admin.approve_all", "Approve all now"),
    _button("button.free.admin.prev", "Previous"),
    _button("button.free.admin.next", "Next"),
    _button("button.free.admin.expel", "Expel from the free channel"),
    _button("button.free.admin.more", "All their requests"),
    _button("button.free.admin.confirm_expel", "Yes, expel"),
    _button("button.free.admin.confirm_decline", "Yes, decline"),
    _button("button.free.admin.confirm_all", "Yes, approve all"),
    *house_name_keys(("free_name",)),
]
