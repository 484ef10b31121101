"""Message keys of the VIP plugin: plans, invitation tokens, subscriptions, invite links
and expiry. Dates are passed as datetimes and prices as `Money`; the voice writes them for
the user's locale. Lists are one line per item (`vip.plan.line`, `vip.token.line`), joined.
The admins' user card, subscriber list and statistics keep theirs in `messages_card.py`."""

from __future__ import annotations

from lucien.core.plugin import MessageKey
from lucien.core.voice import house_name_keys
from lucien.plugins.vip.messages_card import CARD_MESSAGES

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


MESSAGES: list[MessageKey] = [
    # --- the member's side
    M(
        "vip.menu",
        "Your VIP membership: {plan}. {days_left:days} left, until {end_date}.",
        ("name", "plan", "days_left", "end_date"),
    ),
    M("vip.redeem.prompt", "Send your VIP token to redeem it."),
    # the entry ritual: stage 1 after a redemption (`vip.redeemed`) or a grant
    # (`vip.granted`), then the space and what it asks, then the link; the lines that
    # answer a ritual button out of turn, and the one that closes a ritual the end of the
    # period overtook
    M(
        "vip.redeemed",
        "Invitation accepted, {name}: {plan}, {days:days}, until {end_date}.",
        ("name", "plan", "days", "end_date"),
    ),
    M(
        "vip.ritual.space",
        "Beyond lies the Divan, the exclusive circle's room. It asks discretion and "
        "respect. Are you ready?",
        ("name",),
    ),
    M(
        "vip.ritual.delivery",
        "Here is your personal link: one use, valid for {left:plural:one=# hour|other=# hours}.",
        ("name", "left"),
    ),
    M(
        "vip.ritual.closed",
        "Your membership ended before you crossed the threshold; the entrance closes here.",
        ("name",),
    ),
    M("vip.ritual.behind", "You have already crossed; this button opens nothing more.", ("name",)),
    M("vip.ritual.earlier", "That button belongs to an earlier entrance and opens nothing now."),
    M("vip.ritual.taken", "That step has already been taken.", ("name",)),
    M("vip.ritual.not_yours", "That button was meant for someone else."),
    M(
        "vip.renewed",
        "Renewed, {name}: {plan}, now until {end_date}.",
        ("name", "plan", "end_date"),
    ),
    M("vip.refused.used", "This token has already been used."),
    M("vip.refused.expired", "This token has expired. Ask an administrator for a new one."),
    M("vip.refused.revoked", "This token has been revoked. Ask an administrator for a new one."),
    M("vip.refused.unknown", "This token does not exist. Check it and try again."),
    M("vip.refused.malformed", "This does not look like a VIP token. Check it and try again."),
    M(
        "vip.invite_link",
        "Your invite link to the VIP channel: {link}\nIt works once and expires on {expires}.",
        ("link", "expires"),
    ),
    M(
        "vip.link_unavailable",
        "The invite link cannot be created right now. The administrators have been notified.",
    ),
    M(
        "vip.reminder",
        "Your VIP membership ends in {days_left:days}, on {end_date}.",
        ("name", "days_left", "end_date"),
    ),
    M(
        "vip.expired",
        "Your VIP membership ({plan}) has ended and you have left the VIP channel. "
        "To renew, get a new token from an administrator and send it here.",
        ("name", "plan"),
    ),
    M("vip.already_member", "You are already in the VIP channel."),
    M("vip.not_vip", "You have no active VIP membership. Send a VIP token here to get one."),
    # An admin with no membership sends /vip: the VIP administration, not an invitation.
    M(
        "vip.admin.not_member",
        "You hold no VIP membership; VIP is managed from its administration.",
    ),
    M(
        "vip.offer",
        "VIP plans:\n{plans}\nTo join, get a token from an administrator and send it here.",
        ("plans",),
    ),
    M("vip.offer.none", "No VIP plans are on offer right now. Ask an administrator."),
    # --- administrators
    M("menu.header.vip", "VIP menu. Choose an option.", ("name",)),
    M("vip.admin.menu.header", "VIP administration. Choose an option."),
    M("vip.plan.prompt_name", "Send the name of the plan."),
    # editing a plan: each step names the plan and shows the value in force
    M(
        "vip.plan.edit.prompt_name",
        "Editing the plan {plan}. Send its new name.\nCurrently: {plan}",
        ("plan",),
    ),
    M(
        "vip.plan.edit.prompt_days",
        "Editing the plan {plan}. Send its duration in days.\nCurrently: {days:days}",
        ("plan", "days"),
    ),
    M(
        "vip.plan.edit.prompt_price",
        "Editing the plan {plan}. Send the price and currency shown to users, "
        "e.g. 9.99 USD (0 for none).\nCurrently: {price}",
        ("plan", "price"),
    ),
    M(
        "vip.plan.edit.prompt_price_free",
        "Editing the plan {plan}. Send the price and currency shown to users, "
        "e.g. 9.99 USD (0 for none).\nCurrently: no price",
        ("plan",),
    ),
    M("vip.plan.prompt_days", "Send the duration of the plan in days."),
    M(
        "vip.plan.invalid_days",
        "'{value}' is not a valid duration. Send a whole number of days from 1 to {max_days}.",
        ("value", "max_days"),
    ),
    M("vip.plan.created", "Plan created: {plan}, {days:days}.", ("plan", "days")),
    M("vip.plan.edited", "Plan updated: {plan}, {days:days}.", ("plan", "days")),
    M("vip.plan.archived", "Plan archived: {plan}. Existing tokens still work.", ("plan",)),
    M("vip.plan.list", "Plans:\n{plans}", ("plans",)),
    M("vip.plan.none", "There are no plans yet. Create one first."),
    M(
        "vip.token.generated",
        "Token for {plan} ({days:days}), redeemable until {expires}:\n{token}\nLink: {link}",
        ("plan", "days", "token", "link", "expires"),
    ),
    M("vip.token.list", "Unused tokens:\n{tokens}", ("tokens",)),
    M("vip.token.none", "There are no unused tokens."),
    M("vip.token.revoked", "Token revoked: {token}.", ("token",)),
    M(
        "vip.admin.rights_missing",
        "The bot cannot create invite links in the VIP channel {channel}. "
        "Give it the right to invite users.",
        ("channel",),
    ),
    M(
        "vip.admin.unauthorized_removed",
        "{member} ({user_id}) joined the VIP channel without an active membership and was removed.",
        ("member", "user_id"),
    ),
    M(
        "vip.admin.unauthorized_not_removed",
        "{member} ({user_id}) joined the VIP channel {channel} without an active membership "
        "and the bot could not remove them. Give it the right to ban users, then remove them.",
        ("member", "user_id", "channel"),
    ),
    M(
        "vip.admin.restrict_rights_missing",
        "The bot cannot ban or unban users in the VIP channel {channel}: members whose "
        "membership ended stay in it. Give it the right to ban users; it will try again.",
        ("channel",),
    ),
    M(
        "vip.admin.no_channel",
        "No VIP channel is set: memberships that ended cannot be removed from it. "
        "Set the channel; they will be removed then.",
    ),
    M("vip.plan.invalid_name", "The name must have 1 to 64 characters. Send it again."),
    M(
        "vip.plan.prompt_price",
        "Send the price and currency shown to users, e.g. 9.99 USD (0 for none).",
    ),
    M(
        "vip.plan.invalid_price",
        "'{value}' is not a valid price. Send an amount and a currency, e.g. 9.99 USD, or 0.",
        ("value",),
    ),
    M(
        "vip.plan.detail",
        "Plan {plan}: {days:days}, price {price:money}.",
        ("plan", "days", "price"),
    ),
    M("vip.plan.detail_free", "Plan {plan}: {days:days}, no price.", ("plan", "days")),
    # one line of a plan list (the offer, the admins' plans), with and without a price
    M("vip.plan.line", "• {plan}: {days:days} — {price:money}", ("plan", "days", "price")),
    M("vip.plan.line_free", "• {plan}: {days:days}", ("plan", "days")),
    M("vip.plan.not_found", "That plan no longer exists or is archived."),
    # the plan's name where a period has none (days an admin granted)
    M("vip.plan.courtesy", "courtesy of the house"),
    M("vip.cancelled", "Cancelled."),
    # a Cancel pressed on a prompt already saved or cancelled: an alert (200 characters)
    M(
        "vip.prompt_closed",
        "That request is already closed; this button no longer does anything.",
    ),
    M("vip.token.prompt_plan", "Choose the plan for the new tokens."),
    M(
        "vip.token.prompt_count",
        "How many tokens for {plan}? Send a number from 1 to {max}.",
        ("plan", "max"),
    ),
    M(
        "vip.token.invalid_count",
        "That is not a number of tokens I can prepare: send a whole number from 1 to {max}.",
        ("max",),
    ),
    M(
        "vip.token.batch",
        "{count:plural:one=# token|other=# tokens} for {plan} ({days:days}), "
        "redeemable until {expires}:\n{links}",
        ("count", "plan", "days", "expires", "links"),
    ),
    M(
        "vip.token.csv",
        "{count:plural:one=# token|other=# tokens} for {plan} ({days:days}), "
        "redeemable until {expires}, in this file.",
        ("count", "plan", "days", "expires"),
    ),
    M("vip.token.redeemed_list", "Redeemed tokens:\n{tokens}", ("tokens",)),
    # one line of the token lists; {expires} and {when} come written by `vip.moment`
    M(
        "vip.token.line",
        "{token} — {plan} — redeemable until {expires}",
        ("token", "plan", "expires"),
    ),
    M(
        "vip.token.redeemed_line",
        "{token} — {plan} — {member} ({user_id}), on {when}",
        ("token", "plan", "member", "user_id", "when"),
    ),
    # every date and time of the VIP screens: the day, the hour, the zone named
    M("vip.moment", "{when:datetime} ({zone})", ("when", "zone")),
    M("vip.token.redeemed_none", "No token has been redeemed yet."),
    M("vip.token.not_revocable", "That token was already used or revoked."),
    # --- told to a member by an admin's action from the user card
    M(
        "vip.granted",
        "You are VIP now, {name}: {plan}, until {end_date}.",
        ("name", "plan", "end_date"),
    ),
    M("vip.extended", "Your VIP membership now runs until {end_date}.", ("name", "end_date")),
    M(
        "vip.revoked",
        "Your VIP membership has been withdrawn and you have left the VIP channel.",
        ("name",),
    ),
    # --- buttons
    _button("button.vip.menu", "My VIP membership"),
    _button("button.vip.get_link", "Get the invite link"),
    _button("button.vip.join", "Join the VIP channel"),
    _button("button.vip.redeem", "Redeem a token"),
    _button("button.vip.renew", "Renew"),
    _button("button.vip.admin", "VIP administration"),
    _button("button.vip.plans", "Plans"),
    _button("button.vip.plan.new", "New plan"),
    _button("button.vip.plan.edit", "Edit"),
    _button("button.vip.plan.archive", "Archive"),
    _button("button.vip.tokens.generate", "Generate token"),
    _button("button.vip.tokens.list", "Unused tokens"),
    _button("button.vip.token.revoke", "Revoke"),
    _button("button.vip.offer", "What VIP offers"),
    _button("button.vip.cancel", "Cancel"),
    _button("button.vip.plan.item", "{plan}", ("plan",)),
    _button("button.vip.tokens.redeemed", "Redeemed tokens"),
    _button("button.vip.token.revoke_one", "Revoke {token}", ("token",)),
    _button("button.vip.ritual.continue", "Continue"),
    _button("button.vip.ritual.ready", "I am ready"),
    _button("button.vip.ritual.cross", "Cross the threshold"),
    _button("button.vip.ritual.retry", "Try again"),
    *CARD_MESSAGES,
    *house_name_keys(("vip_name", "vip_circle_name")),
]
