"""Message keys of the VIP side of the admins' user card (the section, its actions and
their confirmations), the subscriber list and the VIP figures of the statistics screen.
`{member}` is the name of the user the card is about; the admin reading is `{name}`."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


CARD_MESSAGES: list[MessageKey] = [
    # --- the VIP section of the admins' user card (`{member}`: the user's name)
    M("vip.card.title", "VIP"),
    M(
        "vip.card.active",
        "VIP until {end_date:date} ({days_left:days} left), plan {plan}.",
        ("end_date", "days_left", "plan"),
    ),
    M("vip.card.ended", "Not VIP; the last membership ended on {end_date:date}.", ("end_date",)),
    M("vip.card.never", "Never VIP."),
    M("vip.card.history", "Membership history:"),
    # one history line each: what happened, when, the plan, the end it set
    M(
        "vip.history.start.token",
        "{when:date}: joined with an invitation ({plan}), until {end_date:date}",
        ("when", "plan", "end_date"),
    ),
    M(
        "vip.history.start.admin",
        "{when:date}: made VIP by an administrator ({plan}), until {end_date:date}",
        ("when", "plan", "end_date"),
    ),
    M(
        "vip.history.renew.token",
        "{when:date}: renewed with an invitation ({plan}), until {end_date:date}",
        ("when", "plan", "end_date"),
    ),
    M(
        "vip.history.renew.admin",
        "{when:date}: extended by an administrator ({days:days}), until {end_date:date}",
        ("when", "days", "end_date"),
    ),
    M("vip.history.end.expiry", "{when:date}: the membership ended ({plan})", ("when", "plan")),
    M(
        "vip.history.end.revoke",
        "{when:date}: revoked by an administrator ({plan})",
        ("when", "plan"),
    ),
    M("vip.card.tokens", "Invitations redeemed: {count:number}.", ("count",)),
    M("vip.card.token_line", "{token} — {plan}, on {when:date}", ("token", "plan", "when")),
    M(
        "vip.card.history_page",
        "Membership history of {member} (page {page} of {pages}):\n{lines}",
        ("member", "page", "pages", "lines"),
    ),
    M(
        "vip.card.grant.choose",
        "Make {member} VIP: choose a plan, or a number of days.",
        ("member",),
    ),
    M(
        "vip.card.days.grant",
        "How many days of VIP for {member}? Send a whole number from 1 to {max_days}.",
        ("member", "max_days"),
    ),
    M(
        "vip.card.days.extend",
        "How many days to add to {member}'s membership (until {end_date} now)? "
        "Send a whole number from 1 to {max_days}.",
        ("member", "end_date", "max_days"),
    ),
    M(
        "vip.card.confirm.grant",
        "Make {member} VIP with {plan} ({days:days}), until {end_date}? They will receive "
        "the welcome and their link. Press Confirm.",
        ("member", "plan", "days", "end_date"),
    ),
    M(
        "vip.card.confirm.extend",
        "Extend {member}'s membership by {days:days}, until {end_date}? Press Confirm.",
        ("member", "days", "end_date"),
    ),
    M(
        "vip.card.confirm.revoke",
        "Revoke {member}'s membership? They leave the VIP channel and are told. Press Confirm.",
        ("member",),
    ),
    M(
        "vip.card.confirm.expel",
        "Expel {member} from the VIP channel? Their membership stays as it is. Press Confirm.",
        ("member",),
    ),
    M(
        "vip.card.done.grant",
        "{member} is VIP until {end_date}; the welcome is on its way, the entrance begun.",
        ("member", "end_date"),
    ),
    M(
        "vip.card.done.extend",
        "{member}'s membership now runs until {end_date}.",
        ("member", "end_date"),
    ),
    M(
        "vip.card.done.revoke",
        "{member}'s membership is revoked; they are leaving the VIP channel and have been told.",
        ("member",),
    ),
    # an expulsion: done once Telegram confirmed it; under way while it has not answered;
    # refused (the admins are alerted as well)
    M(
        "vip.card.done.expel",
        "{member} has left the VIP channel; their membership is untouched.",
        ("member",),
    ),
    M(
        "vip.card.expel.waiting",
        "The removal of {member} from the VIP channel is under way: Telegram has not "
        "confirmed it yet. If it refuses, you will be told.",
        ("member",),
    ),
    M(
        "vip.card.expel.refused",
        "Telegram refused to remove {member} from the VIP channel: nothing has changed. "
        "The administrators have been told.",
        ("member",),
    ),
    # alerts (plain text, 200 characters) before any confirmation
    M(
        "vip.card.expel.privileged",
        "{member} is the owner or an administrator of the VIP channel: Telegram does not "
        "allow the bot to expel them.",
        ("member",),
    ),
    M(
        "vip.card.expel.absent",
        "{member} is not in the VIP channel: there is nothing to expel them from.",
        ("member",),
    ),
    # a plan or days pressed on an old "Make VIP" choice, once the user is VIP
    M(
        "vip.card.already_vip",
        "{member} is already VIP, until {end_date:date}: this choice is out of date. "
        "To add days, use Extend on their card.",
        ("member", "end_date"),
    ),
    # to every admin: an expulsion Telegram refused for now (retried), or for good
    M(
        "vip.admin.expel_waiting",
        "Telegram did not let the bot remove {member} from the VIP channel: it may lack "
        "the right to ban users. It will try again in a few minutes.",
        ("member",),
    ),
    M(
        "vip.admin.expel_refused",
        "Telegram refused to remove {member} from the VIP channel; they are still inside. "
        "Telegram's answer: {error}",
        ("member", "error"),
    ),
    # the second press came after the card changed: an alert (200 characters)
    M(
        "vip.card.stale",
        "This confirmation is out of date: the card has changed since. Open it again.",
    ),
    M("vip.card.not_vip", "{member} has no running membership any more.", ("member",)),
    M(
        "vip.card.no_channel",
        "No VIP channel is set: there is nothing to expel {member} from.",
        ("member",),
    ),
    M("vip.forbidden", "This option is only available to administrators."),
    # --- the subscriber list (`{count}` of the filter, page `{page}` of `{pages}`)
    M(
        "vip.subs.active",
        "Active VIP subscribers: {count:number}. Page {page} of {pages}.",
        ("count", "page", "pages"),
    ),
    M(
        "vip.subs.expiring",
        "VIP subscribers ending within 7 days: {count:number}. Page {page} of {pages}.",
        ("count", "page", "pages"),
    ),
    M(
        "vip.subs.expired",
        "VIP memberships ended in the last 30 days: {count:number}. Page {page} of {pages}.",
        ("count", "page", "pages"),
    ),
    M(
        "vip.subs.plan",
        "Active VIP subscribers on {plan}: {count:number}. Page {page} of {pages}.",
        ("plan", "count", "page", "pages"),
    ),
    M("vip.subs.none", "Nobody matches this filter."),
    M("vip.subs.choose_plan", "Choose the plan whose subscribers you want to see."),
    M(
        "vip.subs.csv",
        "{count:plural:one=# subscriber|other=# subscribers} in this file.",
        ("count",),
    ),
    # --- the VIP section of the statistics screen
    M("vip.stats.title", "VIP"),
    M("vip.stats.active", "Active VIPs: {count:number}", ("count",)),
    # new VIPs: `count` in 7 days, `total` in 30 (each user once)
    M(
        "vip.stats.new",
        "New VIPs: {count:number} in 7 days, {total:number} in 30 days",
        ("count", "total"),
    ),
    M("vip.stats.expiring", "Ending within 7 days: {count:number}", ("count",)),
    M("vip.stats.renewals", "Renewals in 30 days: {count:number}", ("count",)),
    M("vip.stats.lapses", "Lapses in 30 days: {count:number}", ("count",)),
    # invitations: `total` generated, `done` redeemed, `pending` still redeemable
    M(
        "vip.stats.tokens",
        "Invitations: {total:number} generated, {done:number} redeemed, {pending:number} unused",
        ("total", "done", "pending"),
    ),
    # one line per currency
    M("vip.stats.revenue", "Projected monthly revenue: {price:money}", ("price",)),
    M("vip.stats.revenue_none", "Projected monthly revenue: none (no priced plan running)."),
    # --- buttons
    # how the admin plugin's card names the role and these actions in its audit list
    _button("role.vip", "VIP member"),
    _button("audit.vip.grant", "made VIP"),
    _button("audit.vip.extend", "VIP extended"),
    _button("audit.vip.revoke", "VIP revoked"),
    _button("audit.vip.expel", "expelled from the VIP channel"),
    _button("audit.vip.expel_failed", "expulsion refused by Telegram"),
    _button("button.vip.card.grant", "Make VIP"),
    _button("button.vip.card.extend", "Extend"),
    _button("button.vip.card.revoke", "Revoke VIP"),
    _button("button.vip.card.expel", "Expel from the VIP channel"),
    _button("button.vip.card.history", "Whole history"),
    _button("button.vip.card.days", "A number of days"),
    _button("button.vip.card.plan", "{plan} ({days:days})", ("plan", "days")),
    _button("button.vip.card.confirm", "Confirm"),
    _button("button.vip.card.back", "Back to the card"),
    _button("button.vip.card.back_to_list", "‹ Back to the VIP members"),
    _button("button.vip.subscribers", "VIP subscribers"),
    _button("button.vip.subs.active", "Active"),
    _button("button.vip.subs.expiring", "Ending soon"),
    _button("button.vip.subs.expired", "Ended"),
    _button("button.vip.subs.by_plan", "By plan"),
    _button("button.vip.subs.entry", "{member} — {end_date:date}", ("member", "end_date")),
    _button("button.vip.subs.prev", "‹ Previous"),
    _button("button.vip.subs.next", "Next ›"),
    _button("button.vip.subs.csv", "Export CSV"),
]
